import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './ops/logger.js';

/** The environment variables configuration is read from: process.env, or a test's own. */
export type Env = Record<string, string | undefined>;

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
  /** The most subscriptions one WebSocket connection may hold open. */
  maxSubscriptionsPerConnection: number;
  /** The most subscriptions one user may hold open on one instance, over any transport. */
  maxSubscriptionsPerUser: number;
  /** The most events a subscription may hold for a client that does not read them; past it, it ends. */
  maxQueuedEvents: number;
};

export type MetricsConfig = {
  /** A bearer token GET /metrics then requires. */
  token: string | undefined;
  /** Serve /metrics on this port only, not beside the API. */
  port: number | undefined;
};

export type GoogleConfig = {
  /** The OAuth client ids an ID token may be issued to (its aud): web, Android, iOS. */
  clientIds: string[];
  /** Where Google publishes the keys its ID tokens are signed with (a JSON Web Key Set). */
  jwksUrl: string;
  /** The iss values Google's ID tokens carry. */
  issuers: string[];
  /** After fetching the keys, how long a token naming a key not among them waits before another fetch. */
  jwksCooldownMs: number;
  /** How long fetching the keys may take. */
  jwksTimeoutMs: number;
};

export type TimeclockConfig = {
  /** How long after its time a punch is still taken (a phone offline); older ones need a correction. */
  latePunchWindowMinutes: number;
  /** How far ahead of the server's clock a device's punch time may be. */
  clockSkewMinutes: number;
  /** Work beyond this in one local day is overtime. */
  dailyOvertimeMinutes: number;
  /** Work beyond this in one week (Monday to Sunday, local) is overtime. */
  weeklyOvertimeMinutes: number;
};

export const TRUSTED_DOCUMENT_MODES = ['only', 'admins', 'any'] as const;

export type TrustedDocumentsConfig = {
  /**
   * Which documents a request may send as text: none (`only` trusted documents, by id), any from a
   * signed-in admin (`admins`), or any (`any`). Trusted documents by id are always accepted.
   */
  mode: (typeof TRUSTED_DOCUMENT_MODES)[number];
  /** The clients' trusted documents: codegen's persisted-documents.json ({ "sha256:<hex>": text }). */
  manifest: string;
};

/**
 * What sits between the server and PostgreSQL at DATABASE_URL: nothing (or a pooler that gives each
 * client a session of its own), or a transaction pooler (PgBouncer in transaction mode, Neon's
 * pooled endpoint), where consecutive transactions of one connection may run on different servers.
 */
export type DatabasePooler = 'none' | 'transaction';

export type Config = {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  /** An external PostgreSQL; without it the server runs on embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  databasePooler: DatabasePooler;
  /**
   * Where the server opens a session of its own, for what must outlive a transaction (LISTEN);
   * undefined when databaseUrl is behind a transaction pooler and no DIRECT_DATABASE_URL is set,
   * and on the embedded database. See directDatabaseUrl.
   */
  directDatabaseUrl: string | undefined;
  dataDir: string;
  databasePoolSize: number;
  /** PostgreSQL cancels a statement that runs longer; 0 turns the limit off. */
  statementTimeoutMs: number;
  /** PostgreSQL ends the connection of a transaction left idle longer; 0 turns the limit off. */
  idleInTransactionTimeoutMs: number;
  /** Whether PostgreSQL may compile plans with JIT; off, as short queries lose more than they gain. */
  jit: boolean;
  /** Named (server-side, reused) prepared statements instead of unnamed ones, parsed for each use. */
  namedStatements: boolean;
  /** How long opening a database connection may take before the request fails. */
  connectTimeoutMs: number;
  /**
   * How long a write may wait for a free pooled connection before it fails as retryable; on the
   * embedded database, with its one connection, every request.
   */
  transactionWaitMs: number;
  /** Read replicas of databaseUrl: queries outside transactions are spread over them. */
  replicaUrls: string[];
  /** How long a stopping server lets in-flight requests finish. */
  shutdownTimeoutMs: number;
  /** How long an idle keep-alive connection stays open: longer than the load balancer's idle timeout. */
  keepAliveTimeoutMs: number;
  logLevel: LogLevel;
  /** JSON lines for a log shipper, or lines for a person reading a terminal (development only). */
  logFormat: LogFormat;
  /**
   * How many proxies in front of the server append to X-Forwarded-For: the client address is the
   * entry that many from the right. 0 ignores the header.
   */
  trustProxy: number;
  /** Origins a browser may call the API from (exact, e.g. https://app.example.com); none by default. */
  corsOrigins: string[];
  metrics: MetricsConfig;
  auth: AuthConfig;
  /** Sign in with Google; undefined when GOOGLE_CLIENT_IDS is not set. */
  google: GoogleConfig | undefined;
  limits: LimitsConfig;
  trustedDocuments: TrustedDocumentsConfig;
  timeclock: TimeclockConfig;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: Env, name: string, fallback: number, { min, max }: { min: number; max: number }): number {
  const raw = env[name];
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

function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  return raw ? postgresUrl('DATABASE_URL', raw) : undefined;
}

