import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export type FaultProxy = {
  /** The database URL, rewritten to pass through the proxy. */
  url: string;
  /** The database goes away: open connections are cut and new ones refused (reset at once). */
  cut(): void;
  /** The database comes back. */
  restore(): void;
  close(): Promise<void>;
};

/**
 * A TCP proxy in front of PostgreSQL on loopback, so that a test can take "the database" away
 * and bring it back without touching the server the other test files use.
 */
export async function startFaultProxy(databaseUrl: string): Promise<FaultProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let down = false;
  const server = createServer((incoming) => {
    if (down) {
      incoming.resetAndDestroy();
      return;
    }
    const outgoing = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        incoming.destroy();
        outgoing.destroy();
      });
    }
    incoming.pipe(outgoing).pipe(incoming);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  const cut = () => {
    down = true;
    for (const socket of sockets) socket.resetAndDestroy();
  };
  return {
    url: url.toString(),
    cut,
    restore: () => {
      down = false;
    },
    close: () => {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
