import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/database/embedded.js';
import { prisma } from './helpers/cli.js';

// The admin's commands against the embedded database, served on its socket: the same bridge, with
// PGlite behind node-postgres instead of a PostgreSQL server.
let embedded: EmbeddedPostgres;

beforeAll(async () => {
  embedded = await startEmbeddedPostgres();
});

afterAll(async () => {
  await embedded.stop();
});

describe('prisma migrate against embedded PGlite', () => {
  it('deploys the migrations, reports a clean status and seeds once', async () => {
    const env = { DATABASE_URL: embedded.url };
    const deploy = await prisma(['migrate', 'deploy'], env);
    expect(deploy.output).toContain('All migrations have been successfully applied.');
    expect(deploy.code).toBe(0);

    const status = await prisma(['migrate', 'status'], env);
    expect(status.output).toContain('Database schema is up to date!');
    expect(status.code).toBe(0);

    expect((await prisma(['db', 'seed'], env)).output).toMatch(/Loaded the demo organisation \(\d+ rows\)/);
    expect((await prisma(['db', 'seed'], env)).output).toContain('The demo organisation is already loaded.');
    const { rows } = await embedded.db.query<{ organisations: number; roles: number }>(
      `SELECT (SELECT count(*)::int FROM auth.organisations) AS organisations, (SELECT count(*)::int FROM auth.roles) AS roles`,
    );
    expect(rows).toEqual([{ organisations: 1, roles: 5 }]);
  });
});

describe('prisma migrate without DATABASE_URL', () => {
  it('says in one line what to run, instead of "Connection url is empty"', async () => {
    const dev = await prisma(['migrate', 'dev', '--name', 'change'], { DATABASE_URL: undefined });
    expect(dev.code).toBe(1);
    expect(dev.output.trim()).toBe(
      '[opsgraph] prisma migrate dev needs DATABASE_URL naming a PostgreSQL server (the embedded database cannot serve the CLI): run DATABASE_URL=postgresql://postgres@127.0.0.1:5432/opsgraph_dev npx prisma migrate dev ...; npm start then applies new migrations to the embedded database.',
    );
  });
});
