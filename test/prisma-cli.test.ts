import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { withClient, withDatabase } from '../src/schema-engine/pg-adapter.js';
import { serverUrl } from './helpers/backend.js';
import { prisma, projectCopy, run, schemaEngine } from './helpers/cli.js';

// The admin's commands, against a PostgreSQL server (this file runs in the PostgreSQL pass).
const server = serverUrl!;
const created: string[] = [];

async function emptyDatabase(): Promise<string> {
  const url = freshDatabase();
  await query(withDatabase(server, 'postgres'), `CREATE DATABASE "${new URL(url).pathname.slice(1)}"`);
  return url;
}

function freshDatabase(): string {
  const name = `opsgraph_cli_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  created.push(name);
  return withDatabase(server, name);
}

function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  return withClient(url, async (client) => (await client.query<R>(text)).rows);
}

afterAll(async () => {
  for (const name of created) {
    await query(withDatabase(server, 'postgres'), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
});

const noStackTrace = /^\s+at .+:\d+:\d+\)?$/m;

describe('prisma migrate with the offline schema engine', () => {
  it('names the bridge as its schema engine', async () => {
    const { code, stdout } = await prisma(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /Schema Engine\s+: schema-engine-cli [0-9a-f]{40} \(at bin\/schema-engine, resolved by PRISMA_SCHEMA_ENGINE_BINARY\)/,
    );
  });

  it('deploys every migration to a database it creates, after which status is clean', async () => {
    const url = freshDatabase();
    const deploy = await prisma(['migrate', 'deploy'], { DATABASE_URL: url });
    expect(deploy.output).toContain('All migrations have been successfully applied.');
    expect(deploy.code).toBe(0);

    const status = await prisma(['migrate', 'status'], { DATABASE_URL: url });
    expect(status.output).toContain('Database schema is up to date!');
    expect(status.code).toBe(0);

    const tables = await query<{ n: string }>(
      url,
      `SELECT count(*) AS n FROM information_schema.tables
       WHERE table_schema IN ('auth', 'assets', 'inventory', 'procurement', 'audit', 'timeclock', 'safety')`,
    );
    expect(Number(tables[0]!.n)).toBe(29);
  });

  it('finds no drift between the committed migrations and schema.prisma', async () => {
    const url = await emptyDatabase();
    const diff = (schema: string) =>
      prisma(
        ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', schema, '--script', '--exit-code'],
        {
          DATABASE_URL: url,
        },
      );
    const committed = await diff('prisma/schema.prisma');
    expect(committed.stdout).toContain('-- This is an empty migration.');
    expect(committed.code).toBe(0);

    const project = await projectCopy();
    const schema = await readFile(project.schema, 'utf8');
    await writeFile(project.schema, schema.replace('  notes                 String?\n', ''));
    const drifted = await diff(project.schema);
    expect(drifted.stdout).toContain('ALTER TABLE "auth"."users" DROP COLUMN "notes";');
    expect(drifted.code).toBe(2);
    await rm(project.dir, { recursive: true, force: true });
  });

  it('creates and applies a second migration through a temporary shadow database, then drops it', async () => {
    const project = await projectCopy();
    const url = freshDatabase();
    const env = { DATABASE_URL: url };
    expect((await prisma(['migrate', 'deploy', '--config', project.config], env)).code).toBe(0);

    const schema = await readFile(project.schema, 'utf8');
    await writeFile(
      project.schema,
      schema.replace('  workspaceFolderId String?', '  timezone          String?\n  workspaceFolderId String?'),
    );
    const dev = await prisma(['migrate', 'dev', '--name', 'add_timezone', '--config', project.config], env);
    expect(dev.output).toContain('Your database is now in sync with your schema.');
    expect(dev.code).toBe(0);

    const [added] = (await readdir(project.migrations)).filter((name) => name.endsWith('_add_timezone'));
    const sql = await readFile(join(project.migrations, added!, 'migration.sql'), 'utf8');
    expect(sql).toContain('ALTER TABLE "auth"."organisations" ADD COLUMN     "timezone" TEXT;');
    expect(await query(url, `SELECT timezone FROM auth.organisations`)).toEqual([]);

    const shadows = await query(
      withDatabase(server, 'postgres'),
      `SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'`,
    );
    expect(shadows).toEqual([]);
    expect((await prisma(['migrate', 'status', '--config', project.config], env)).output).toContain(
      '12 migrations found',
    );
    await rm(project.dir, { recursive: true, force: true });
  });

  it('resets a database to the migrations and nothing else', async () => {
    const url = freshDatabase();
    expect((await prisma(['migrate', 'deploy'], { DATABASE_URL: url })).code).toBe(0);
    await query(url, `INSERT INTO auth.organisations (name) VALUES ('Doomed Ltd')`);
    const reset = await prisma(['migrate', 'reset', '--force'], { DATABASE_URL: url });
    expect(reset.code).toBe(0);
    expect(await query(url, `SELECT name FROM auth.organisations`)).toEqual([]);
    expect(await query(url, `SELECT name FROM auth.roles ORDER BY name`)).toHaveLength(5);
  });

  it('generates the client and the Pothos types without downloading anything', async () => {
    const project = await projectCopy();
    const generate = await prisma(['generate', '--config', project.config]);
    expect(generate.output).toContain('Generated Prisma Client');
    expect(generate.output).toContain('Generated Pothos integration');
    expect(generate.code).toBe(0);
    const client = await readFile(join(project.dir, 'src', 'generated', 'prisma', 'client.ts'), 'utf8');
    expect(client).toContain('export const PrismaClient');
    await rm(project.dir, { recursive: true, force: true });
  });

  it('seeds the demo organisation once, however often db seed runs', async () => {
    const url = freshDatabase();
    expect((await prisma(['migrate', 'deploy'], { DATABASE_URL: url })).code).toBe(0);
    const first = await prisma(['db', 'seed'], { DATABASE_URL: url });
    expect(first.output).toMatch(/Loaded the demo organisation \(\d+ rows\)/);
    const counts = () =>
      query(
        url,
        `SELECT (SELECT count(*) FROM auth.users) users, (SELECT count(*) FROM assets.maintenance_records) records,
                (SELECT count(*) FROM inventory.stock_movements) movements, (SELECT sum(qty) FROM inventory.inventory_items) stock`,
      );
    const before = await counts();
    const second = await prisma(['db', 'seed'], { DATABASE_URL: url });
    expect(second.output).toContain('The demo organisation is already loaded.');
    expect(second.code).toBe(0);
    expect(await counts()).toEqual(before);
  });
});

