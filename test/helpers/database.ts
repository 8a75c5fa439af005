import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { connectDb, system, type Db, type QueryEvent } from '../../src/db.js';
import { startEmbeddedPostgres } from '../../src/database/embedded.js';
import { watchSessionChanges } from '../../src/modules/auth/session-cache.js';
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
  let state: { url: string; db: Db; app: Db; pool: pg.Pool; sessionChanges?: { close(): Promise<void> } } | undefined;
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
      teardown = () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } else {
      const dump = await readFile(inject('templateDump'));
      const embedded = await startEmbeddedPostgres({ loadDataDir: new Blob([new Uint8Array(dump)]) });
      url = embedded.url;
      poolSize = 1;
      teardown = () => embedded.stop();
    }
    const app = connectDb(url, { poolSize, onQuery: (event) => statements.push(event) });
    // As the server does on an external database: session checks are remembered while it listens.
    const sessionChanges = backend === 'postgres' ? watchSessionChanges(url, () => {}) : undefined;
    await sessionChanges?.listening;
    // Fixtures are written across organisations, as an operator would: with the unscoped client.
    state = { url, db: system, app, pool: new pg.Pool({ connectionString: url, max: 1 }), sessionChanges };
  });

  afterAll(async () => {
    if (state) {
      await state.sessionChanges?.close();
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
