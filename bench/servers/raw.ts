import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pg from 'pg';
import type { OperationName } from '../operations.js';

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
};

/** The variable each operation takes: a Relay global id or a cursor, both base64. */
const argumentOf: Partial<Record<OperationName, string>> = {
  filteredPage: 'after',
  nodeLookup: 'id',
  adjustStock: 'itemId',
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
