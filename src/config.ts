import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { LOG_LEVELS, type LogLevel } from './ops/logger.js';

if (existsSync('.env')) process.loadEnvFile('.env');

export type AuthConfig = {
  /** HMAC key for access tokens (HS256): at least 32 bytes, the same on every instance. */
  secret: Uint8Array;
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
};

export type LimitsConfig = {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  /** The most bytes of rows one request may load from the database. */
  maxLoadBytes: number;
  /** The most bytes of rows all requests in flight may hold at once. */
  maxLoadBytesInFlight: number;
  maxDirectives: number;
  maxBodyBytes: number;
  introspection: boolean;
};

export type Config = {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  /** An external PostgreSQL; without it the server runs on embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  databasePoolSize: number;
  /** PostgreSQL cancels a statement that runs longer; 0 turns the limit off. */
  statementTimeoutMs: number;
  /** How long opening a database connection may take before the request fails. */
  connectTimeoutMs: number;
  /** How long a write may wait for a free pooled connection before it fails as retryable. */
  transactionWaitMs: number;
  /** Read replicas of databaseUrl: queries outside transactions are spread over them. */
  replicaUrls: string[];
  /** How long a stopping server lets in-flight requests finish. */
  shutdownTimeoutMs: number;
  /** How long an idle keep-alive connection stays open: longer than the load balancer's idle timeout. */
  keepAliveTimeoutMs: number;
  logLevel: LogLevel;
  /** Trust X-Forwarded-For for the client address (only behind a proxy that sets it). */
  trustProxy: boolean;
  auth: AuthConfig;
  limits: LimitsConfig;
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

function postgresUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL; expected postgresql://user:password@host:5432/database.`);
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new ConfigError(`${name} must start with postgresql://, not ${url.protocol}//.`);
  }
  return raw;
}

function databaseUrl(): string | undefined {
  const raw = process.env.DATABASE_URL;
  return raw ? postgresUrl('DATABASE_URL', raw) : undefined;
}

function replicaUrls(primary: string | undefined): string[] {
  const raw = process.env.DATABASE_REPLICA_URLS;
  if (!raw) return [];
  if (!primary) {
    throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL: the embedded database has no replicas.');
  }
  return raw.split(',').map((url, index) => postgresUrl(`DATABASE_REPLICA_URLS (entry ${index + 1})`, url.trim()));
}

function logLevel(env: Config['env']): LogLevel {
  const raw = process.env.LOG_LEVEL;
  if (raw === undefined || raw === '') return env === 'test' ? 'silent' : 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${raw}".`);
  }
  return raw as LogLevel;
}

function boolean(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, not "${raw}".`);
}

const MIN_SECRET_BYTES = 32;

function authSecret(env: Config['env']): Uint8Array {
  const raw = process.env.AUTH_SECRET;
  if (!raw) {
    if (env === 'production') {
      throw new ConfigError(
        `AUTH_SECRET is required in production: ${MIN_SECRET_BYTES} or more random bytes, e.g. from \`openssl rand -base64 48\`.`,
      );
    }
    // Outside production a missing secret gets a random one: tokens then last until a restart.
    return crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES));
  }
  const secret = new TextEncoder().encode(raw);
  const distinct = new Set(raw).size;
  if (secret.length < MIN_SECRET_BYTES || distinct < 10) {
    throw new ConfigError(
      `AUTH_SECRET is too weak: it needs at least ${MIN_SECRET_BYTES} bytes of random text (it has ${secret.length} bytes, ${distinct} distinct characters).`,
    );
  }
  return secret;
}

export function loadConfig(): Config {
  const env = process.env.NODE_ENV ?? 'development';
  if (env !== 'development' && env !== 'test' && env !== 'production') {
    throw new ConfigError(`NODE_ENV must be development, test or production, not "${env}".`);
  }
  const url = databaseUrl();
  return {
    env,
    port: integer('PORT', 4000, { min: 0, max: 65535 }),
    host: process.env.HOST || '127.0.0.1',
    databaseUrl: url,
    dataDir: resolve(process.env.DATA_DIR || '.data'),
    databasePoolSize: integer('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    statementTimeoutMs: integer('DATABASE_STATEMENT_TIMEOUT_MS', 15_000, { min: 0, max: 3_600_000 }),
    connectTimeoutMs: integer('DATABASE_CONNECT_TIMEOUT_MS', 5_000, { min: 100, max: 120_000 }),
    transactionWaitMs: integer('DATABASE_TRANSACTION_WAIT_MS', 5_000, { min: 100, max: 120_000 }),
    replicaUrls: replicaUrls(url),
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 10_000, { min: 0, max: 600_000 }),
    keepAliveTimeoutMs: integer('HTTP_KEEP_ALIVE_TIMEOUT_MS', 65_000, { min: 1_000, max: 600_000 }),
    logLevel: logLevel(env),
    trustProxy: boolean('TRUST_PROXY', false),
    auth: {
      secret: authSecret(env),
      issuer: process.env.AUTH_ISSUER || 'opsgraph',
      audience: process.env.AUTH_AUDIENCE || 'opsgraph-api',
      accessTokenTtlSeconds: integer('ACCESS_TOKEN_TTL_SECONDS', 900, { min: 30, max: 86_400 }),
      refreshTokenTtlSeconds: integer('REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, { min: 300, max: 365 * 86_400 }),
    },
    limits: {
      maxDepth: integer('GRAPHQL_MAX_DEPTH', 12, { min: 2, max: 100 }),
      maxAliases: integer('GRAPHQL_MAX_ALIASES', 15, { min: 1, max: 1000 }),
      maxTokens: integer('GRAPHQL_MAX_TOKENS', 2000, { min: 50, max: 100_000 }),
      maxCost: integer('GRAPHQL_MAX_COST', 25_000, { min: 10, max: 1_000_000 }),
      maxLoadBytes: integer('GRAPHQL_MAX_LOAD_BYTES', 4_000_000, { min: 1_000, max: 1_000_000_000 }),
      maxLoadBytesInFlight: integer('GRAPHQL_MAX_LOAD_BYTES_IN_FLIGHT', 16_000_000, {
        min: 1_000,
        max: 10_000_000_000,
      }),
      maxDirectives: integer('GRAPHQL_MAX_DIRECTIVES', 20, { min: 1, max: 1000 }),
      maxBodyBytes: integer('GRAPHQL_MAX_BODY_BYTES', 100_000, { min: 1_000, max: 10_000_000 }),
      introspection: boolean('GRAPHQL_INTROSPECTION', env !== 'production'),
    },
  };
}
