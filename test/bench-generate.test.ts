import { describe, expect, it } from 'vitest';
import { generate, scales } from '../bench/generate.js';
import { useTestDatabase } from './helpers/database.js';

const database = useTestDatabase();

describe('the benchmark dataset generator', () => {
  it('makes the small scale exactly, with every rule of the schema kept', async () => {
    const lines: string[] = [];
    const report = await generate(database.url, scales.small, (line) => lines.push(line));
    const s = scales.small;
    const count = async (table: string) =>
      (await database.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

    expect(await count('auth.organisations')).toBe(s.organisations);
    expect(await count('auth.users')).toBe(s.organisations * s.usersPerOrganisation);
    expect(await count('assets.equipment')).toBe(s.organisations * s.equipmentPerOrganisation);
    expect(await count('assets.maintenance_records')).toBe(
      s.organisations * s.equipmentPerOrganisation * s.recordsPerEquipment,
    );
    expect(await count('inventory.inventory_items')).toBe(s.organisations * s.itemsPerOrganisation);
    expect(await count('procurement.purchase_orders')).toBe(s.organisations * s.ordersPerOrganisation);
    expect(await count('procurement.purchase_order_lines')).toBe(
      s.organisations * s.ordersPerOrganisation * s.linesPerOrder,
    );
    expect(await count('procurement.batches')).toBe(await count('procurement.batch_creation_events'));
    // Each user's weekdays in the six weeks the timesheet month touches, with a break in each.
    expect(await count('timeclock.time_entries')).toBe(s.organisations * s.usersPerOrganisation * 30);
    expect(await count('timeclock.time_breaks')).toBe(await count('timeclock.time_entries'));
    expect(await count('procurement.batches')).toBeGreaterThan(0);

    const unbalanced = await database.sql(
      `SELECT i.id FROM inventory.inventory_items i
       WHERE i.qty <> (SELECT coalesce(sum(delta), 0) FROM inventory.stock_movements m WHERE m.item_id = i.id)`,
    );
    expect(unbalanced).toEqual([]);
    const crossTenant = await database.sql(
      `SELECT 1 FROM assets.maintenance_records m JOIN assets.equipment e ON e.id = m.equipment_id
       JOIN auth.users u ON u.id = m.performed_by WHERE u.organisation_id <> e.organisation_id`,
    );
    expect(crossTenant).toEqual([]);
    const [{ low, overdue }] = (await database.sql<{ low: number; overdue: number }>(
      `SELECT (SELECT count(*)::int FROM inventory.inventory_items WHERE qty <= min_qty) AS low,
              (SELECT count(*)::int FROM assets.equipment WHERE next_maintenance_at < now() AND status <> 'retired') AS overdue`,
    )) as [{ low: number; overdue: number }];
    expect(low).toBeGreaterThan(0);
    expect(overdue).toBeGreaterThan(0);

    expect(report.rows).toBeGreaterThan(3_500);
    expect(lines.join('')).toMatch(/\[#{30}\] time breaks +\d+ rows/);
    expect(lines.at(-1)).toMatch(/rows in [\d.]+ s: [\d,]+ rows\/s/);
  });

  it('adds the time entries alone to a dataset generated before it had them', async () => {
    const count = async (table: string) =>
      (await database.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;
    const entries = await count('timeclock.time_entries');
    expect(entries).toBeGreaterThan(0);
    const rows = await count('assets.equipment');
    await database.sql(`DELETE FROM timeclock.time_entries`);
    await database.sql(`UPDATE auth.organisations SET time_zone = 'UTC'`);

    const report = await generate(database.url, scales.small, () => {}, { timeclockOnly: true });

    expect(report.perStep).toEqual({ 'time entries': entries, 'time breaks': entries });
    expect(await count('timeclock.time_entries')).toBe(entries);
    expect(await count('assets.equipment')).toBe(rows);
    expect(await database.sql(`SELECT DISTINCT time_zone FROM auth.organisations`)).toEqual([
      { time_zone: 'Europe/Berlin' },
    ]);
  });
});
