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
});
