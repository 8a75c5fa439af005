import { describe, expect, it } from 'vitest';
import { useTestDatabase } from './helpers/database.js';
import {
  equipment,
  inventoryItem,
  orderLine,
  organisationWithPeople,
  purchaseOrder,
  supplier,
  violation,
} from './helpers/fixtures.js';

const database = useTestDatabase();
const { sql } = database;

const CHECK = '23514';
const UNIQUE = '23505';
const FOREIGN_KEY = '23503';
// PostgreSQL 15 reports a RESTRICT refusal as a foreign key violation, PGlite's 17 as its own code.
const RESTRICT = expect.stringMatching(/^(23001|23503)$/);

describe('CHECK constraints', () => {
  it('rejects maintenance whose next date is not after its own date', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    const equipmentId = await equipment(database, organisationId, userId);
    const insert = (next: string) =>
      sql(
        `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date, next_maintenance)
         VALUES ($1, $2, '2026-03-01T10:00:00Z', $3)`,
        [equipmentId, userId, next],
      );
    expect(await violation(insert('2026-03-01T10:00:00Z'))).toEqual({
      code: CHECK,
      constraint: 'maintenance_records_next_after_date',
    });
    expect(await violation(insert('2026-02-01T10:00:00Z'))).toMatchObject({ code: CHECK });
    await insert('2026-03-01T10:00:01Z');
    const rows = await sql(`SELECT 1 FROM assets.maintenance_records WHERE equipment_id = $1`, [equipmentId]);
    expect(rows).toHaveLength(1);
  });

  it('rejects a negative minimum quantity and a blank SKU', async () => {
    const { organisationId } = await organisationWithPeople(database);
    const itemId = await inventoryItem(database, organisationId);
    expect(await violation(sql(`UPDATE inventory.inventory_items SET min_qty = -1 WHERE id = $1`, [itemId]))).toEqual({
      code: CHECK,
      constraint: 'inventory_items_min_qty_non_negative',
    });
    expect(await violation(sql(`UPDATE inventory.inventory_items SET sku = '  ' WHERE id = $1`, [itemId]))).toEqual({
      code: CHECK,
      constraint: 'inventory_items_sku_not_blank',
    });
  });

  it('rejects purchase order lines without a positive quantity or with a negative price', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    const { purchaseOrderId } = await purchaseOrder(database, organisationId, userId);
    const itemId = await inventoryItem(database, organisationId);
    let position = 0;
    const line = (quantity: number, price: string) =>
      sql(
        `INSERT INTO procurement.purchase_order_lines (purchase_order_id, position, item_id, quantity, unit_price)
         VALUES ($1, $2, $3, $4, $5)`,
        [purchaseOrderId, ++position, itemId, quantity, price],
      );
    expect(await violation(line(0, '1.00'))).toEqual({
      code: CHECK,
      constraint: 'purchase_order_lines_quantity_positive',
    });
    expect(await violation(line(-3, '1.00'))).toMatchObject({ code: CHECK });
    expect(await violation(line(1, '-0.01'))).toEqual({
      code: CHECK,
      constraint: 'purchase_order_lines_unit_price_non_negative',
    });
    await line(1, '0.00');
  });

  it('rejects a batch without a positive quantity and a zero stock movement', async () => {
    const { organisationId } = await organisationWithPeople(database);
    const itemId = await inventoryItem(database, organisationId);
    expect(
      await violation(
        sql(`INSERT INTO procurement.batches (organisation_id, item_id, code, quantity) VALUES ($1, $2, 'B-1', 0)`, [
          organisationId,
          itemId,
        ]),
      ),
    ).toEqual({ code: CHECK, constraint: 'batches_quantity_positive' });
    expect(
      await violation(
        sql(`INSERT INTO inventory.stock_movements (item_id, delta, reason) VALUES ($1, 0, 'adjustment')`, [itemId]),
      ),
    ).toEqual({ code: CHECK, constraint: 'stock_movements_delta_non_zero' });
  });

  it('rejects blank names and malformed emails', async () => {
    const { organisationId } = await organisationWithPeople(database);
    expect(await violation(sql(`INSERT INTO auth.organisations (name) VALUES (' ')`))).toEqual({
      code: CHECK,
      constraint: 'organisations_name_not_blank',
    });
    expect(
      await violation(
        sql(
          `INSERT INTO auth.users (organisation_id, email, password_hash, name) VALUES ($1, 'not-an-email', 'x', 'N')`,
          [organisationId],
        ),
      ),
    ).toEqual({ code: CHECK, constraint: 'users_email_format' });
  });
});

