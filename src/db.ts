import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { readReplicas } from '@prisma/extension-read-replicas';
import pg from 'pg';
import type { DatabasePooler } from './config.js';
import { jsonRelations } from './database/json-relations.js';
import { startupSettings, transactionPoolerClient } from './database/session-settings.js';
import { tenantScope } from './database/tenant-scope.js';
import { PrismaClient } from './generated/prisma/client.js';
import { GuardedPool } from './lib/load-guard.js';

export type Db = PrismaClient;

/**
 * The process' Prisma client, set once by connectDb before the server handles requests. With
 * read replicas, queries outside a transaction go to a replica; transactions go to the primary.
 * It answers only inside a tenant's scope (lib/tenancy.ts, database/tenant-scope.ts).
 */
export let db: Db;

/** The primary alone: for reads that must see the latest write. Tenant-scoped like db. */
export let primary: Db;

/**
 * The primary with no tenant scope, for work that is no organisation's: seeding, and finding the
 * account a sign-in or a session belongs to. Every use is a deliberate exception.
 */
export let system: Db;

export type QueryEvent = { query: string; params: string; duration: number };

export type DbOptions = {
  poolSize: number;
  /** Called with every SQL statement the client sends (the tests count them). */
  onQuery?: (event: QueryEvent) => void;
  /** How long a transaction may wait for a connection (the one connection, on embedded PGlite). */
  transactionMaxWaitMs?: number;
  /** PostgreSQL cancels a statement that runs longer (statement_timeout); 0 turns it off. */
  statementTimeoutMs?: number;
  /** PostgreSQL ends a connection idle in a transaction longer than this; 0 turns it off. */
  idleInTransactionTimeoutMs?: number;
  /** false turns PostgreSQL's JIT compilation off; true (the default) leaves the server's setting. */
  jit?: boolean;
  /** A transaction pooler in front of the database: the settings above then travel with the statements. */
  pooler?: DatabasePooler;
  /** Named prepared statements, kept by each connection and reused, rather than unnamed ones. */
  namedStatements?: boolean;
  /** How long opening a connection may take before the request fails. */
  connectTimeoutMs?: number;
  /** Connection URLs of read replicas of the same database. */
  replicaUrls?: string[];
  /** Told of errors on idle pooled connections (the database went away); they never crash the process. */
  onConnectionError?: (error: Error) => void;
};

export type Pool = { role: 'primary' | 'replica'; pool: pg.Pool };

/** The connection pools behind the process' client, for /metrics. */
export let pools: Pool[] = [];

/** A statement's name: the same for the same SQL, in every connection and process. */
const statementName = ({ sql }: { sql: string }) => `opsgraph_${createHash('sha1').update(sql).digest('base64url')}`;

function client(url: string, options: DbOptions, role: Pool['role'], into: Pool[]): PrismaClient {
  const { poolSize, transactionMaxWaitMs = 2_000, connectTimeoutMs = 0, onQuery } = options;
  const settings = {
    statementTimeoutMs: options.statementTimeoutMs ?? 0,
    idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? 0,
    jit: options.jit ?? true,
  };
  const pool = new GuardedPool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    ...(options.pooler === 'transaction' ? { Client: transactionPoolerClient(settings) } : startupSettings(settings)),
  });
  into.push({ role, pool });
  const adapter = jsonRelations(
    new PrismaPg(pool, {
      disposeExternalPool: true,
      onPoolError: options.onConnectionError,
      onConnectionError: options.onConnectionError,
      statementNameGenerator: options.namedStatements ? statementName : undefined,
    }),
  );
  const prisma = new PrismaClient({
    adapter,
    // Messages without a code frame of the call (the stack has it), in every environment alike.
    errorFormat: 'minimal',
    transactionOptions: { maxWait: transactionMaxWaitMs },
    log: onQuery ? [{ emit: 'event', level: 'query' }] : [],
  });
  if (onQuery) prisma.$on('query' as never, onQuery);
  return prisma;
}

// Query extensions change no types: the scoped client is typed as the client it wraps.
const scoped = (prisma: PrismaClient) => prisma.$extends(tenantScope()) as unknown as Db;

export function createDb(url: string, options: DbOptions): { db: Db; primary: Db; system: Db; pools: Pool[] } {
  const created: Pool[] = [];
  const main = client(url, options, 'primary', created);
  const guarded = scoped(main);
  const replicaUrls = options.replicaUrls ?? [];
  if (replicaUrls.length === 0) return { db: guarded, primary: guarded, system: main, pools: created };
  const replicas = replicaUrls.map((replicaUrl) => scoped(client(replicaUrl, options, 'replica', created)));
  // The extension keeps every model and method of the client; it adds only $primary and $replica,
  // and its $disconnect closes the replicas too.
  const routed = guarded.$extends(readReplicas({ replicas })) as unknown as Db;
  return { db: routed, primary: guarded, system: main, pools: created };
}

export function connectDb(url: string, options: DbOptions): Db {
  ({ db, primary, system, pools } = createDb(url, options));
  return db;
}
