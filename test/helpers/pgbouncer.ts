import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli.js';

export type PgBouncer = {
  port: number;
  /** A URL of the same database and user, rewritten to pass through PgBouncer. */
  through(databaseUrl: string): string;
  /** Stops PgBouncer at once (SIGTERM: its immediate shutdown), cutting every client and server connection. */
  stop(): Promise<void>;
  /** Starts it again on the same port, after stop. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
};

export type PgBouncerOptions = {
  /** Server connections per database and user: fewer than the clients', so that they are shared. */
  poolSize?: number;
  port?: number;
};

const START_TIMEOUT_MS = 10_000;

/**
 * Debian's PgBouncer in transaction mode in front of the PostgreSQL of serverUrl, on a port of its
 * own, with its configuration in a temporary folder: every database of that server, reached as the
 * user the client names (trust, as the local PostgreSQL is). It refuses to run as root, so a root
 * test run starts it as postgres.
 */
export async function startPgBouncer(serverUrl: string, options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username || 'postgres');
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'opsgraph-pgbouncer-'));
  const ini = join(dir, 'pgbouncer.ini');
  await writeFile(join(dir, 'users.txt'), `"${user}" ""\n`);
  await writeFile(
    ini,
    `[databases]
* = host=${server.hostname} port=${server.port || 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${join(dir, 'users.txt')}
pool_mode = transaction
default_pool_size = ${options.poolSize ?? 2}
max_client_conn = 500
; Back within a second of PostgreSQL, rather than after the default 15 s; a client waiting for a
; server connection longer than 5 s gets an error (08P01) instead of waiting 2 minutes.
server_login_retry = 1
query_wait_timeout = 5
`,
  );
  await chmod(dir, 0o755);
  let child: ChildProcess | undefined;
  let output = '';

  const start = () =>
    new Promise<void>((resolve, reject) => {
      output = '';
      const asRoot = process.getuid?.() === 0 ? ['-u', 'postgres'] : [];
      const started = spawn('pgbouncer', [...asRoot, ini], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = started;
      const timer = setTimeout(() => {
        started.kill('SIGKILL');
        reject(new Error(`PgBouncer did not listen within ${START_TIMEOUT_MS} ms:\n${output}`));
      }, START_TIMEOUT_MS);
      started.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`PgBouncer could not start (apt-get install pgbouncer): ${error.message}`));
      });
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`PgBouncer exited with ${code} before listening:\n${output}`));
      });
      started.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`listening on 127.0.0.1:${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    port,
    through(databaseUrl) {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