describe('the stock ledger', () => {
  it('applies each movement to qty, so the movements always sum to it', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    const itemId = await inventoryItem(database, organisationId);
    for (const delta of [10, -4, 7, -13]) {
      await sql(
        `INSERT INTO inventory.stock_movements (item_id, delta, reason, performed_by) VALUES ($1, $2, 'adjustment', $3)`,
        [itemId, delta, userId],
      );
    }
    const [row] = await sql<{ qty: number; ledger: string }>(
      `SELECT qty, (SELECT sum(delta) FROM inventory.stock_movements WHERE item_id = i.id) AS ledger
       FROM inventory.inventory_items i WHERE id = $1`,
      [itemId],
    );
    expect(row).toEqual({ qty: 0, ledger: '0' });
  });

  it('rejects a movement that would take stock below zero, and keeps the previous qty', async () => {
    const { organisationId } = await organisationWithPeople(database);
    const itemId = await inventoryItem(database, organisationId);
    await sql(`INSERT INTO inventory.stock_movements (item_id, delta, reason) VALUES ($1, 3, 'initial')`, [itemId]);
    expect(
      await violation(
        sql(`INSERT INTO inventory.stock_movements (item_id, delta, reason) VALUES ($1, -4, 'issue')`, [itemId]),
      ),
    ).toEqual({ code: CHECK, constraint: 'inventory_items_qty_non_negative' });
    const movements = await sql(`SELECT delta FROM inventory.stock_movements WHERE item_id = $1`, [itemId]);
    const [item] = await sql<{ qty: number }>(`SELECT qty FROM inventory.inventory_items WHERE id = $1`, [itemId]);
    expect(movements).toEqual([{ delta: 3 }]);
    expect(item!.qty).toBe(3);
  });

  it('refuses to change qty or create stock except through a movement', async () => {
    const { organisationId } = await organisationWithPeople(database);
    const itemId = await inventoryItem(database, organisationId);
    expect(await violation(sql(`UPDATE inventory.inventory_items SET qty = 5 WHERE id = $1`, [itemId]))).toEqual({
      code: CHECK,
      constraint: 'inventory_items_qty_from_ledger',
    });
    expect(
      await violation(
        sql(
          `INSERT INTO inventory.inventory_items (organisation_id, sku, name, location, qty) VALUES ($1, 'S-Q', 'N', 'L', 5)`,
          [organisationId],
        ),
      ),
    ).toEqual({ code: CHECK, constraint: 'inventory_items_qty_from_ledger' });
    await sql(`UPDATE inventory.inventory_items SET name = 'Renamed', min_qty = 9 WHERE id = $1`, [itemId]);
  });

  it('keeps movements immutable, but lets an item be deleted with its ledger', async () => {
    const { organisationId } = await organisationWithPeople(database);
    const itemId = await inventoryItem(database, organisationId);
    const [movement] = await sql<{ id: string }>(
      `INSERT INTO inventory.stock_movements (item_id, delta, reason) VALUES ($1, 2, 'initial') RETURNING id`,
      [itemId],
    );
    expect(
      await violation(sql(`UPDATE inventory.stock_movements SET delta = 9 WHERE id = $1`, [movement!.id])),
    ).toEqual({
      code: CHECK,
      constraint: 'stock_movements_immutable',
    });
    expect(await violation(sql(`DELETE FROM inventory.stock_movements WHERE id = $1`, [movement!.id]))).toEqual({
      code: CHECK,
      constraint: 'stock_movements_immutable',
    });
    await sql(`UPDATE inventory.stock_movements SET note = 'counted twice' WHERE id = $1`, [movement!.id]);
    await sql(`DELETE FROM inventory.inventory_items WHERE id = $1`, [itemId]);
    expect(await sql(`SELECT 1 FROM inventory.stock_movements WHERE id = $1`, [movement!.id])).toHaveLength(0);
  });
});

