import { describe, expect, it } from 'vitest';
import { ConfigError, directDatabaseUrl, loadConfig, type Env } from '../src/config.js';

const SECRET = 'x'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The message of the ConfigError the environment is refused with, in production with a good secret. */
function refusal(env: Env): string {
  try {
    loadConfig({ NODE_ENV: 'production', AUTH_SECRET: SECRET, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('configuration', () => {
  it('is read from the environment it is given, not from process.env', () => {
    const config = loadConfig({ NODE_ENV: 'development', PORT: '4100', LOG_LEVEL: 'warn' });
    expect(config).toMatchObject({
      env: 'development',
      port: 4100,
      host: '127.0.0.1',
      databaseUrl: undefined,
      databasePooler: 'none',
      directDatabaseUrl: undefined,
      statementTimeoutMs: 15_000,
      idleInTransactionTimeoutMs: 60_000,
      jit: false,
      namedStatements: false,
      logLevel: 'warn',
      trustProxy: 0,
      corsOrigins: [],
      metrics: { token: undefined, port: undefined },
      limits: { maxDepth: 12, introspection: true },
    });
    // process.env holds the tests' AUTH_SECRET; an environment without one gets a random key.
    expect(Buffer.from(config.auth.secret).toString()).not.toBe(process.env.AUTH_SECRET);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_SECRET: SECRET }).limits.introspection).toBe(false);
  });

  it('refuses to run production without a strong AUTH_SECRET', () => {
    expect(refusal({ AUTH_SECRET: undefined })).toContain('AUTH_SECRET is required in production');
    expect(refusal({ AUTH_SECRET: 'too-short' })).toContain('AUTH_SECRET is too weak');
    expect(refusal({ AUTH_SECRET: 'a'.repeat(64) })).toContain('AUTH_SECRET is too weak');
  });

  it('refuses a malformed setting, naming it and the value', () => {
    const refusals: [Env, string][] = [
      [{ NODE_ENV: 'staging' }, 'NODE_ENV must be development, test or production, not "staging"'],
      [{ GRAPHQL_MAX_DEPTH: 'deep' }, 'GRAPHQL_MAX_DEPTH must be a whole number from 2 to 100, not "deep"'],
      [
        { DATABASE_STATEMENT_TIMEOUT_MS: '-5' },
        'DATABASE_STATEMENT_TIMEOUT_MS must be a whole number from 0 to 3600000, not "-5"',
      ],
      [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE must be a whole number from 1 to 200, not "0"'],
      [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a valid URL'],
      [{ DATABASE_REPLICA_URLS: 'postgresql://replica/db' }, 'DATABASE_REPLICA_URLS needs DATABASE_URL'],
      [
        { DATABASE_URL: 'postgresql://primary/db', DATABASE_REPLICA_URLS: 'postgresql://a/db, mysql://b/db' },
        'DATABASE_REPLICA_URLS (entry 2) must start with postgresql://, not mysql://',
      ],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"'],
      [{ LOG_FORMAT: 'colour' }, 'LOG_FORMAT must be one of json, pretty, not "colour"'],
      [{ LOG_FORMAT: 'pretty' }, 'LOG_FORMAT=pretty is for development: production writes JSON lines'],
      [{ GRAPHQL_INTROSPECTION: 'maybe' }, 'GRAPHQL_INTROSPECTION must be true or false, not "maybe"'],
      [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY must be the number of proxies in front of the server'],
      [{ TRUST_PROXY: '-1' }, 'TRUST_PROXY must be the number of proxies in front of the server'],
      [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS (entry 1) must be an exact origin'],
      [{ CORS_ORIGINS: 'https://app.example.com, https://admin.example.com/' }, 'CORS_ORIGINS (entry 2)'],
      [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS (entry 1)'],
      [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN is too short'],
      [{ METRICS_PORT: 'nine' }, 'METRICS_PORT must be a whole number from 1 to 65535, not "nine"'],
      [{ PORT: '4000', METRICS_PORT: '4000' }, 'METRICS_PORT must differ from PORT (4000)'],
      [
        { TIMECLOCK_LATE_PUNCH_WINDOW_MINUTES: '3 days' },
        'TIMECLOCK_LATE_PUNCH_WINDOW_MINUTES must be a whole number from 0 to 44640, not "3 days"',
      ],
      [{ TIMECLOCK_CLOCK_SKEW_MINUTES: '61' }, 'TIMECLOCK_CLOCK_SKEW_MINUTES must be a whole number from 0 to 60'],
      [
        { TIMECLOCK_DAILY_OVERTIME_MINUTES: '0' },
        'TIMECLOCK_DAILY_OVERTIME_MINUTES must be a whole number from 1 to 1440',
      ],
      [
        { TIMECLOCK_WEEKLY_OVERTIME_MINUTES: '7.5' },
        'TIMECLOCK_WEEKLY_OVERTIME_MINUTES must be a whole number from 1 to 10080, not "7.5"',
      ],
    ];
    for (const [env, message] of refusals) expect(refusal(env), JSON.stringify(env)).toContain(message);
  });

  it('takes DATABASE_URL as the direct session unless it is behind a transaction pooler, and DIRECT_DATABASE_URL over it', () => {
    const pooled = 'postgresql://app@pooler.example:6432/opsgraph';
    const direct = 'postgresql://app@db.example:5432/opsgraph';
    const database = (env: Env) => {
      const { databaseUrl, databasePooler, directDatabaseUrl: session } = loadConfig({ NODE_ENV: 'test', ...env });
      expect(directDatabaseUrl(env)).toBe(session);
      return { databaseUrl, databasePooler, directDatabaseUrl: session };
    };
    expect(database({})).toEqual({ databaseUrl: undefined, databasePooler: 'none', directDatabaseUrl: undefined });
    expect(database({ DATABASE_URL: direct })).toEqual({
      databaseUrl: direct,
      databasePooler: 'none',
      directDatabaseUrl: direct,
    });
    expect(database({ DATABASE_URL: pooled, DATABASE_POOLER: 'transaction' })).toEqual({
      databaseUrl: pooled,
      databasePooler: 'transaction',
      directDatabaseUrl: undefined,
    });
    // Prisma's own way of saying it.
    expect(database({ DATABASE_URL: `${pooled}?pgbouncer=true` })).toEqual({
      databaseUrl: `${pooled}?pgbouncer=true`,
      databasePooler: 'transaction',
      directDatabaseUrl: undefined,
    });
    expect(database({ DATABASE_URL: pooled, DATABASE_POOLER: 'transaction', DIRECT_DATABASE_URL: direct })).toEqual({
      databaseUrl: pooled,
      databasePooler: 'transaction',
      directDatabaseUrl: direct,
    });
    expect(
      loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: pooled,
        DATABASE_STATEMENT_TIMEOUT_MS: '30000',
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0',
        DATABASE_JIT: 'true',
        DATABASE_NAMED_STATEMENTS: 'true',
      }),
    ).toMatchObject({ statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 0, jit: true, namedStatements: true });
  });

  it('refuses a pooler, a direct URL or named statements that do not fit the database settings', () => {
    const refusals: [Env, string][] = [
      [
        { DATABASE_URL: 'postgresql://db/x', DATABASE_POOLER: 'session' },
        'DATABASE_POOLER must be none or transaction, not "session"',
      ],
      [{ DATABASE_POOLER: 'transaction' }, 'DATABASE_POOLER=transaction needs DATABASE_URL'],
      [
        { DATABASE_URL: 'postgresql://db/x?pgbouncer=true', DATABASE_POOLER: 'none' },
        'DATABASE_URL says pgbouncer=true but DATABASE_POOLER says none',
      ],
      [{ DIRECT_DATABASE_URL: 'postgresql://db/x' }, 'DIRECT_DATABASE_URL needs DATABASE_URL'],
      [
        { DATABASE_URL: 'postgresql://pooler/x', DIRECT_DATABASE_URL: 'db:5432' },
        'DIRECT_DATABASE_URL must start with postgresql://',
      ],
      [{ DATABASE_NAMED_STATEMENTS: 'true' }, 'DATABASE_NAMED_STATEMENTS needs DATABASE_URL'],
      [{ DATABASE_URL: 'postgresql://db/x', DATABASE_JIT: 'no' }, 'DATABASE_JIT must be true or false, not "no"'],
      [
        { DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1s' },
        'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS must be a whole number from 0 to 3600000, not "1s"',
      ],
    ];
    for (const [env, message] of refusals) expect(refusal(env), JSON.stringify(env)).toContain(message);
  });

  it('writes logs for a person in development on a terminal, JSON lines otherwise, unless LOG_FORMAT says', () => {
    const format = (env: Env, terminal?: boolean) => loadConfig(env, { terminal }).logFormat;
    expect([
      format({ NODE_ENV: 'development' }, true),
      format({ NODE_ENV: 'development' }, false),
      format({ NODE_ENV: 'development' }),
      format({ NODE_ENV: 'test' }, true),
      format({ NODE_ENV: 'production', AUTH_SECRET: SECRET }, true),
      format({ NODE_ENV: 'development', LOG_FORMAT: 'json' }, true),
      format({ NODE_ENV: 'development', LOG_FORMAT: 'pretty' }, false),
      format({ NODE_ENV: 'test', LOG_FORMAT: 'pretty' }),
      format({ NODE_ENV: 'production', AUTH_SECRET: SECRET, LOG_FORMAT: 'json' }, true),
    ]).toEqual(['pretty', 'json', 'json', 'json', 'json', 'json', 'pretty', 'pretty', 'json']);
  });

  it('reads the punch window and the overtime thresholds, 72 hours late, 2 minutes early, 8 and 40 hours by default', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).timeclock).toEqual({
      latePunchWindowMinutes: 4320,
      clockSkewMinutes: 2,
      dailyOvertimeMinutes: 480,
      weeklyOvertimeMinutes: 2400,
    });
    expect(
      loadConfig({
        NODE_ENV: 'test',
        TIMECLOCK_LATE_PUNCH_WINDOW_MINUTES: '720',
        TIMECLOCK_CLOCK_SKEW_MINUTES: '0',
        TIMECLOCK_DAILY_OVERTIME_MINUTES: '600',
        TIMECLOCK_WEEKLY_OVERTIME_MINUTES: '2280',
      }).timeclock,
    ).toEqual({
      latePunchWindowMinutes: 720,
      clockSkewMinutes: 0,
      dailyOvertimeMinutes: 600,
      weeklyOvertimeMinutes: 2280,
    });
  });

  it('reads TRUST_PROXY as a number of proxies, true and false as 1 and 0', () => {
    const hops = (value: string | undefined) => loadConfig({ NODE_ENV: 'test', TRUST_PROXY: value }).trustProxy;
    expect([hops(undefined), hops('false'), hops('true'), hops('0'), hops('2')]).toEqual([0, 0, 1, 0, 2]);
  });

  it('reads CORS_ORIGINS as a list of exact origins, and the metrics token and port', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      AUTH_SECRET: SECRET,
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      METRICS_TOKEN: 'm'.repeat(16) + 'abcdefghijklmnopqrstuvwxyz',
      METRICS_PORT: '9464',
    });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.metrics).toEqual({ token: 'm'.repeat(16) + 'abcdefghijklmnopqrstuvwxyz', port: 9464 });
  });

  it("reads Google sign-in's client ids, with Google's key set and issuers by default", () => {
    expect(loadConfig({ NODE_ENV: 'production', AUTH_SECRET: SECRET }).google).toBeUndefined();
    const config = loadConfig({
      NODE_ENV: 'production',
      AUTH_SECRET: SECRET,
      GOOGLE_CLIENT_IDS: '123-web.apps.googleusercontent.com, 123-android.apps.googleusercontent.com',
    });
    expect(config.google).toEqual({
      clientIds: ['123-web.apps.googleusercontent.com', '123-android.apps.googleusercontent.com'],
      jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
      issuers: ['accounts.google.com', 'https://accounts.google.com'],
      jwksCooldownMs: 30_000,
      jwksTimeoutMs: 5_000,
    });
    const local = loadConfig({
      NODE_ENV: 'test',
      GOOGLE_CLIENT_IDS: 'test-client',
      GOOGLE_JWKS_URL: 'http://127.0.0.1:9999/certs',
      GOOGLE_ISSUERS: 'http://127.0.0.1:9999',
    }).google;
    expect(local).toMatchObject({ jwksUrl: 'http://127.0.0.1:9999/certs', issuers: ['http://127.0.0.1:9999'] });
  });

  it('refuses a malformed or unsafe Google sign-in setting', () => {
    const refusals: [Env, string][] = [
      [{ GOOGLE_JWKS_URL: 'https://keys.example.com' }, 'GOOGLE_JWKS_URL needs GOOGLE_CLIENT_IDS'],
      [{ GOOGLE_ISSUERS: 'https://accounts.google.com' }, 'GOOGLE_ISSUERS needs GOOGLE_CLIENT_IDS'],
      [{ GOOGLE_CLIENT_IDS: 'web,,android' }, 'GOOGLE_CLIENT_IDS (entry 2) must be a value without spaces, not ""'],
      [{ GOOGLE_CLIENT_IDS: 'web', GOOGLE_ISSUERS: 'a b' }, 'GOOGLE_ISSUERS (entry 1) must be a value without spaces'],
      [{ GOOGLE_CLIENT_IDS: 'web', GOOGLE_JWKS_URL: 'keys' }, 'GOOGLE_JWKS_URL is not a valid URL: "keys"'],
      [
        { GOOGLE_CLIENT_IDS: 'web', GOOGLE_JWKS_URL: 'http://keys.example.com/certs' },
        'GOOGLE_JWKS_URL must be an https:// URL in production, not http://',
      ],
    ];
    for (const [env, message] of refusals) expect(refusal(env), JSON.stringify(env)).toContain(message);
    expect(() => loadConfig({ NODE_ENV: 'test', GOOGLE_CLIENT_IDS: 'web', GOOGLE_JWKS_URL: 'ftp://x/certs' })).toThrow(
      'GOOGLE_JWKS_URL must be an https:// URL, not ftp://',
    );
  });
});
