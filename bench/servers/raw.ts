import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pg from 'pg';
import { TIMESHEET_MONTH, type OperationName } from '../operations.js';

// The timesheet's local days as OpsGraph counts them (timeclock.timesheet.ts), and its default
// overtime thresholds: 8 hours a day, 40 a week.
const { from, to } = TIMESHEET_MONTH;
const daySeconds = 8 * 3600;
const weekSeconds = 40 * 3600;

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** One hand-written statement per operation, building the response JSON in PostgreSQL. */
const statements: Record<OperationName, string> = {
  dashboard: `
    SELECT json_build_object(
      'organisation', json_build_object('summary', json_build_object(
        'equipmentCount', (SELECT count(*) FROM assets.equipment WHERE organisation_id = $1 AND deleted_at IS NULL),
        'overdueEquipmentCount', (SELECT count(*) FROM assets.equipment WHERE organisation_id = $1 AND deleted_at IS NULL AND status <> 'retired' AND next_maintenance_at < now()),
        'lowStockItemCount', (SELECT count(*) FROM inventory.inventory_items WHERE organisation_id = $1 AND deleted_at IS NULL AND qty <= min_qty),
        'openPurchaseOrderCount', (SELECT count(*) FROM procurement.purchase_orders WHERE organisation_id = $1 AND status IN ('draft', 'submitted', 'approved')))),
      'overdue', json_build_object('edges', coalesce((SELECT json_agg(json_build_object('node', json_build_object('name', name, 'nextMaintenanceAt', ${iso('next_maintenance_at')})) ORDER BY next_maintenance_at, id)
         FROM (SELECT * FROM assets.equipment WHERE organisation_id = $1 AND deleted_at IS NULL AND status <> 'retired' AND next_maintenance_at < now()
               ORDER BY next_maintenance_at, id LIMIT 10) e), '[]')),
      'lowStock', json_build_object('edges', coalesce((SELECT json_agg(json_build_object('node', json_build_object('sku', sku, 'qty', qty, 'minQty', min_qty)) ORDER BY sku, id)
         FROM (SELECT * FROM inventory.inventory_items WHERE organisation_id = $1 AND deleted_at IS NULL AND qty <= min_qty ORDER BY sku, id LIMIT 10) i), '[]'))) AS data`,
  deepList: `
    SELECT json_build_object('equipment', json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object(
      'name', e.name,
      'maintenanceRecords', json_build_object('edges', (
        SELECT coalesce(json_agg(json_build_object('node', json_build_object(
          'maintenanceDate', ${iso('m.maintenance_date')},
          'performedBy', json_build_object('name', u.name, 'roles', (
            SELECT coalesce(json_agg(json_build_object('name', upper(r.name::text)) ORDER BY ur.assigned_at), '[]')
            FROM auth.user_roles ur JOIN auth.roles r ON r.id = ur.role_id WHERE ur.user_id = u.id))))
          ORDER BY m.maintenance_date DESC, m.id DESC), '[]')
        FROM (SELECT * FROM assets.maintenance_records WHERE equipment_id = e.id ORDER BY maintenance_date DESC, id DESC LIMIT 10) m
        JOIN auth.users u ON u.id = m.performed_by))))
      ORDER BY e.name, e.id), '[]'))) AS data
    FROM (SELECT * FROM assets.equipment WHERE organisation_id = $1 AND deleted_at IS NULL ORDER BY name, id LIMIT 20) e`,
  filteredPage: `
    SELECT json_build_object('equipment', json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object(
      'name', e.name, 'serialNumber', e.serial_number, 'status', upper(e.status::text))) ORDER BY e.name, e.id), '[]'))) AS data
    FROM (SELECT * FROM assets.equipment
          WHERE organisation_id = $1 AND deleted_at IS NULL AND status = 'active'
            AND (name, id) > (SELECT name, id FROM assets.equipment WHERE id = $2::uuid)
          ORDER BY name, id LIMIT 20) e`,
  nodeLookup: `
    SELECT json_build_object('node', (SELECT json_build_object('name', name, 'serialNumber', serial_number, 'status', upper(status::text))
      FROM assets.equipment WHERE id = $2::uuid AND organisation_id = $1)) AS data`,
  adjustStock: `
    WITH moved AS (
      INSERT INTO inventory.stock_movements (item_id, delta, reason)
      SELECT id, 1, 'adjustment' FROM inventory.inventory_items WHERE id = $2::uuid AND organisation_id = $1
      RETURNING item_id)
    SELECT json_build_object('adjustStock', json_build_object('inventoryItem', json_build_object('sku', i.sku))) AS data
    FROM moved JOIN inventory.inventory_items i ON i.id = moved.item_id`,
  timesheet: `
    WITH person AS (
      SELECT u.id, o.time_zone AS tz FROM auth.users u JOIN auth.organisations o ON o.id = u.organisation_id
      WHERE u.id = $2::uuid AND u.organisation_id = $1
    ), days AS (
      SELECT d::date AS day, d AT TIME ZONE p.tz AS starts, (d + interval '1 day') AT TIME ZONE p.tz AS ends
      FROM person p, generate_series(date_trunc('week', '${from}'::date)::timestamp,
                                     date_trunc('week', '${to}'::date)::timestamp + interval '6 days', interval '1 day') d
    ), entries AS (
      SELECT e.id, e.clock_in, COALESCE(e.clock_out, GREATEST(now(), e.clock_in)) AS clock_out
      FROM timeclock.time_entries e JOIN person p ON p.id = e.user_id
      WHERE e.clock_in < (SELECT max(ends) FROM days) AND COALESCE(e.clock_out, 'infinity') > (SELECT min(starts) FROM days)
    ), spans AS (
      SELECT clock_in AS starts, clock_out AS ends, 1 AS sign FROM entries
      UNION ALL
      SELECT b.started_at, LEAST(COALESCE(b.ended_at, e.clock_out), e.clock_out), -1
      FROM entries e JOIN timeclock.time_breaks b ON b.entry_id = e.id
    ), totals AS (
      SELECT d.day,
        COALESCE(sum(EXTRACT(epoch FROM LEAST(s.ends, d.ends) - GREATEST(s.starts, d.starts))) FILTER (WHERE s.sign = 1), 0)::int AS gross,
        COALESCE(sum(EXTRACT(epoch FROM LEAST(s.ends, d.ends) - GREATEST(s.starts, d.starts))) FILTER (WHERE s.sign = -1), 0)::int AS breaks
      FROM days d LEFT JOIN spans s ON s.ends > s.starts AND s.starts < d.ends AND s.ends > d.starts
      GROUP BY d.day
    ), worked AS (
      SELECT t.day, t.gross - t.breaks AS worked, t.breaks,
        EXISTS (SELECT 1 FROM timeclock.timesheet_approvals a JOIN person p ON p.id = a.user_id
                WHERE t.day BETWEEN a.from_date AND a.to_date) AS approved
      FROM totals t
    ), month AS (SELECT * FROM worked WHERE day BETWEEN '${from}' AND '${to}')
    SELECT json_build_object('timesheet', (SELECT json_build_object(
      'timeZone', p.tz,
      'workedSeconds', (SELECT sum(worked) FROM month),
      'breakSeconds', (SELECT sum(breaks) FROM month),
      'days', (SELECT json_agg(json_build_object('date', day::text, 'workedSeconds', worked, 'breakSeconds', breaks,
                 'overtimeSeconds', GREATEST(0, worked - ${daySeconds}), 'approved', approved) ORDER BY day) FROM month),
      'weeks', (SELECT json_agg(json_build_object('startDate', monday::text, 'endDate', (monday + 6)::text,
                  'workedSeconds', worked, 'overtimeSeconds', GREATEST(0, worked - ${weekSeconds})) ORDER BY monday)
                FROM (SELECT date_trunc('week', day)::date AS monday, sum(worked) AS worked FROM worked GROUP BY 1) w)
    ) FROM person p)) AS data`,
};