describe('unique constraints', () => {
  it('treats emails case-insensitively', async () => {
    const { organisationId } = await organisationWithPeople(database);
    const insert = (email: string) =>
      sql(`INSERT INTO auth.users (organisation_id, email, password_hash, name) VALUES ($1, $2, 'x', 'N')`, [
        organisationId,
        email,
      ]);
    await insert('Grace.Hopper@Example.com');
    expect(await violation(insert('grace.hopper@example.COM'))).toEqual({
      code: UNIQUE,
      constraint: 'users_email_key',
    });
    const found = await sql(`SELECT email FROM auth.users WHERE email = 'GRACE.HOPPER@EXAMPLE.COM'`);
    expect(found).toEqual([{ email: 'Grace.Hopper@Example.com' }]);
  });

  it('makes SKU, serial number, PO number and batch code unique per organisation only', async () => {
    const a = await organisationWithPeople(database);
    const b = await organisationWithPeople(database);
    const item = (org: string) =>
      sql(
        `INSERT INTO inventory.inventory_items (organisation_id, sku, name, location) VALUES ($1, 'SKU-SHARED', 'N', 'L')`,
        [org],
      );
    const unit = (org: string) =>
      sql(
        `INSERT INTO assets.equipment (organisation_id, name, category, serial_number) VALUES ($1, 'N', 'other', 'SN-SHARED')`,
        [org],
      );
    const order = async (org: string, user: string) =>
      sql(
        `INSERT INTO procurement.purchase_orders (organisation_id, number, supplier_id, created_by) VALUES ($1, 'PO-SHARED', $2, $3)`,
        [org, await supplier(database, org), user],
      );
    for (const { organisationId, userId } of [a, b]) {
      await item(organisationId);
      await unit(organisationId);
      await order(organisationId, userId);
    }
    expect(await violation(item(a.organisationId))).toEqual({
      code: UNIQUE,
      constraint: 'inventory_items_organisation_id_sku_key',
    });
    expect(await violation(unit(a.organisationId))).toEqual({
      code: UNIQUE,
      constraint: 'equipment_organisation_id_serial_number_key',
    });
    expect(await violation(order(b.organisationId, b.userId))).toEqual({
      code: UNIQUE,
      constraint: 'purchase_orders_organisation_id_number_key',
    });
  });

  it('records at most one creation event per batch and per purchase order line', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    const { purchaseOrderId } = await purchaseOrder(database, organisationId, userId);
    const itemId = await inventoryItem(database, organisationId);
    const lineId = await orderLine(database, purchaseOrderId, itemId, 5);
    const batch = async (code: string) =>
      (
        await sql<{ id: string }>(
          `INSERT INTO procurement.batches (organisation_id, item_id, code, quantity) VALUES ($1, $2, $3, 5) RETURNING id`,
          [organisationId, itemId, code],
        )
      )[0]!.id;
    const event = (batchId: string) =>
      sql(
        `INSERT INTO procurement.batch_creation_events (batch_id, purchase_order_id, purchase_order_line_id) VALUES ($1, $2, $3)`,
        [batchId, purchaseOrderId, lineId],
      );
    const first = await batch('B-A');
    await event(first);
    expect(await violation(event(first))).toMatchObject({ code: UNIQUE });
    expect(await violation(event(await batch('B-B')))).toEqual({
      code: UNIQUE,
      constraint: 'batch_creation_events_purchase_order_line_id_key',
    });
  });
});