describe('the schema engine bridge says what failed', () => {
  it('when the database server cannot be reached', async () => {
    const status = await prisma(['migrate', 'status'], { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere' });
    expect(status.code).not.toBe(0);
    expect(status.output).toContain('P1001');
    expect(status.output).toContain("Can't reach database server at `127.0.0.1:1`");
    expect(status.output).not.toMatch(noStackTrace);
  });

  it('when the database does not exist', async () => {
    const url = withDatabase(server, 'opsgraph_missing_database');
    const status = await prisma(['migrate', 'status'], { DATABASE_URL: url });
    expect(status.code).not.toBe(0);
    expect(status.output).toContain('P1003');
    expect(status.output).toContain('Database `opsgraph_missing_database` does not exist');
    expect(status.output).not.toMatch(noStackTrace);
  });

  it('when a migration fails, leaving none of its statements behind', async () => {
    const project = await projectCopy();
    const broken = join(project.migrations, '29990101000000_broken');
    await mkdir(broken);
    await writeFile(
      join(broken, 'migration.sql'),
      `CREATE TABLE "auth"."half_done" ("id" INTEGER);\nINSERT INTO "auth"."half_done" VALUES (1);\nSELECT 1 / 0;\n`,
    );
    const url = freshDatabase();
    const deploy = await prisma(['migrate', 'deploy', '--config', project.config], { DATABASE_URL: url });
    expect(deploy.code).not.toBe(0);
    expect(deploy.output).toContain('29990101000000_broken');
    expect(deploy.output).toContain('division by zero');
    expect(deploy.output).not.toMatch(noStackTrace);

    const halfDone = await query(url, `SELECT to_regclass('auth.half_done') AS t`);
    expect(halfDone).toEqual([{ t: null }]);
    const history = await query<{ migration_name: string; finished: boolean }>(
      url,
      `SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(history.map((row) => [row.migration_name.replace(/^\d+_/, ''), row.finished])).toEqual([
      ['init', true],
      ['auth_tokens', true],
      ['session_change_notifications', true],
      ['idempotency_keys', true],
      ['password_throttles', true],
      ['integrity_guards', true],
      ['organisation_settings', true],
      ['order_line_limit', true],
      ['timeclock', true],
      ['safety', true],
      ['live_events', true],
      ['broken', false],
    ]);
    const status = await prisma(['migrate', 'status', '--config', project.config], { DATABASE_URL: url });
    expect(status.output).toContain('29990101000000_broken');
    expect(status.output).toMatch(/failed/i);
    await rm(project.dir, { recursive: true, force: true });
  });

  it('answers malformed and unknown JSON-RPC requests with errors and keeps serving', async () => {
    const url = await emptyDatabase();
    const requests = [
      '{"id":1,"jsonrpc":"2.0","method":"getDatabaseVersion"}',
      'this is not json',
      '{"id":2,"jsonrpc":"2.0","method":"noSuchMethod"}',
      '{"id":3,"jsonrpc":"2.0","method":"getDatabaseVersion"}',
    ].join('\n');
    const engine = await run(
      schemaEngine,
      ['--datasource', JSON.stringify({ url }), '--datamodels', 'prisma/schema.prisma'],
      {},
      `${requests}\n`,
    );
    expect(engine.code).toBe(0);
    const responses = engine.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: unknown });
    const byId = (id: unknown) => responses.find((response) => response.id === id);
    expect(responses).toHaveLength(4);
    expect(byId(1)).toMatchObject({ result: expect.stringContaining('PostgreSQL') });
    expect(byId(null)).toMatchObject({ error: { code: -32700, message: 'Parse error' } });
    expect(byId(2)).toMatchObject({
      error: {
        data: { is_panic: false, message: 'The offline schema engine does not support the "noSuchMethod" command.' },
      },
    });
    expect(byId(3)).toMatchObject({ result: expect.stringContaining('PostgreSQL') });
  });

  it('exits like the native engine when the engine panics', async () => {
    const engine = await run(
      schemaEngine,
      ['--datasource', JSON.stringify({ url: await emptyDatabase() })],
      {},
      '{"id":1,"jsonrpc":"2.0","method":"debugPanic"}\n',
    );
    expect(engine.code).toBe(101);
    const log = engine.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; fields: Record<string, unknown> });
    expect(log.at(-1)).toMatchObject({
      level: 'ERROR',
      fields: { is_panic: true, message: expect.stringContaining('This is the debugPanic artificial panic') },
    });
  });

  it('refuses a shadowDatabaseUrl it would not use, saying so', async () => {
    const engine = await run(
      schemaEngine,
      [
        '--datasource',
        JSON.stringify({ url: server, shadowDatabaseUrl: server }),
        '--datamodels',
        'prisma/schema.prisma',
      ],
      {},
      '',
    );
    expect(engine.code).toBe(1);
    expect(engine.stderr).toContain('shadowDatabaseUrl is not supported by the offline schema engine');
  });
});