/**
 * DATABASE_POOLER, or `transaction` when DATABASE_URL carries `pgbouncer=true`, as Prisma's own
 * engines read it.
 */
function databasePooler(env: Env, url: string | undefined): DatabasePooler {
  const raw = env.DATABASE_POOLER || undefined;
  if (raw !== undefined && raw !== 'none' && raw !== 'transaction') {
    throw new ConfigError(`DATABASE_POOLER must be none or transaction, not "${raw}".`);
  }
  const flagged = url !== undefined && new URL(url).searchParams.get('pgbouncer') === 'true';
  if (flagged && raw === 'none') {
    throw new ConfigError('DATABASE_URL says pgbouncer=true but DATABASE_POOLER says none: remove one of the two.');
  }
  const pooler = raw ?? (flagged ? 'transaction' : 'none');
  if (pooler === 'transaction' && !url) {
    throw new ConfigError('DATABASE_POOLER=transaction needs DATABASE_URL: the embedded database has no pooler.');
  }
  return pooler;
}

/**
 * The URL of a PostgreSQL session of the server's own, for what a transaction pooler cannot carry
 * (LISTEN; migrations): DIRECT_DATABASE_URL, or DATABASE_URL when no transaction pooler is in
 * front of it, or undefined. The server, prisma.config.ts and anything else that needs such a
 * session read it here.
 */
export function directDatabaseUrl(env: Env): string | undefined {
  const url = databaseUrl(env);
  const direct = env.DIRECT_DATABASE_URL;
  if (direct) {
    if (!url) throw new ConfigError('DIRECT_DATABASE_URL needs DATABASE_URL: it is a second way to the same database.');
    return postgresUrl('DIRECT_DATABASE_URL', direct);
  }
  return databasePooler(env, url) === 'none' ? url : undefined;
}

function replicaUrls(env: Env, primary: string | undefined): string[] {
  const raw = env.DATABASE_REPLICA_URLS;
  if (!raw) return [];
  if (!primary) {
    throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL: the embedded database has no replicas.');
  }
  return raw.split(',').map((url, index) => postgresUrl(`DATABASE_REPLICA_URLS (entry ${index + 1})`, url.trim()));
}

function logLevel(env: Env, mode: Config['env']): LogLevel {
  const raw = env.LOG_LEVEL;
  if (raw === undefined || raw === '') return mode === 'test' ? 'silent' : 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${raw}".`);
  }
  return raw as LogLevel;
}

function logFormat(env: Env, mode: Config['env'], terminal: boolean): LogFormat {
  const raw = env.LOG_FORMAT;
  if (raw === undefined || raw === '') return mode === 'development' && terminal ? 'pretty' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(raw)) {
    throw new ConfigError(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, not "${raw}".`);
  }
  if (raw === 'pretty' && mode === 'production') {
    throw new ConfigError('LOG_FORMAT=pretty is for development: production writes JSON lines, for the log shipper.');
  }
  return raw as LogFormat;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, not "${raw}".`);
}

const MIN_SECRET_BYTES = 32;

function trustProxy(env: Env): number {
  const raw = env.TRUST_PROXY;
  if (raw === undefined || raw === '' || raw === 'false') return 0;
  if (raw === 'true') return 1;
  const hops = Number(raw);
  if (!Number.isInteger(hops) || hops < 0 || hops > 10) {
    throw new ConfigError(
      `TRUST_PROXY must be the number of proxies in front of the server, from 0 to 10 (true means 1), not "${raw}".`,
    );
  }
  return hops;
}

function corsOrigins(env: Env): string[] {
  const raw = env.CORS_ORIGINS;
  if (!raw) return [];
  return raw.split(',').map((entry, index) => {
    const origin = entry.trim();
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || url.origin !== origin || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new ConfigError(
        `CORS_ORIGINS (entry ${index + 1}) must be an exact origin such as https://app.example.com, not "${origin}".`,
      );
    }
    return origin;
  });
}

const MIN_METRICS_TOKEN_LENGTH = 32;