describe('deletes', () => {
  it('cascades from equipment to its maintenance records', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    const equipmentId = await equipment(database, organisationId, userId);
    await sql(
      `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date) VALUES ($1, $2, now())`,
      [equipmentId, userId],
    );
    await sql(`DELETE FROM assets.equipment WHERE id = $1`, [equipmentId]);
    expect(await sql(`SELECT 1 FROM assets.maintenance_records WHERE equipment_id = $1`, [equipmentId])).toHaveLength(
      0,
    );
  });

  it('refuses to delete a user who has history, so they are deactivated instead', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    const equipmentId = await equipment(database, organisationId, null);
    await sql(
      `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date) VALUES ($1, $2, now())`,
      [equipmentId, userId],
    );
    expect(await violation(sql(`DELETE FROM auth.users WHERE id = $1`, [userId]))).toEqual({
      code: FOREIGN_KEY,
      constraint: 'maintenance_records_performed_by_fkey',
    });
    const creator = await organisationWithPeople(database);
    await equipment(database, creator.organisationId, creator.userId);
    expect(await violation(sql(`DELETE FROM auth.users WHERE id = $1`, [creator.userId]))).toEqual({
      code: FOREIGN_KEY,
      constraint: 'equipment_created_by_fkey',
    });
  });

  it('removes a user’s sessions and roles with the user, and clears them as responsible user', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    const itemId = await inventoryItem(database, organisationId);
    await sql(`UPDATE inventory.inventory_items SET user_id = $1 WHERE id = $2`, [userId, itemId]);
    await sql(
      `INSERT INTO auth.sessions (user_id, refresh_token_hash, expires_at) VALUES ($1, 'h', now() + interval '1 day')`,
      [userId],
    );
    await sql(`INSERT INTO auth.user_roles (user_id, role_id) SELECT $1, id FROM auth.roles WHERE name = 'worker'`, [
      userId,
    ]);
    await sql(`DELETE FROM auth.users WHERE id = $1`, [userId]);
    expect(await sql(`SELECT 1 FROM auth.sessions WHERE user_id = $1`, [userId])).toHaveLength(0);
    expect(await sql(`SELECT 1 FROM auth.user_roles WHERE user_id = $1`, [userId])).toHaveLength(0);
    expect(await sql(`SELECT user_id FROM inventory.inventory_items WHERE id = $1`, [itemId])).toEqual([
      { user_id: null },
    ]);
  });

  it('refuses to delete a role still assigned, or a supplier or item a purchase order uses', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    await sql(`INSERT INTO auth.user_roles (user_id, role_id) SELECT $1, id FROM auth.roles WHERE name = 'manager'`, [
      userId,
    ]);
    expect(await violation(sql(`DELETE FROM auth.roles WHERE name = 'manager'`))).toEqual({
      code: RESTRICT,
      constraint: 'user_roles_role_id_fkey',
    });
    const { purchaseOrderId, supplierId } = await purchaseOrder(database, organisationId, userId);
    const itemId = await inventoryItem(database, organisationId);
    await orderLine(database, purchaseOrderId, itemId);
    expect(await violation(sql(`DELETE FROM procurement.suppliers WHERE id = $1`, [supplierId]))).toEqual({
      code: FOREIGN_KEY,
      constraint: 'purchase_orders_supplier_id_fkey',
    });
    expect(await violation(sql(`DELETE FROM inventory.inventory_items WHERE id = $1`, [itemId]))).toEqual({
      code: FOREIGN_KEY,
      constraint: 'purchase_order_lines_item_id_fkey',
    });
  });

  it('keeps provenance in the event table: deleting a purchase order removes its lines and creation events, not the batch', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    const { purchaseOrderId } = await purchaseOrder(database, organisationId, userId);
    const itemId = await inventoryItem(database, organisationId);
    const lineId = await orderLine(database, purchaseOrderId, itemId, 5);
    const [batch] = await sql<{ id: string }>(
      `INSERT INTO procurement.batches (organisation_id, item_id, code, quantity) VALUES ($1, $2, 'PROV-1', 5) RETURNING id`,
      [organisationId, itemId],
    );
    await sql(
      `INSERT INTO procurement.batch_creation_events (batch_id, purchase_order_id, purchase_order_line_id) VALUES ($1, $2, $3)`,
      [batch!.id, purchaseOrderId, lineId],
    );
    const allocating = await purchaseOrder(database, organisationId, userId);
    await sql(`UPDATE procurement.purchase_orders SET batch_id = $1 WHERE id = $2`, [
      batch!.id,
      allocating.purchaseOrderId,
    ]);

    await sql(`DELETE FROM procurement.purchase_orders WHERE id = $1`, [purchaseOrderId]);
    expect(await sql(`SELECT 1 FROM procurement.batch_creation_events WHERE batch_id = $1`, [batch!.id])).toHaveLength(
      0,
    );
    expect(await sql(`SELECT 1 FROM procurement.purchase_order_lines WHERE id = $1`, [lineId])).toHaveLength(0);
    expect(await sql(`SELECT 1 FROM procurement.batches WHERE id = $1`, [batch!.id])).toHaveLength(1);

    await sql(`DELETE FROM procurement.batches WHERE id = $1`, [batch!.id]);
    expect(
      await sql(`SELECT batch_id FROM procurement.purchase_orders WHERE id = $1`, [allocating.purchaseOrderId]),
    ).toEqual([{ batch_id: null }]);
  });

  it('deletes a whole organisation with everything it owns', async () => {
    const { organisationId, userId } = await organisationWithPeople(database);
    const equipmentId = await equipment(database, organisationId, userId);
    await sql(
      `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date) VALUES ($1, $2, now())`,
      [equipmentId, userId],
    );
    const itemId = await inventoryItem(database, organisationId);
    await sql(
      `INSERT INTO inventory.stock_movements (item_id, delta, reason, performed_by) VALUES ($1, 4, 'initial', $2)`,
      [itemId, userId],
    );
    const { purchaseOrderId } = await purchaseOrder(database, organisationId, userId);
    await orderLine(database, purchaseOrderId, itemId);
    await sql(
      `INSERT INTO audit.audit_events (organisation_id, actor_id, action, entity_type, entity_id) VALUES ($1, $2, 'create', 'Equipment', $3)`,
      [organisationId, userId, equipmentId],
    );
    // Safety: a checklist, a failed inspection with its answer and its corrective action, an incident.
    const [version] = await sql<{ id: string }>(
      `WITH template AS (
         INSERT INTO safety.checklist_templates (organisation_id, category, name, interval_days)
         VALUES ($1, 'power_tool', 'Drill check', 7) RETURNING id)
       INSERT INTO safety.checklist_template_versions (template_id, number, created_by)
       SELECT id, 1, $2 FROM template RETURNING id`,
      [organisationId, userId],
    );
    const [item] = await sql<{ id: string }>(
      `INSERT INTO safety.checklist_items (version_id, position, label, kind, critical)
       VALUES ($1, 1, 'Guard on?', 'yes_no', true) RETURNING id`,
      [version!.id],
    );
    const [inspection] = await sql<{ id: string }>(
      `INSERT INTO safety.inspections (organisation_id, equipment_id, version_id, inspector_id)
       VALUES ($1, $2, $3, $4) RETURNING id`,
      [organisationId, equipmentId, version!.id, userId],
    );
    await sql(
      `INSERT INTO safety.inspection_answers (inspection_id, item_id, yes_value, failed) VALUES ($1, $2, false, true)`,
      [inspection!.id, item!.id],
    );
    await sql(`UPDATE safety.inspections SET submitted_at = now(), result = 'fail' WHERE id = $1`, [inspection!.id]);
    await sql(`UPDATE assets.equipment SET status = 'out_of_service' WHERE id = $1`, [equipmentId]);
    await sql(
      `INSERT INTO safety.corrective_actions (organisation_id, inspection_id, equipment_id, description)
       VALUES ($1, $2, $3, 'Guard missing')`,
      [organisationId, inspection!.id, equipmentId],
    );
    const [incident] = await sql<{ id: string }>(
      `INSERT INTO safety.incidents (organisation_id, kind, severity, status, description, occurred_at, equipment_id,
         reported_by, investigation_started_at, closed_at, resolution)
       VALUES ($1, 'damage', 'low', 'closed', 'Guard cracked', now(), $2, $3, now(), now(), 'Replaced') RETURNING id`,
      [organisationId, equipmentId, userId],
    );
    await sql(`INSERT INTO safety.incident_people (incident_id, user_id, involvement) VALUES ($1, $2, 'witness')`, [
      incident!.id,
      userId,
    ]);

    await sql(`DELETE FROM auth.organisations WHERE id = $1`, [organisationId]);
    const [left] = await sql<{ n: number }>(
      `SELECT (SELECT count(*) FROM auth.users WHERE organisation_id = $1)
            + (SELECT count(*) FROM assets.equipment WHERE organisation_id = $1)
            + (SELECT count(*) FROM inventory.inventory_items WHERE organisation_id = $1)
            + (SELECT count(*) FROM procurement.purchase_orders WHERE organisation_id = $1)
            + (SELECT count(*) FROM audit.audit_events WHERE organisation_id = $1)
            + (SELECT count(*) FROM safety.checklist_templates WHERE organisation_id = $1)
            + (SELECT count(*) FROM safety.inspections WHERE organisation_id = $1)
            + (SELECT count(*) FROM safety.corrective_actions WHERE organisation_id = $1)
            + (SELECT count(*) FROM safety.incidents WHERE organisation_id = $1) AS n`,
      [organisationId],
    );
    expect(Number(left!.n)).toBe(0);
  });
});

