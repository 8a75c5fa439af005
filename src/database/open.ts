import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { connectDb, pools, system, type Db } from '../db.js';
import { sessionChecksEveryRequest } from '../modules/auth/session-cache.js';
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

/**
 * Whether named prepared statements outlive their transaction through the transaction pooler at
 * url. PgBouncer 1.21 and later keep them (max_prepared_statements), under names of its own on
 * each server connection; older ones, and other poolers, pass the name through, and the next
 * transaction may run on a server connection that never prepared it.
 */
async function poolerKeepsNamedStatements(url: string): Promise<boolean> {
  const name = `opsgraph_probe_${randomUUID().replaceAll('-', '')}`;
  return withClient(url, async (client) => {
    await client.query('BEGIN');
    try {
      await client.query({ name, text: 'SELECT 1' });
      const { rowCount } = await client.query('SELECT 1 FROM pg_prepared_statements WHERE name = $1', [name]);
      if (rowCount === 0) return true;
      await client.query(`DEALLOCATE ${name}`);
      return false;
    } finally {
      await client.query('ROLLBACK');
    }
  });
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
    const pooled = config.databasePooler === 'transaction';
    if (pooled && config.namedStatements && !(await poolerKeepsNamedStatements(config.databaseUrl))) {
      throw new ConfigError(
        'DATABASE_NAMED_STATEMENTS=true, but the transaction pooler at DATABASE_URL does not keep prepared statements between transactions (PgBouncer before 1.21, or max_prepared_statements = 0): the first query would fail with "prepared statement … does not exist". Set DATABASE_NAMED_STATEMENTS=false, or max_prepared_statements on PgBouncer 1.21 or later.',
      );
    }
    const db = connectDb(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.statementTimeoutMs,
      idleInTransactionTimeoutMs: config.idleInTransactionTimeoutMs,
      jit: config.jit,
      pooler: config.databasePooler,
      namedStatements: config.namedStatements,
      connectTimeoutMs: config.connectTimeoutMs,
      transactionMaxWaitMs: config.transactionWaitMs,
      replicaUrls: config.replicaUrls,
      onConnectionError: (error) => log(`database connection lost: ${error.message}`),
    });
    if (pooled) {
      log(
        `DATABASE_URL is behind a transaction pooler: settings are sent with each transaction, prepared statements are ${config.namedStatements ? 'named' : 'unnamed'}`,
      );
    }
    // LISTEN needs a session of its own, which a transaction pooler does not give.
    const listener = config.directDatabaseUrl ? listenToDatabase(config.directDatabaseUrl, log) : undefined;
    if (!listener) {
      log(`sessions are checked on every request, and live updates are off: ${sessionChecksEveryRequest(config)}`);
    }
    return {
      db: system,
      mode: 'external',
      appliedMigrations: [],
      seeded: false,
      async close() {
        await listener?.close();
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