/** The variable each operation takes: a Relay global id or a cursor, both base64. */
const argumentOf: Partial<Record<OperationName, string>> = {
  filteredPage: 'after',
  nodeLookup: 'id',
  adjustStock: 'itemId',
  timesheet: 'userId',
};

/** The id inside a Relay global id ("Equipment:<uuid>", base64), or a cursor's last part. */
function innerId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const decoded = Buffer.from(value, 'base64').toString();
  return decoded.slice(decoded.lastIndexOf(':') + 1);
}

/**
 * The practical ceiling: plain node:http and pg, one statement per request. It reads the
 * operation's name from a GraphQL request body and answers with the same data OpsGraph does.
 */
export function createRawServer(
  databaseUrl: string,
  organisationId: string,
  { poolSize = 10 } = {},
): Server & { pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    try {
      let body = '';
      for await (const chunk of request) body += chunk;
      const { operationName, variables = {} } = JSON.parse(body) as {
        operationName: OperationName;
        variables?: Record<string, unknown>;
      };
      const sql = statements[operationName];
      if (!sql) throw new Error(`unknown operation ${operationName}`);
      const argument = argumentOf[operationName];
      const second = argument ? innerId(variables[argument]) : null;
      const { rows } = await pool.query<{ data: unknown }>(sql, second ? [organisationId, second] : [organisationId]);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ data: rows[0]?.data ?? null }));
    } catch (error) {
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
    }
  };
  const server = createServer((request, response) => void answer(request, response));
  return Object.assign(server, { pool });
}
