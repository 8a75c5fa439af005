import { PrismaPg } from '@prisma/adapter-pg';
import { readReplicas } from '@prisma/extension-read-replicas';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import { GuardedPool } from './lib/load-guard.js';

export type Db = PrismaClient;

/**
 * The process' Prisma client, set once by connectDb before the server handles requests. With
 * read replicas, queries outside a transaction go to a replica; transactions go to the primary.
 */
export let db: Db;

/** The primary alone: for reads that must see the latest write (session checks). */
export let primary: Db;

export type QueryEvent = { query: string; params: string; duration: number };

export type DbOptions = {
  poolSize: number;
  /** Called with every SQL statement the client sends (the tests count them). */
  onQuery?: (event: QueryEvent) => void;
  /** How long a transaction may wait for a connection (the one connection, on embedded PGlite). */
  transactionMaxWaitMs?: number;
  /** PostgreSQL cancels a statement that runs longer (statement_timeout); 0 turns it off. */
  statementTimeoutMs?: number;
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

function client(url: string, options: DbOptions, role: Pool['role'], into: Pool[]): PrismaClient {
  const { poolSize, transactionMaxWaitMs = 2_000, statementTimeoutMs = 0, connectTimeoutMs = 0, onQuery } = options;
  const pool = new GuardedPool({
    connectionString: url,
    max: poolSize,
    statement_timeout: statementTimeoutMs || undefined,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  into.push({ role, pool });
  const adapter = new PrismaPg(pool, {
    disposeExternalPool: true,
    onPoolError: options.onConnectionError,
    onConnectionError: options.onConnectionError,
  });
  const prisma = new PrismaClient({
    adapter,
    transactionOptions: { maxWait: transactionMaxWaitMs },
    log: onQuery ? [{ emit: 'event', level: 'query' }] : [],
  });
  if (onQuery) prisma.$on('query' as never, onQuery as never);
  return prisma;
}

export function createDb(url: string, options: DbOptions): { db: Db; primary: Db; pools: Pool[] } {
  const created: Pool[] = [];
  const main = client(url, options, 'primary', created);
  const replicaUrls = options.replicaUrls ?? [];
  if (replicaUrls.length === 0) return { db: main, primary: main, pools: created };
  const replicas = replicaUrls.map((replicaUrl) => client(replicaUrl, options, 'replica', created));
  // The extension keeps every model and method of the client; it adds only $primary and $replica,
  // and its $disconnect closes the replicas too.
  const routed = main.$extends(readReplicas({ replicas })) as unknown as Db;
  return { db: routed, primary: main, pools: created };
}

export function connectDb(url: string, options: DbOptions): Db {
  ({ db, primary, pools } = createDb(url, options));
  return db;
}
