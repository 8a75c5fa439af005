import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { testConfig } from './helpers/config.js';
import { openDatabase, type OpenDatabase } from '../src/database/open.js';
import { DEMO_ADMIN_EMAIL } from '../src/database/seed.js';
import { committedMigrations } from '../src/schema-engine/migrate.js';

// The server's default: no DATABASE_URL, PGlite persisted in a data folder the user can delete.
let dataDir: string;
const log: string[] = [];

function config(): Config {
  return testConfig({ dataDir });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-data-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the embedded database', () => {
  let database: OpenDatabase;

  it('on first start applies the migrations and loads the demo organisation', async () => {
    database = await openDatabase(config(), (line) => log.push(line));
    expect(database.mode).toBe('embedded');
    expect(database.appliedMigrations).toEqual([
      expect.stringMatching(/^\d{14}_init$/),
      expect.stringMatching(/^\d{14}_auth_tokens$/),
      expect.stringMatching(/^\d{14}_session_change_notifications$/),
      expect.stringMatching(/^\d{14}_idempotency_keys$/),
      expect.stringMatching(/^\d{14}_password_throttles$/),
      expect.stringMatching(/^\d{14}_integrity_guards$/),
      expect.stringMatching(/^\d{14}_organisation_settings$/),
      expect.stringMatching(/^\d{14}_order_line_limit$/),
      expect.stringMatching(/^\d{14}_timeclock$/),
      expect.stringMatching(/^\d{14}_safety$/),
      expect.stringMatching(/^\d{14}_live_events$/),
    ]);
    expect(database.seeded).toBe(true);
    expect(await database.db.user.count({ where: { email: DEMO_ADMIN_EMAIL.toUpperCase() } })).toBe(1);
    expect(log.join('\n')).toContain(join(dataDir, 'pglite'));
  });

  it('runs concurrent transactions one after the other, never interleaved on its one session', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const failing = database.db.$transaction(async (tx) => {
      await tx.organisation.create({ data: { name: 'Rolled Back Ltd' } });
      await sleep(150);
      throw new Error('abandon this transaction');
    });
    await sleep(20);
    const committing = database.db.$transaction(async (tx) => {
      await tx.organisation.create({ data: { name: 'Committed Ltd' } });
    });
    await expect(failing).rejects.toThrow('abandon this transaction');
    await committing;
    const names = (await database.db.organisation.findMany({ select: { name: true } })).map((o) => o.name);
    expect(names).toContain('Committed Ltd');
    expect(names).not.toContain('Rolled Back Ltd');
  });

  it('answers many concurrent parameterised queries each with its own result', async () => {
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        i % 2 === 0
          ? database.db.$queryRaw<{ v: number }[]>`SELECT ${i}::int + 1 AS v`.then((rows) => rows[0]!.v - 1)
          : database.db.$queryRaw<{ v: string }[]>`SELECT ${`n${i}`}::text AS v, 'padding' AS w`.then((rows) =>
              Number(rows[0]!.v.slice(1)),
            ),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 120 }, (_, i) => i));
    await database.close();
  });

  it('keeps its data across restarts and seeds only once', async () => {
    const restarted = await openDatabase(config(), () => {});
    try {
      expect(restarted.appliedMigrations).toEqual([]);
      expect(restarted.seeded).toBe(false);
      expect(await restarted.db.organisation.count()).toBe(2);
    } finally {
      await restarted.close();
    }
  });

  it('finishes a first start stopped half-way: before PostgreSQL wrote its files, or before the demo', async () => {
    const interrupted = testConfig({ dataDir: join(dataDir, 'interrupted') });
    await mkdir(join(interrupted.dataDir, 'pglite'), { recursive: true });
    const lines: string[] = [];
    // An empty folder, as a start stopped during PostgreSQL's initialisation leaves; then a start
    // that applied the migrations and stopped before the demo was committed.
    const migrated = await openDatabase(interrupted, (line) => lines.push(line), { seedDemo: false });
    try {
      expect(lines[0]).toMatch(/^No DATABASE_URL: creating the embedded PostgreSQL/);
      expect(migrated.appliedMigrations).toHaveLength((await committedMigrations()).length);
      expect(migrated.seeded).toBe(false);
    } finally {
      await migrated.close();
    }
    const next = await openDatabase(interrupted, () => {});
    try {
      expect(next.appliedMigrations).toEqual([]);
      expect(next.seeded).toBe(true);
      expect(await next.db.user.count({ where: { email: DEMO_ADMIN_EMAIL } })).toBe(1);
    } finally {
      await next.close();
    }
  });

  it('starts afresh when the data folder is deleted', async () => {
    await rm(join(dataDir, 'pglite'), { recursive: true });
    const fresh = await openDatabase(config(), () => {});
    try {
      expect(fresh.seeded).toBe(true);
      expect(await fresh.db.organisation.count()).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});
