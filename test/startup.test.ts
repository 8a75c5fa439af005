import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, run, startServer } from './helpers/cli.js';

// The production start as an operator runs it. Each refusal of a configuration is tested, in
// milliseconds, in config.test.ts; here, that the process reports one and exits, and that it starts.
const SECRET = 'x'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789';

describe('starting in production', () => {
  it('refuses to start on a configuration error, naming it', async () => {
    const started = await run('npx', ['--no-install', 'tsx', 'src/server.ts'], {
      NODE_ENV: 'production',
      PORT: '0',
      DATABASE_URL: undefined,
      AUTH_SECRET: undefined,
    });
    expect(started.code).toBe(1);
    expect(started.stderr).toContain('configuration error: AUTH_SECRET is required in production');
  });

  it('starts, serving /metrics on METRICS_PORT and not beside the API', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-startup-'));
    const metricsPort = await freePort();
    const server = await startServer({
      NODE_ENV: 'production',
      AUTH_SECRET: SECRET,
      DATABASE_URL: undefined,
      DATA_DIR: dataDir,
      METRICS_PORT: String(metricsPort),
    });
    try {
      const api = new URL(server.url);
      expect((await fetch(new URL('/health', api))).status).toBe(200);
      expect((await fetch(new URL('/metrics', api))).status).toBe(404);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^opsgraph_process_resident_memory_bytes \d+/m);
    } finally {
      expect(await server.stop()).toBe(0);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
