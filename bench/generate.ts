import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { hashPassword } from '../src/lib/passwords.js';
import { TIMESHEET_MONTH } from './operations.js';

/** How much data to make: per organisation, except the number of organisations. */
export type Scale = {
  organisations: number;
  usersPerOrganisation: number;
  equipmentPerOrganisation: number;
  recordsPerEquipment: number;
  itemsPerOrganisation: number;
  movementsPerItem: number;
  suppliersPerOrganisation: number;
  ordersPerOrganisation: number;
  linesPerOrder: number;
};

export const scales = {
  // CI's smoke run.
  small: {
    organisations: 2,
    usersPerOrganisation: 10,
    equipmentPerOrganisation: 100,
    recordsPerEquipment: 10,
    itemsPerOrganisation: 100,
    movementsPerItem: 3,
    suppliersPerOrganisation: 5,
    ordersPerOrganisation: 50,
    linesPerOrder: 3,
  },
  // About 20 organisations, 2,000 users, 50,000 equipment, 500,000 maintenance records, 50,000
  // inventory items with movements and 20,000 purchase orders with lines and batches.
  large: {
    organisations: 20,
    usersPerOrganisation: 100,
    equipmentPerOrganisation: 2_500,
    recordsPerEquipment: 10,
    itemsPerOrganisation: 2_500,
    movementsPerItem: 3,
    suppliersPerOrganisation: 20,
    ordersPerOrganisation: 1_000,
    linesPerOrder: 3,
  },
} satisfies Record<string, Scale>;

export const BENCH_PASSWORD = 'bench-password';

type Step = {
  name: string;
  sql: string;
  params?: (organisation: Organisation) => unknown[];
  /** A step of the timeclock's, the last the dataset gained: added alone to an older dataset. */
  timeclock?: boolean;
};
type Organisation = { id: string; index: number };

