import { createServer, connect, type Socket } from 'node:net';

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

/**
 * A TCP proxy in front of PostgreSQL that counts the SQL statements its clients run: every
 * simple Query ('Q') and every extended-protocol Execute ('E') message. Pointing a server's pool
 * at it measures statements per request without any setting on the database server. It keeps the
 * text of the last statements it saw (simple queries and extended-protocol Parse messages), as
 * they went over the wire.
 */
export async function startStatementCounter(databaseUrl: string) {
  const direct = new URL(databaseUrl);
  // A host query parameter names a Unix socket folder (as the embedded database uses).
  const socketFolder = direct.searchParams.get('host');
  const target = socketFolder
    ? { path: `${socketFolder}/.s.PGSQL.${direct.port || 5432}` }
    : { host: direct.hostname, port: Number(direct.port || 5432) };
  let statements = 0;
  const texts: string[] = [];
  const KEPT = 100;
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    let started = false;

    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) break;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (buffer.length < length) break;
          buffer = buffer.subarray(length);
          // After an SSL or cancel request the next untyped message is the startup message.
          if (code !== SSL_REQUEST && code !== CANCEL_REQUEST) started = true;
          continue;
        }
        if (buffer.length < 5) break;
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) break;
        const type = String.fromCharCode(buffer[0]!);
        if (type === 'Q' || type === 'E') statements += 1;
        if (type === 'Q' || type === 'P') {
          // Q: the query; P: the statement's name, then its query; each NUL-terminated.
          const body = buffer.subarray(5, 1 + length);
          const start = type === 'P' ? body.indexOf(0) + 1 : 0;
          texts.push(body.toString('utf8', start, body.indexOf(0, start)));
          if (texts.length > KEPT) texts.shift();
        }
        buffer = buffer.subarray(1 + length);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    /** The connection string that reaches the same database through the proxy. */
    url: (() => {
      const url = new URL(databaseUrl);
      url.searchParams.delete('host');
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    })(),
    statements: () => statements,
    /** The text of the last 100 statements, oldest first. */
    sql: () => [...texts],
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