function metrics(env: Env, port: number): MetricsConfig {
  const token = env.METRICS_TOKEN || undefined;
  if (token !== undefined && token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new ConfigError(
      `METRICS_TOKEN is too short: it needs at least ${MIN_METRICS_TOKEN_LENGTH} characters, e.g. from \`openssl rand -hex 32\`.`,
    );
  }
  const metricsPort = env.METRICS_PORT ? integer(env, 'METRICS_PORT', 0, { min: 1, max: 65535 }) : undefined;
  if (metricsPort !== undefined && metricsPort === port) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (${port}): it is a listener of its own.`);
  }
  return { token, port: metricsPort };
}

/** A comma-separated list of values without spaces, or the fallback when the variable is unset. */
function list(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  return raw.split(',').map((entry, index) => {
    const value = entry.trim();
    if (!/^[\x21-\x7e]+$/.test(value)) {
      throw new ConfigError(`${name} (entry ${index + 1}) must be a value without spaces, not "${value}".`);
    }
    return value;
  });
}

const GOOGLE_SETTINGS = ['GOOGLE_JWKS_URL', 'GOOGLE_ISSUERS'];

function google(env: Env, mode: Config['env']): GoogleConfig | undefined {
  const clientIds = list(env, 'GOOGLE_CLIENT_IDS', []);
  if (clientIds.length === 0) {
    const stray = GOOGLE_SETTINGS.find((name) => env[name]);
    if (stray) throw new ConfigError(`${stray} needs GOOGLE_CLIENT_IDS: without client ids Google sign-in is off.`);
    return undefined;
  }
  const jwksUrl = env.GOOGLE_JWKS_URL || 'https://www.googleapis.com/oauth2/v3/certs';
  let url: URL;
  try {
    url = new URL(jwksUrl);
  } catch {
    throw new ConfigError(`GOOGLE_JWKS_URL is not a valid URL: "${jwksUrl}".`);
  }
  // The keys decide who may sign in: production fetches them only over TLS.
  if (url.protocol !== 'https:' && (mode === 'production' || url.protocol !== 'http:')) {
    throw new ConfigError(
      `GOOGLE_JWKS_URL must be an https:// URL${mode === 'production' ? ' in production' : ''}, not ${url.protocol}//.`,
    );
  }
  return {
    clientIds,
    jwksUrl: url.href,
    issuers: list(env, 'GOOGLE_ISSUERS', ['accounts.google.com', 'https://accounts.google.com']),
    // jose's defaults: a token naming an unknown key refetches the keys at most every 30 seconds.
    jwksCooldownMs: 30_000,
    jwksTimeoutMs: 5_000,
  };
}

