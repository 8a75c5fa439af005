import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { connectDb, system, type Db } from '../db.js';
import { watchSessionChanges } from '../modules/auth/session-cache.js';
import { applyPendingMigrations } from '../schema-engine/migrate.js';
import { startEmbeddedPostgres } from './embedded.js';
import { seedDemo } from './seed.js';

export type OpenDatabase = {
  /** The unscoped client, for an operator's work across organisations (the API's is tenant-scoped). */
  db: Db;
  mode: 'external' | 'embedded';
  /** Migrations applied at start (embedded mode only: admins migrate an external database). */
  appliedMigrations: string[];
  seeded: boolean;
  close(): Promise<void>;
};

export async function openDatabase(
  config: Config,
  log: (message: string) => void,
  // An admin's command that makes their own organisation leaves the demo out of a new embedded database.
  { seedDemo: withDemo = true }: { seedDemo?: boolean } = {},
): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    const db = connectDb(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.statementTimeoutMs,
      connectTimeoutMs: config.connectTimeoutMs,
      transactionMaxWaitMs: config.transactionWaitMs,
      replicaUrls: config.replicaUrls,
      onConnectionError: (error) => log(`database connection lost: ${error.message}`),
    });
    // Embedded PGlite serves one connection at a time, so only an external database gets a listener.
    const sessionChanges = watchSessionChanges(config.databaseUrl, log);
    return {
      db: system,
      mode: 'external',
      appliedMigrations: [],
      seeded: false,
      async close() {
        await sessionChanges.close();
        await db.$disconnect();
      },
    };
  }
  const dataDir = join(config.dataDir, 'pglite');
  const firstStart = !existsSync(dataDir);
  log(`No DATABASE_URL: using the embedded PostgreSQL (PGlite) in ${dataDir}`);
  const embedded = await startEmbeddedPostgres({ dataDir });
  try {
    // One connection at a time: PGlite has one session, shared by every connection to it.
    const appliedMigrations = await applyPendingMigrations(embedded.url, { maxConnections: 1 });
    if (appliedMigrations.length > 0) log(`Applied migrations: ${appliedMigrations.join(', ')}`);
    const db = connectDb(embedded.url, {
      poolSize: 1,
      transactionMaxWaitMs: 30_000,
      statementTimeoutMs: config.statementTimeoutMs,
    });
    if (firstStart && withDemo) {
      const { created } = await seedDemo(system);
      log(`Loaded the demo organisation (${created} rows)`);
    }
    return {
      db: system,
      mode: 'embedded',
      appliedMigrations,
      seeded: firstStart && withDemo,
      async close() {
        await db.$disconnect();
        await embedded.stop();
      },
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
