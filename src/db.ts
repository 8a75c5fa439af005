import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export type Db = PrismaClient;

/** The process' Prisma client, set once by connectDb before the server handles requests. */
export let db: Db;

export function createDb(url: string, { poolSize }: { poolSize: number }): Db {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: poolSize }),
  });
}

export function connectDb(url: string, options: { poolSize: number }): Db {
  db = createDb(url, options);
  return db;
}
