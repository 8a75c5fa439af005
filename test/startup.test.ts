import { describe, expect, it } from 'vitest';
import { run } from './helpers/cli.js';

// The production start as an operator runs it: it refuses a configuration it cannot run safely.
const start = (env: Record<string, string | undefined>) =>
  run('npx', ['--no-install', 'tsx', 'src/server.ts'], {
    NODE_ENV: 'production',
    PORT: '0',
    DATABASE_URL: undefined,
    ...env,
  });

describe('starting in production', () => {
  it('refuses to start without AUTH_SECRET', async () => {
    const started = await start({ AUTH_SECRET: undefined });
    expect(started.code).toBe(1);
    expect(started.stderr).toContain('configuration error: AUTH_SECRET is required in production');
  });

  it('refuses a short or repetitive AUTH_SECRET', async () => {
    for (const secret of ['too-short', 'a'.repeat(64)]) {
      const started = await start({ AUTH_SECRET: secret });
      expect(started.code).toBe(1);
      expect(started.stderr).toContain('configuration error: AUTH_SECRET is too weak');
    }
  });

  it('refuses a malformed setting, naming it', async () => {
    const started = await start({
      AUTH_SECRET: 'x'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789',
      GRAPHQL_MAX_DEPTH: 'deep',
    });
    expect(started.code).toBe(1);
    expect(started.stderr).toContain('GRAPHQL_MAX_DEPTH must be a whole number from 2 to 100, not "deep"');
  });

  it('refuses malformed database, replica and logging settings, naming each', async () => {
    const secret = 'x'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789';
    const refusals: [Record<string, string>, string][] = [
      [
        { DATABASE_STATEMENT_TIMEOUT_MS: '-5' },
        'DATABASE_STATEMENT_TIMEOUT_MS must be a whole number from 0 to 3600000, not "-5"',
      ],
      [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE must be a whole number from 1 to 200, not "0"'],
      [{ DATABASE_REPLICA_URLS: 'postgresql://replica/db' }, 'DATABASE_REPLICA_URLS needs DATABASE_URL'],
      [
        { DATABASE_URL: 'postgresql://primary/db', DATABASE_REPLICA_URLS: 'postgresql://a/db, mysql://b/db' },
        'DATABASE_REPLICA_URLS (entry 2) must start with postgresql://, not mysql://',
      ],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"'],
    ];
    for (const [env, message] of refusals) {
      const started = await start({ AUTH_SECRET: secret, ...env });
      expect(started.code).toBe(1);
      expect(started.stderr).toContain(`configuration error: ${message}`);
    }
  });
});