// Rows are made inside PostgreSQL from generate_series, one organisation per statement: large
// multi-row inserts without shipping the data, and a unit of progress to report.
function steps(scale: Scale, passwordHash: string): Step[] {
  const s = scale;
  const byIndex = (table: string, column = 'id', order = 'id') =>
    `(SELECT ${column}, row_number() OVER (ORDER BY ${order}) - 1 AS n FROM ${table} WHERE organisation_id = $1)`;
  return [
    {
      name: 'users',
      sql: `INSERT INTO auth.users (organisation_id, email, password_hash, name, department)
            SELECT $1, 'user' || g || '@org' || $2 || '.bench.example', $3, 'Bench User ' || g,
                   (ARRAY['Operations','Maintenance','Stores','Workshop'])[1 + g % 4]
            FROM generate_series(1, ${s.usersPerOrganisation}) g`,
      params: (o) => [o.id, o.index, passwordHash],
    },
    {
      name: 'user roles',
      sql: `INSERT INTO auth.user_roles (user_id, role_id)
            SELECT u.id, r.id FROM ${byIndex('auth.users')} u
            JOIN auth.roles r ON r.name = (ARRAY['admin','manager','employee','worker','worker']::auth.role_name[])[1 + u.n % 5]`,
      params: (o) => [o.id],
    },
    {
      name: 'equipment',
      sql: `INSERT INTO assets.equipment (organisation_id, name, category, status, serial_number, created_by, next_maintenance_at)
            SELECT $1, 'Unit ' || lpad(g::text, 6, '0'),
                   (enum_range(NULL::assets.equipment_category))[1 + g % 8],
                   (ARRAY['active','active','active','in_maintenance','retired']::assets.equipment_status[])[1 + g % 5],
                   'SN-' || $2 || '-' || g, u.id, now() + ((g % 120) - 30) * interval '1 day'
            FROM generate_series(1, ${s.equipmentPerOrganisation}) g
            JOIN ${byIndex('auth.users')} u ON u.n = g % ${s.usersPerOrganisation}`,
      params: (o) => [o.id, o.index],
    },
    {
      name: 'maintenance records',
      sql: `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date, next_maintenance, notes)
            SELECT e.id, u.id, now() - (g * 30 + e.n % 30) * interval '1 day', now() - (g * 30 + e.n % 30 - 30) * interval '1 day', 'Service ' || g
            FROM ${byIndex('assets.equipment')} e
            CROSS JOIN generate_series(1, ${s.recordsPerEquipment}) g
            JOIN ${byIndex('auth.users')} u ON u.n = (e.n + g) % ${s.usersPerOrganisation}`,
      params: (o) => [o.id],
    },
    {
      name: 'inventory items',
      sql: `INSERT INTO inventory.inventory_items (organisation_id, sku, name, location, min_qty, user_id)
            SELECT $1, 'SKU-' || lpad(g::text, 6, '0'), 'Part ' || g, 'Store ' || (g % 12), g % 25, u.id
            FROM generate_series(1, ${s.itemsPerOrganisation}) g
            JOIN ${byIndex('auth.users')} u ON u.n = g % ${s.usersPerOrganisation}`,
      params: (o) => [o.id],
    },
    {
      name: 'stock movements',
      sql: `INSERT INTO inventory.stock_movements (item_id, delta, reason, performed_by)
            SELECT i.id, CASE WHEN g = 1 THEN 20 + i.n % 80 ELSE -(1 + (i.n + g) % 9) END,
                   (CASE WHEN g = 1 THEN 'initial' ELSE 'issue' END)::inventory.stock_movement_reason, u.id
            FROM ${byIndex('inventory.inventory_items')} i
            CROSS JOIN generate_series(1, ${s.movementsPerItem}) g
            JOIN ${byIndex('auth.users')} u ON u.n = (i.n + g) % ${s.usersPerOrganisation}
            ORDER BY i.id, g`,
      params: (o) => [o.id],
    },
    {
      name: 'suppliers',
      sql: `INSERT INTO procurement.suppliers (organisation_id, name, email)
            SELECT $1, 'Supplier ' || g, 'orders@supplier' || g || '.bench.example' FROM generate_series(1, ${s.suppliersPerOrganisation}) g`,
      params: (o) => [o.id],
    },
    {
      name: 'purchase orders',
      sql: `INSERT INTO procurement.purchase_orders (organisation_id, number, status, supplier_id, created_by, ordered_at, submitted_at, approved_at, received_at, cancelled_at)
            SELECT $1, 'PO-' || lpad(g::text, 6, '0'), st.status, sp.id, u.id, now() - g * interval '1 hour',
                   CASE WHEN st.status IN ('submitted','approved','received') THEN now() - g * interval '1 hour' END,
                   CASE WHEN st.status IN ('approved','received') THEN now() - g * interval '1 hour' END,
                   CASE WHEN st.status = 'received' THEN now() - g * interval '1 hour' END,
                   CASE WHEN st.status = 'cancelled' THEN now() - g * interval '1 hour' END
            FROM generate_series(1, ${s.ordersPerOrganisation}) g
            CROSS JOIN LATERAL (SELECT (ARRAY['draft','submitted','approved','received','received','cancelled']::procurement.purchase_order_status[])[1 + g % 6] AS status) st
            JOIN ${byIndex('procurement.suppliers')} sp ON sp.n = g % ${s.suppliersPerOrganisation}
            JOIN ${byIndex('auth.users')} u ON u.n = g % ${s.usersPerOrganisation}`,
      params: (o) => [o.id],
    },
    {
      name: 'purchase order lines',
      sql: `INSERT INTO procurement.purchase_order_lines (purchase_order_id, position, item_id, quantity, unit_price)
            SELECT p.id, g, i.id, 1 + (p.n + g) % 20, ((p.n * 7 + g * 13) % 5000) / 100.0
            FROM ${byIndex('procurement.purchase_orders')} p
            CROSS JOIN generate_series(1, ${s.linesPerOrder}) g
            JOIN ${byIndex('inventory.inventory_items')} i ON i.n = (p.n * ${s.linesPerOrder} + g) % ${s.itemsPerOrganisation}`,
      params: (o) => [o.id],
    },
    {
      name: 'batches',
      sql: `INSERT INTO procurement.batches (organisation_id, item_id, code, quantity, received_at)
            SELECT $1, l.item_id, p.number || '-' || l.position, l.quantity, p.received_at
            FROM procurement.purchase_orders p JOIN procurement.purchase_order_lines l ON l.purchase_order_id = p.id
            WHERE p.organisation_id = $1 AND p.status = 'received'`,
      params: (o) => [o.id],
    },
    {
      name: 'batch creation events',
      sql: `INSERT INTO procurement.batch_creation_events (batch_id, purchase_order_id, purchase_order_line_id)
            SELECT b.id, p.id, l.id
            FROM procurement.purchase_orders p
            JOIN procurement.purchase_order_lines l ON l.purchase_order_id = p.id
            JOIN procurement.batches b ON b.organisation_id = p.organisation_id AND b.code = p.number || '-' || l.position
            WHERE p.organisation_id = $1 AND p.status = 'received'`,
      params: (o) => [o.id],
    },
    {
      name: 'receipt movements',
      sql: `INSERT INTO inventory.stock_movements (item_id, delta, reason, batch_id, purchase_order_id, performed_by)
            SELECT b.item_id, b.quantity, 'receipt', b.id, ev.purchase_order_id, p.created_by
            FROM procurement.batch_creation_events ev
            JOIN procurement.batches b ON b.id = ev.batch_id
            JOIN procurement.purchase_orders p ON p.id = ev.purchase_order_id
            WHERE b.organisation_id = $1
            ORDER BY b.item_id, b.id`,
      params: (o) => [o.id],
    },
    {
      // Every user's shifts on the weekdays of the whole weeks the benchmark's timesheet month
      // touches, in the organisation's local time: 7:00 to 7:30 in, 8 to 10 hours long, and on
      // Fridays a fifth of the users (the benchmark's admin among them) work a late shift that ends
      // after midnight.
      name: 'time entries',
      timeclock: true,
      sql: `INSERT INTO timeclock.time_entries (organisation_id, user_id, clock_in, clock_out, source)
            SELECT $1, u.id, (d + start) AT TIME ZONE o.time_zone,
                   (d + start + interval '8 hours' + ((u.n + g) % 3) * interval '1 hour') AT TIME ZONE o.time_zone,
                   (ARRAY['web','mobile','kiosk']::timeclock.time_entry_source[])[1 + (u.n + g) % 3]
            FROM ${byIndex('auth.users')} u
            JOIN auth.organisations o ON o.id = $1
            CROSS JOIN generate_series(0, date_trunc('week', $3::date)::date + 6 - date_trunc('week', $2::date)::date) g
            CROSS JOIN LATERAL (SELECT date_trunc('week', $2::date)::timestamp + g * interval '1 day' AS d) day
            CROSS JOIN LATERAL (
              SELECT CASE WHEN extract(isodow FROM d) = 5 AND u.n % 5 = 0 THEN interval '17 hours'
                          ELSE interval '7 hours' + (u.n % 2) * interval '30 minutes' END AS start) shift
            WHERE extract(isodow FROM d) < 6
            ORDER BY u.id, g`,
      params: (o) => [o.id, TIMESHEET_MONTH.from, TIMESHEET_MONTH.to],
    },
    {
      name: 'time breaks',
      timeclock: true,
      sql: `INSERT INTO timeclock.time_breaks (entry_id, started_at, ended_at)
            SELECT e.id, e.clock_in + interval '4 hours', e.clock_in + interval '4 hours 30 minutes'
            FROM timeclock.time_entries e WHERE e.organisation_id = $1
            ORDER BY e.id`,
      params: (o) => [o.id],
    },
  ];
}