describe('the schema', () => {
  it('indexes every foreign key and leaves NO ACTION only where the organisation cascade needs it', async () => {
    const keys = await sql<{ name: string; on_delete: string; deferred: boolean; indexed: boolean }>(`
      SELECT c.conname AS name, c.confdeltype AS on_delete, c.condeferred AS deferred,
             EXISTS (
               SELECT 1 FROM pg_index i
               WHERE i.indrelid = c.conrelid
                 AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                 AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey
             ) AS indexed
      FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE c.contype = 'f' AND n.nspname IN ('auth', 'assets', 'inventory', 'procurement', 'audit', 'safety')`);
    expect(keys.length).toBeGreaterThanOrEqual(25);
    expect(keys.filter((key) => !key.indexed).map((key) => key.name)).toEqual([]);
    expect(keys.filter((key) => key.on_delete === 'a' && !key.deferred).map((key) => key.name)).toEqual([]);
    // NO ACTION ('a'), deferred, refuses a delete like RESTRICT but only at commit, so that
    // deleting an organisation can cascade to both sides of these references.
    expect(
      keys
        .filter((key) => key.on_delete === 'a' && key.deferred)
        .map((key) => key.name)
        .sort(),
    ).toEqual([
      'checklist_template_versions_created_by_fkey',
      'corrective_actions_maintenance_record_id_fkey',
      'equipment_created_by_fkey',
      'incident_people_user_id_fkey',
      'incidents_reported_by_fkey',
      'inspection_answers_item_id_fkey',
      'inspections_inspector_id_fkey',
      'inspections_version_id_fkey',
      'maintenance_records_performed_by_fkey',
      'purchase_order_lines_item_id_fkey',
      'purchase_orders_created_by_fkey',
      'purchase_orders_supplier_id_fkey',
      'stock_movements_performed_by_fkey',
    ]);
  });
});
