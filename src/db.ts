import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export type Db = PrismaClient;

/** The process' Prisma client, set once by connectDb before the server handles requests. */
export let db: Db;

type DbOptions = {
  poolSize: number;
  /** How long a transaction may wait for a connection (the one connection, on embedded PGlite). */
  transactionMaxWaitMs?: number;
};

export function createDb(url: string, { poolSize, transactionMaxWaitMs = 2_000 }: DbOptions): Db {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: poolSize }),
    transactionOptions: { maxWait: transactionMaxWaitMs },
  });
}

export function connectDb(url: string, options: DbOptions): Db {
  db = createDb(url, options);
  return db;
}