function bar(done: number, total: number, width = 30): string {
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export type GenerateReport = { rows: number; seconds: number; perStep: Record<string, number> };

/**
 * Fills a migrated database with the benchmark dataset; prints progress and rows per second. With
 * `timeclockOnly`, adds the time entries to a dataset generated before it had them (its
 * organisations moved to the time zone a new dataset has).
 */
export async function generate(
  url: string,
  scale: Scale,
  log: (line: string) => void = (line) => process.stdout.write(line),
  { timeclockOnly = false } = {},
): Promise<GenerateReport> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = Date.now();
  const perStep: Record<string, number> = {};
  try {
    const passwordHash = await hashPassword(BENCH_PASSWORD);
    // One transaction: a generation that fails leaves nothing behind.
    await client.query('BEGIN');
    // Away from UTC, so that a timesheet's local days differ from UTC's.
    const inserted = await client.query<{ id: string }>(
      timeclockOnly
        ? `UPDATE auth.organisations SET time_zone = 'Europe/Berlin' RETURNING id`
        : `INSERT INTO auth.organisations (name, time_zone) SELECT 'Bench Organisation ' || g, 'Europe/Berlin' FROM generate_series(1, $1) g RETURNING id`,
      timeclockOnly ? [] : [scale.organisations],
    );
    const organisations: Organisation[] = inserted.rows.map(({ id }, index) => ({ id, index: index + 1 }));
    if (!timeclockOnly) perStep.organisations = organisations.length;
    const plan = steps(scale, passwordHash).filter((step) => !timeclockOnly || step.timeclock);
    const units = plan.length * organisations.length;
    let done = 0;
    for (const step of plan) {
      const stepStarted = Date.now();
      let rows = 0;
      for (const organisation of organisations) {
        const result = await client.query(step.sql, step.params?.(organisation));
        rows += result.rowCount ?? 0;
        done += 1;
        const seconds = (Date.now() - stepStarted) / 1000;
        log(
          `\r${bar(done, units)} ${step.name.padEnd(22)} ${String(rows).padStart(9)} rows ${Math.round(rows / Math.max(seconds, 0.001)).toLocaleString('en')}/s   `,
        );
      }
      perStep[step.name] = rows;
      log('\n');
    }
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
  const seconds = (Date.now() - started) / 1000;
  const rows = Object.values(perStep).reduce((sum, n) => sum + n, 0);
  log(
    `${rows.toLocaleString('en')} rows in ${seconds.toFixed(1)} s: ${Math.round(rows / seconds).toLocaleString('en')} rows/s\n`,
  );
  return { rows, seconds, perStep };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const name = process.argv[2] ?? 'small';
  const url = process.env.DATABASE_URL;
  if (!(name in scales) || !url) {
    console.error(
      `usage: DATABASE_URL=postgresql://… tsx bench/generate.ts [${Object.keys(scales).join('|')}] (into a migrated database)`,
    );
    process.exit(1);
  }
  await generate(url, scales[name as keyof typeof scales]);
}
