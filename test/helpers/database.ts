import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { connectDb, pools, system, type Db, type QueryEvent } from '../../src/db.js';
import { startEmbeddedPostgres } from '../../src/database/embedded.js';
import { hearEmbeddedNotifications, listenToDatabase, type Listener } from '../../src/database/notifications.js';
import { withClient, withDatabase } from '../../src/schema-engine/pg-adapter.js';
import { backend, serverUrl } from './backend.js';

export type TestDatabase = {
  url: string;
  db: Db;
  /** Every statement the app's Prisma client sent since the file started (clear it to measure). */
  statements: QueryEvent[];
  /** Runs one SQL statement on a connection of its own (PGlite: the shared one). */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
};

async function adminQuery(statement: string): Promise<void> {
  await withClient(withDatabase(serverUrl!, 'postgres'), (admin) => admin.query(statement));
}

/** A fresh, migrated database for this test file: a clone of the template, dropped afterwards. */
export function useTestDatabase(): TestDatabase {
  let state: { url: string; db: Db; app: Db; pool: pg.Pool; listener: Listener } | undefined;
  const statements: QueryEvent[] = [];
  let teardown: () => Promise<void> = async () => {};
  const ready = () => {
    if (!state) throw new Error('the test database is ready only inside tests and hooks');
    return state;
  };

  beforeAll(async () => {
    let url: string;
    let poolSize: number;
    if (backend === 'postgres') {
      const name = `opsgraph_test_${randomUUID().replaceAll('-', '')}`;
      await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${inject('templateDatabase')}"`);
      url = withDatabase(serverUrl!, name);
      poolSize = 5;
      teardown = async () => {
        const open = await withClient(withDatabase(serverUrl!, 'postgres'), async (admin) => {
          const { rows } = await admin.query<Record<string, unknown>>(
            `SELECT pid, application_name, state, backend_start, left(query, 200) AS query
               FROM pg_stat_activity WHERE datname = $1`,
            [name],
          );
          return rows;
        });
        if (open.length > 0) console.warn(`[${name}] connections still open at teardown:`, JSON.stringify(open));
        await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      };
    } else {
      const dump = await readFile(inject('templateDump'));
      const embedded = await startEmbeddedPostgres({ loadDataDir: new Blob([new Uint8Array(dump)]) });
      url = embedded.url;
      poolSize = 1;
      teardown = () => embedded.stop();
    }
    // A transaction waits for a connection (PGlite's one) longer than the server's default: on a
    // busy machine, racing requests of a test queue for seconds without anything being wrong.
    const app = connectDb(url, { poolSize, transactionMaxWaitMs: 15_000, onQuery: (event) => statements.push(event) });
    // As the server does: on PostgreSQL session checks are remembered while it listens; on both,
    // live events are heard.
    const listener =
      backend === 'postgres' ? listenToDatabase(url, () => {}) : await hearEmbeddedNotifications(url, pools[0]!.pool);
    await listener.listening;
    // Fixtures are written across organisations, as an operator would: with the unscoped client.
    state = { url, db: system, app, pool: new pg.Pool({ connectionString: url, max: 1 }), listener };
  });

  afterAll(async () => {
    if (state) {
      await state.listener.close();
      await state.app.$disconnect();
      await state.pool.end();
    }
    await teardown();
  });

  return {
    get url() {
      return ready().url;
    },
    get db() {
      return ready().db;
    },
    statements,
    sql: async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
      (await ready().pool.query<R>(text, values)).rows,
  };
}