function authSecret(env: Env, mode: Config['env']): Uint8Array {
  const raw = env.AUTH_SECRET;
  if (!raw) {
    if (mode === 'production') {
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

// Beside src/ and dist/ alike: the manifest codegen writes from operations/.
const TRUSTED_DOCUMENTS_MANIFEST = fileURLToPath(
  new URL('../operations/generated/persisted-documents.json', import.meta.url),
);

function trustedDocuments(env: Env, mode: Config['env']): TrustedDocumentsConfig {
  const raw = env.TRUSTED_DOCUMENTS;
  const fallback = mode === 'production' ? 'only' : 'any';
  if (raw !== undefined && raw !== '' && !(TRUSTED_DOCUMENT_MODES as readonly string[]).includes(raw)) {
    throw new ConfigError(
      `TRUSTED_DOCUMENTS must be one of ${TRUSTED_DOCUMENT_MODES.join(', ')} (production's default is only), not "${raw}".`,
    );
  }
  return {
    mode: (raw || fallback) as TrustedDocumentsConfig['mode'],
    manifest: env.TRUSTED_DOCUMENTS_MANIFEST ? resolve(env.TRUSTED_DOCUMENTS_MANIFEST) : TRUSTED_DOCUMENTS_MANIFEST,
  };
}

/** What the process runs in, beside its environment variables. */
export type Surroundings = {
  /** Whether stdout is a terminal: development logs are then written for a person to read. */
  terminal?: boolean;
};

/**
 * The configuration the environment describes, or a ConfigError naming the first setting that is
 * wrong. Reads nothing but `env` and `surroundings`: the entry points load `.env` into process.env
 * first, and say whether stdout is a terminal.
 */
export function loadConfig(env: Env = process.env, { terminal = false }: Surroundings = {}): Config {
  const mode = env.NODE_ENV ?? 'development';
  if (mode !== 'development' && mode !== 'test' && mode !== 'production') {
    throw new ConfigError(`NODE_ENV must be development, test or production, not "${mode}".`);
  }
  const url = databaseUrl(env);
  const port = integer(env, 'PORT', 4000, { min: 0, max: 65535 });
  const namedStatements = boolean(env, 'DATABASE_NAMED_STATEMENTS', false);
  if (namedStatements && !url) {
    throw new ConfigError('DATABASE_NAMED_STATEMENTS needs DATABASE_URL: the embedded database runs without them.');
  }
  return {
    env: mode,
    port,
    host: env.HOST || '127.0.0.1',
    databaseUrl: url,
    databasePooler: databasePooler(env, url),
    directDatabaseUrl: directDatabaseUrl(env),
    dataDir: resolve(env.DATA_DIR || '.data'),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    statementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 15_000, { min: 0, max: 3_600_000 }),
    idleInTransactionTimeoutMs: integer(env, 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000, {
      min: 0,
      max: 3_600_000,
    }),
    jit: boolean(env, 'DATABASE_JIT', false),
    namedStatements,
    connectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5_000, { min: 100, max: 120_000 }),
    transactionWaitMs: integer(env, 'DATABASE_TRANSACTION_WAIT_MS', 5_000, { min: 100, max: 120_000 }),
    replicaUrls: replicaUrls(env, url),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, { min: 0, max: 600_000 }),
    keepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 65_000, { min: 1_000, max: 600_000 }),
    logLevel: logLevel(env, mode),
    logFormat: logFormat(env, mode, terminal),
    trustProxy: trustProxy(env),
    corsOrigins: corsOrigins(env),
    metrics: metrics(env, port),
    auth: {
      secret: authSecret(env, mode),
      issuer: env.AUTH_ISSUER || 'opsgraph',
      audience: env.AUTH_AUDIENCE || 'opsgraph-api',
      accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, { min: 30, max: 86_400 }),
      refreshTokenTtlSeconds: integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, { min: 300, max: 365 * 86_400 }),
    },
    google: google(env, mode),
    limits: {
      maxDepth: integer(env, 'GRAPHQL_MAX_DEPTH', 12, { min: 2, max: 100 }),
      maxAliases: integer(env, 'GRAPHQL_MAX_ALIASES', 15, { min: 1, max: 1000 }),
      maxTokens: integer(env, 'GRAPHQL_MAX_TOKENS', 2000, { min: 50, max: 100_000 }),
      maxCost: integer(env, 'GRAPHQL_MAX_COST', 25_000, { min: 10, max: 1_000_000 }),
      maxLoadBytes: integer(env, 'GRAPHQL_MAX_LOAD_BYTES', 4_000_000, { min: 1_000, max: 1_000_000_000 }),
      maxLoadBytesInFlight: integer(env, 'GRAPHQL_MAX_LOAD_BYTES_IN_FLIGHT', 16_000_000, {
        min: 1_000,
        max: 10_000_000_000,
      }),
      maxDirectives: integer(env, 'GRAPHQL_MAX_DIRECTIVES', 20, { min: 1, max: 1000 }),
      maxBodyBytes: integer(env, 'GRAPHQL_MAX_BODY_BYTES', 100_000, { min: 1_000, max: 10_000_000 }),
      introspection: boolean(env, 'GRAPHQL_INTROSPECTION', mode !== 'production'),
      maxSubscriptionsPerConnection: integer(env, 'GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION', 20, {
        min: 1,
        max: 1000,
      }),
      maxSubscriptionsPerUser: integer(env, 'GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER', 50, { min: 1, max: 100_000 }),
      maxQueuedEvents: integer(env, 'GRAPHQL_MAX_QUEUED_EVENTS', 100, { min: 1, max: 10_000 }),
    },
    trustedDocuments: trustedDocuments(env, mode),
    timeclock: {
      latePunchWindowMinutes: integer(env, 'TIMECLOCK_LATE_PUNCH_WINDOW_MINUTES', 72 * 60, {
        min: 0,
        max: 31 * 24 * 60,
      }),
      clockSkewMinutes: integer(env, 'TIMECLOCK_CLOCK_SKEW_MINUTES', 2, { min: 0, max: 60 }),
      dailyOvertimeMinutes: integer(env, 'TIMECLOCK_DAILY_OVERTIME_MINUTES', 8 * 60, { min: 1, max: 24 * 60 }),
      weeklyOvertimeMinutes: integer(env, 'TIMECLOCK_WEEKLY_OVERTIME_MINUTES', 40 * 60, { min: 1, max: 7 * 24 * 60 }),
    },
  };
}
