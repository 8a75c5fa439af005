import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStatementCounter } from '../bench/statement-counter.js';
import { relationsAsJson } from '../src/database/json-relations.js';
import { createDb } from '../src/db.js';
import { useTestDatabase } from './helpers/database.js';
import * as fixtures from './helpers/fixtures.js';
import { otherOrganisation } from './helpers/graphql.js';

const database = useTestDatabase();
let counter: Awaited<ReturnType<typeof startStatementCounter>>;
let client: ReturnType<typeof createDb>;

beforeAll(async () => {
  counter = await startStatementCounter(database.url);
  client = createDb(counter.url, { poolSize: 1 });
});

afterAll(async () => {
  await client.system.$disconnect();
  await counter.close();
});

describe('relation joins read as json', () => {
  it('sends nested reads with json built by PostgreSQL, and reads the same rows back', async () => {
    const { organisationId, admin } = await otherOrganisation(database);
    const equipment = await fixtures.equipment(database, organisationId, admin);
    await database.sql(
      `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date, notes)
       VALUES ($1, $2, '2026-11-02T08:00:00Z', 'first'), ($1, $2, '2026-11-09T08:00:00Z', NULL)`,
      [equipment, admin],
    );
    const rows = await client.system.equipment.findMany({
      where: { organisationId },
      select: {
        name: true,
        maintenanceRecords: {
          orderBy: { maintenanceDate: 'desc' },
          select: { maintenanceDate: true, notes: true, performedBy: { select: { name: true, isActive: true } } },
        },
      },
    });
    const nested = counter.sql().filter((sql) => sql.includes('"__prisma_data__"'));
    expect(nested.length).toBeGreaterThan(0);
    expect(nested.at(-1)).toContain('JSON_BUILD_OBJECT(');
    expect(nested.at(-1)).toContain('JSON_AGG(');
    expect(nested.at(-1)).not.toContain('JSONB_');
    expect(rows).toEqual([
      {
        name: 'Drill',
        maintenanceRecords: [
          {
            maintenanceDate: new Date('2026-11-09T08:00:00Z'),
            notes: null,
            performedBy: { name: 'Rita Rival', isActive: true },
          },
          {
            maintenanceDate: new Date('2026-11-02T08:00:00Z'),
            notes: 'first',
            performedBy: { name: 'Rita Rival', isActive: true },
          },
        ],
      },
    ]);
  });

  it('leaves statements that compare rows, and statements written by hand, as they are', () => {
    const nested = 'SELECT JSONB_BUILD_OBJECT(\'id\', "t1"."id") AS "__prisma_data__" FROM "t" AS "t1"';
    expect(relationsAsJson(nested)).toBe(
      'SELECT JSON_BUILD_OBJECT(\'id\', "t1"."id") AS "__prisma_data__" FROM "t" AS "t1"',
    );
    for (const compared of [
      `SELECT DISTINCT ${nested.slice(7)}`,
      `${nested} UNION ${nested}`,
      `${nested} GROUP BY 1`,
    ]) {
      expect(relationsAsJson(compared)).toBe(compared);
    }
    const byHand = "SELECT JSONB_BUILD_OBJECT('qty', 1) AS before";
    expect(relationsAsJson(byHand)).toBe(byHand);
  });
});
