import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDataFolder, type DataLock } from './data-lock.js';

export type EmbeddedPostgres = {
  /** A node-postgres connection string for the embedded database. */
  url: string;
  db: PGlite;
  stop(): Promise<void>;
};

// btree_gist: the timeclock's exclusion constraints compare a user and a time range together.
const extensions = { btree_gist, citext, pg_trgm };

/**
 * Serves a PGlite database (in memory, or persisted in dataDir) on a private Unix socket, so that
 * Prisma's pg adapter and the schema engine reach it like any PostgreSQL server.
 *
 * PGlite has a single backend session: statements from two connections would share one
 * transaction. Every client of an embedded database must therefore use one connection at a time.
 * For the same reason one process at a time may use a dataDir: a second is refused (ConfigError).
 */
export async function startEmbeddedPostgres(
  options: { dataDir?: string; loadDataDir?: Blob } = {},
): Promise<EmbeddedPostgres> {
  let lock: DataLock | undefined;
  if (options.dataDir) {
    await mkdir(dirname(options.dataDir), { recursive: true });
    lock = await lockDataFolder(options.dataDir);
  }
  try {
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
    const db = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir, extensions });
    // A socket path must stay under ~100 bytes, so it lives in a short temporary folder.
    const socketDir = await mkdtemp(join(tmpdir(), 'opsgraph-pg-'));
    const server = new PGLiteSocketServer({
      db,
      path: join(socketDir, '.s.PGSQL.5432'),
      maxConnections: 4,
    });
    await server.start();
    return {
      url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
      db,
      async stop() {
        await server.stop();
        await db.close();
        await rm(socketDir, { recursive: true, force: true });
        await lock?.release();
      },
    };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}
