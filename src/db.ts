import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export type Db = PrismaClient;

/** The process' Prisma client, set once by connectDb before the server handles requests. */
export let db: Db;

export type QueryEvent = { query: string; params: string; duration: number };

type DbOptions = {
  poolSize: number;
  /** Called with every SQL statement the client sends (the tests count them). */
  onQuery?: (event: QueryEvent) => void;
  /** How long a transaction may wait for a connection (the one connection, on embedded PGlite). */
  transactionMaxWaitMs?: number;
};

export function createDb(url: string, { poolSize, transactionMaxWaitMs = 2_000, onQuery }: DbOptions): Db {
  const client = new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: poolSize }),
    transactionOptions: { maxWait: transactionMaxWaitMs },
    log: onQuery ? [{ emit: 'event', level: 'query' }] : [],
  });
  if (onQuery) client.$on('query' as never, onQuery as never);
  return client;
}

export function connectDb(url: string, options: DbOptions): Db {
  db = createDb(url, options);
  return db;
}
