import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/database/embedded.js';
import { committedMigrations } from '../src/schema-engine/migrate.js';
import { freePort, run, startServer } from './helpers/cli.js';

// The production start as an operator runs it. Each refusal of a configuration is tested, in
// milliseconds, in config.test.ts; here, that the process reports one and exits, and that it starts.
const SECRET = 'x'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789';

describe('the first start on the embedded database', () => {
  const TRUSTED_LINE = expect.stringMatching(
    /^\d+ trusted documents \(.+persisted-documents\.json\); other documents: accepted \(TRUSTED_DOCUMENTS=any\)$/,
  );

  it('says what it does while it creates, migrates and seeds the database, and when it is ready', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-startup-'));
    const messages = (output: string) =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as { msg?: string }).msg)
        .filter((message) => message !== undefined);
    try {
      const first = await startServer({ DATABASE_URL: undefined, DATA_DIR: dataDir });
      expect(await first.stop()).toBe(0);
      const migrations = await committedMigrations();
      const count = migrations.length;
      expect(messages(first.output())).toEqual([
        `No DATABASE_URL: creating the embedded PostgreSQL (PGlite) in ${join(dataDir, 'pglite')}: slower this first time, as it initialises the database, applies the migrations and loads the demo data`,
        ...migrations.map((name, index) => `Applying migration ${index + 1}/${count}: ${name}`),
        'Loading the demo organisation…',
        expect.stringMatching(/^Loaded the demo organisation \(\d+ rows\)$/),
        TRUSTED_LINE,
        expect.stringMatching(
          new RegExp(`^GraphQL and GraphiQL on ${first.url} \\(embedded database\\), ready in \\d+\\.\\d s$`),
        ),
        'SIGTERM: finishing in-flight requests (at most 10000 ms)',
        'stopped',
      ]);

      const again = await startServer({ DATABASE_URL: undefined, DATA_DIR: dataDir });
      expect(await again.stop()).toBe(0);
      expect(messages(again.output()).slice(0, 3)).toEqual([
        `No DATABASE_URL: using the embedded PostgreSQL (PGlite) in ${join(dataDir, 'pglite')}`,
        TRUSTED_LINE,
        expect.stringMatching(/^GraphQL and GraphiQL on .* \(embedded database\), ready in \d+\.\d s$/),
      ]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

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

  it('refuses to start when nothing answers at DATABASE_URL, naming where it looked', async () => {
    const port = await freePort();
    const started = await run('npx', ['--no-install', 'tsx', 'src/server.ts'], {
      NODE_ENV: 'production',
      PORT: '0',
      AUTH_SECRET: SECRET,
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/opsgraph`,
    });
    expect(started.code).toBe(1);
    expect(started.stderr).toContain(
      `[opsgraph] configuration error: DATABASE_URL cannot be used: nothing accepts connections at 127.0.0.1:${port}.`,
    );
    expect(started.output).not.toMatch(/GraphQL (and GraphiQL )?on/);
  });

  it('refuses a port in use with a configuration error, not a stack', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-startup-'));
    const taken = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
    try {
      const started = await run('npx', ['--no-install', 'tsx', 'src/server.ts'], {
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: undefined,
        DATA_DIR: dataDir,
      });
      expect(started.code).toBe(1);
      expect(started.stderr).toContain(
        `[opsgraph] configuration error: port ${port} is in use on 127.0.0.1: stop what listens there, or set PORT to a free port.`,
      );
      expect(started.stderr).not.toContain('EADDRINUSE');
    } finally {
      taken.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('starts on a database never migrated, says so, and is not ready until it is', async () => {
    const empty = await startEmbeddedPostgres();
    const server = await startServer({ NODE_ENV: 'production', AUTH_SECRET: SECRET, DATABASE_URL: empty.url });
    try {
      const pending = await committedMigrations();
      expect(server.output()).toContain(`migrations not applied: ${pending.join(', ')}.`);
      const ready = await fetch(new URL('/ready', server.url));
      expect({ status: ready.status, body: await ready.json() }).toEqual({
        status: 503,
        body: { status: 'unavailable', reason: 'migrations not applied', pendingMigrations: pending },
      });
    } finally {
      expect(await server.stop()).toBe(0);
      await empty.stop();
    }
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
      expect(server.output()).toContain(`GraphQL on ${server.url}, GraphiQL off in production (embedded database)`);
      expect(server.output()).not.toContain('GraphiQL on');
      expect(server.output()).toMatch(
        /\d+ trusted documents \(.+\); other documents: refused \(TRUSTED_DOCUMENTS=only\)/,
      );
    } finally {
      expect(await server.stop()).toBe(0);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
