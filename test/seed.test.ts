import { describe, expect, it } from 'vitest';
import { seedDemo } from '../src/database/seed.js';
import { useTestDatabase } from './helpers/database.js';

const database = useTestDatabase();

const tables = [
  'auth.organisations',
  'auth.users',
  'auth.user_roles',
  'assets.equipment',
  'assets.maintenance_records',
  'inventory.inventory_items',
  'inventory.stock_movements',
  'procurement.suppliers',
  'procurement.purchase_orders',
  'procurement.purchase_order_lines',
  'procurement.batches',
  'procurement.batch_creation_events',
  'safety.checklist_templates',
  'safety.checklist_template_versions',
  'safety.checklist_items',
  'safety.inspections',
  'safety.inspection_answers',
  'safety.corrective_actions',
  'safety.incidents',
  'safety.incident_people',
  'timeclock.time_entries',
  'timeclock.time_breaks',
  'timeclock.timesheet_approvals',
];

async function snapshot() {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await database.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = row!.n;
  }
  const stock = await database.sql(`SELECT sku, qty FROM inventory.inventory_items ORDER BY sku`);
  const statuses = await database.sql(`SELECT number, status FROM procurement.purchase_orders ORDER BY number`);
  return { counts, stock, statuses };
}

describe('the demo seed', () => {
  it('is idempotent: a second run adds and changes nothing', async () => {
    const first = await seedDemo(database.db);
    expect(first.created).toBeGreaterThan(80);
    const before = await snapshot();
    const second = await seedDemo(database.db);
    expect(second).toEqual({ organisationId: first.organisationId, created: 0 });
    expect(await snapshot()).toEqual(before);
    expect(Object.values(before.counts).every((n) => n > 0)).toBe(true);
  });

  it('is a realistic organisation: every role, every PO status, history and provenance', async () => {
    const roles = await database.sql(
      `SELECT DISTINCT r.name::text AS name FROM auth.user_roles ur JOIN auth.roles r ON r.id = ur.role_id ORDER BY 1`,
    );
    expect(roles.map((row) => row.name)).toEqual(['admin', 'employee', 'manager', 'superadmin', 'worker']);
    expect(await database.sql(`SELECT count(*)::int AS n FROM auth.users WHERE NOT is_active`)).toEqual([{ n: 1 }]);

    const statuses = await database.sql(
      `SELECT DISTINCT status::text AS status FROM procurement.purchase_orders ORDER BY 1`,
    );
    expect(statuses.map((row) => row.status)).toEqual(['approved', 'cancelled', 'draft', 'received', 'submitted']);

    const withoutHistory = await database.sql(
      `SELECT e.name FROM assets.equipment e WHERE e.status <> 'retired' AND e.category <> 'it_hardware'
         AND NOT EXISTS (SELECT 1 FROM assets.maintenance_records m WHERE m.equipment_id = e.id)`,
    );
    expect(withoutHistory).toEqual([]);
    const [overdue] = await database.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM assets.equipment WHERE next_maintenance_at < now() AND status <> 'retired'`,
    );
    expect(overdue!.n).toBeGreaterThan(0);
    const [low] = await database.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM inventory.inventory_items WHERE qty <= min_qty`,
    );
    expect(low!.n).toBeGreaterThan(0);

    // Every line of every received PO became a batch whose creation event names that PO.
    const provenance = await database.sql(
      `SELECT po.number, count(l.id)::int AS lines, count(ev.id)::int AS events
       FROM procurement.purchase_orders po
       JOIN procurement.purchase_order_lines l ON l.purchase_order_id = po.id
       LEFT JOIN procurement.batch_creation_events ev ON ev.purchase_order_line_id = l.id AND ev.purchase_order_id = po.id
       WHERE po.status = 'received' GROUP BY po.number ORDER BY po.number`,
    );
    expect(provenance).toEqual([
      { number: 'PO-2026-0003', lines: 1, events: 1 },
      { number: 'PO-2026-0004', lines: 2, events: 2 },
    ]);
    const [allocated] = await database.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM procurement.purchase_orders WHERE batch_id IS NOT NULL`,
    );
    expect(allocated!.n).toBe(1);

    // Safety: checklists (one edited), passes, two failures, one in progress; one failure still keeps its
    // forklift out of service, the other was closed by the maintenance that fixed it; incidents at each status.
    expect(
      await database.sql(
        `SELECT t.name, max(v.number)::int AS versions FROM safety.checklist_templates t
         JOIN safety.checklist_template_versions v ON v.template_id = t.id GROUP BY t.name ORDER BY t.name`,
      ),
    ).toEqual([
      { name: 'AED readiness check', versions: 1 },
      { name: 'Forklift pre-use check', versions: 2 },
      { name: 'Harness inspection', versions: 1 },
      { name: 'Machine guarding check', versions: 1 },
      { name: 'Portable appliance test', versions: 1 },
    ]);
    expect(
      await database.sql(
        `SELECT coalesce(result::text, 'in progress') AS result, count(*)::int AS n FROM safety.inspections GROUP BY 1 ORDER BY 1`,
      ),
    ).toEqual([
      { result: 'fail', n: 2 },
      { result: 'in progress', n: 1 },
      { result: 'pass', n: 7 },
    ]);
    expect(
      await database.sql(
        `SELECT a.status::text AS action, e.name, e.status::text AS equipment FROM safety.corrective_actions a
         JOIN assets.equipment e ON e.id = a.equipment_id ORDER BY a.status`,
      ),
    ).toEqual([
      { action: 'open', name: 'Forklift FL-25', equipment: 'out_of_service' },
      { action: 'closed', name: 'Air Compressor AC-500', equipment: 'in_maintenance' },
    ]);
    const incidents = await database.sql(`SELECT status::text AS status FROM safety.incidents ORDER BY status`);
    expect(incidents.map((row) => row.status)).toEqual(['closed', 'investigating', 'reported']);
    // Three weeks of time for three people in Europe/London, the first two approved and locked.
    const time = await database.sql(
      `SELECT u.email::text AS email,
              (SELECT count(*)::int FROM timeclock.time_entries e WHERE e.user_id = u.id) AS entries,
              (SELECT count(e.approval_id)::int FROM timeclock.time_entries e WHERE e.user_id = u.id) AS locked,
              (SELECT count(*)::int FROM timeclock.timesheet_approvals a WHERE a.user_id = u.id) AS approvals,
              (SELECT count(*)::int FROM timeclock.time_breaks b JOIN timeclock.time_entries e ON e.id = b.entry_id
               WHERE e.user_id = u.id) AS breaks
       FROM auth.users u WHERE EXISTS (SELECT 1 FROM timeclock.time_entries e WHERE e.user_id = u.id)
       ORDER BY u.email`,
    );
    expect(time).toEqual([
      { email: 'esi@harbourworks.example', entries: 15, locked: 10, approvals: 2, breaks: 15 },
      { email: 'nina@harbourworks.example', entries: 12, locked: 8, approvals: 2, breaks: 12 },
      { email: 'wes@harbourworks.example', entries: 15, locked: 10, approvals: 2, breaks: 15 },
    ]);

    const unbalanced = await database.sql(
      `SELECT i.sku FROM inventory.inventory_items i
       WHERE i.qty <> (SELECT coalesce(sum(delta), 0) FROM inventory.stock_movements m WHERE m.item_id = i.id)`,
    );
    expect(unbalanced).toEqual([]);
  });
});
