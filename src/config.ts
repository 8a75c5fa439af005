import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

if (existsSync('.env')) process.loadEnvFile('.env');

export type Config = {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  /** An external PostgreSQL; without it the server runs on embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  databasePoolSize: number;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(name: string, fallback: number, { min, max }: { min: number; max: number }): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}".`);
  }
  return value;
}

function databaseUrl(): string | undefined {
  const raw = process.env.DATABASE_URL;
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL; expected postgresql://user:password@host:5432/database.');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new ConfigError(`DATABASE_URL must start with postgresql://, not ${url.protocol}//.`);
  }
  return raw;
}

export function loadConfig(): Config {
  const env = process.env.NODE_ENV ?? 'development';
  if (env !== 'development' && env !== 'test' && env !== 'production') {
    throw new ConfigError(`NODE_ENV must be development, test or production, not "${env}".`);
  }
  return {
    env,
    port: integer('PORT', 4000, { min: 0, max: 65535 }),
    host: process.env.HOST || '127.0.0.1',
    databaseUrl: databaseUrl(),
    dataDir: resolve(process.env.DATA_DIR || '.data'),
    databasePoolSize: integer('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
  };
}
