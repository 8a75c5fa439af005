import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { connectDb, pools, system, type Db } from '../db.js';
import { applyPendingMigrations, committedMigrations, pendingMigrations } from '../schema-engine/migrate.js';
import { withClient } from '../schema-engine/pg-adapter.js';
import { startEmbeddedPostgres } from './embedded.js';
import { hearEmbeddedNotifications, listenToDatabase } from './notifications.js';
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

function problem(error: unknown, url: string): string {
  const { code, message } = error as { code?: string; message?: string };
  // loadConfig has parsed the URL already.
  const { hostname, port } = new URL(url);
  const where = `${hostname}:${port || 5432}`;
  if (code === 'ECONNREFUSED') return `nothing accepts connections at ${where}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `no host named ${hostname} is found`;
  return `${message?.trim() || String(error)} (${where})`;
}

/**
 * Connects once before serving, so that a URL that cannot be used (no server, no such database,
 * refused credentials) stops the start with the reason instead of failing every request after it.
 * Returns the committed migrations the database has not applied.
 */
export async function checkDatabase(url: string): Promise<string[]> {
  const committed = await committedMigrations();
  try {
    return await withClient(url, (client) =>
      pendingMigrations(committed, async (sql) => (await client.query<Record<string, unknown>>(sql)).rows),
    );
  } catch (error) {
    throw new ConfigError(`DATABASE_URL cannot be used: ${problem(error, url)}.`);
  }
}

export async function openDatabase(
  config: Config,
  log: (message: string) => void,
  // An admin's command that makes their own organisation leaves the demo out of a new embedded database.
  { seedDemo: withDemo = true }: { seedDemo?: boolean } = {},
): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    const pending = await checkDatabase(config.databaseUrl);
    if (pending.length > 0) {
      log(
        `migrations not applied: ${pending.join(', ')}. /ready answers 503 until \`npx prisma migrate deploy\` applies them.`,
      );
    }
    const db = connectDb(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.statementTimeoutMs,
      connectTimeoutMs: config.connectTimeoutMs,
      transactionMaxWaitMs: config.transactionWaitMs,
      replicaUrls: config.replicaUrls,
      onConnectionError: (error) => log(`database connection lost: ${error.message}`),
    });
    const listener = listenToDatabase(config.databaseUrl, log);
    return {
      db: system,
      mode: 'external',
      appliedMigrations: [],
      seeded: false,
      async close() {
        await listener.close();
        await db.$disconnect();
      },
    };
  }
  const dataDir = join(config.dataDir, 'pglite');
  // PostgreSQL writes PG_VERSION when it has initialised a folder: a first start stopped before
  // that (a restart of `npm run dev`, Ctrl-C) left none, and the next start is a first start too.
  const firstStart = !existsSync(join(dataDir, 'PG_VERSION'));
  log(
    firstStart
      ? `No DATABASE_URL: creating the embedded PostgreSQL (PGlite) in ${dataDir}: slower this first time, as it initialises the database, applies the migrations and loads the demo data`
      : `No DATABASE_URL: using the embedded PostgreSQL (PGlite) in ${dataDir}`,
  );
  const embedded = await startEmbeddedPostgres({ dataDir });
  try {
    // One connection at a time: PGlite has one session, shared by every connection to it.
    const appliedMigrations = await applyPendingMigrations(embedded.url, {
      maxConnections: 1,
      onApplying: (name, position, count) => log(`Applying migration ${position}/${count}: ${name}`),
    });
    // Every request waits for the one connection, reads as well as writes: behind a long
    // transaction each waits at most transactionWaitMs, then fails retryable, instead of queueing
    // without end and answering long after its client gave up.
    const db = connectDb(embedded.url, {
      poolSize: 1,
      transactionMaxWaitMs: config.transactionWaitMs,
      connectTimeoutMs: config.transactionWaitMs,
      statementTimeoutMs: config.statementTimeoutMs,
    });
    const listener = await hearEmbeddedNotifications(embedded.url, pools[0]!.pool);
    // Seeded while no organisation exists, rather than on a new folder: a first start stopped before
    // its demo was committed (one transaction) seeds on the next start.
    const seeded = withDemo && (await system.organisation.count()) === 0;
    if (seeded) {
      log('Loading the demo organisation…');
      const { created } = await seedDemo(system);
      log(`Loaded the demo organisation (${created} rows)`);
    }
    return {
      db: system,
      mode: 'embedded',
      appliedMigrations,
      seeded,
      async close() {
        await listener.close();
        await db.$disconnect();
        await embedded.stop();
      },
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
