import type { TestDatabase } from './database.js';

let sequence = 0;
const next = () => ++sequence;

/** Inserts the smallest valid rows the constraint tests build on, returning their ids. */
export async function organisationWithPeople({ sql }: TestDatabase) {
  const n = next();
  const [org] = await sql<{ id: string }>(`INSERT INTO auth.organisations (name) VALUES ($1) RETURNING id`, [
    `Org ${n}`,
  ]);
  const [user] = await sql<{ id: string }>(
    `INSERT INTO auth.users (organisation_id, email, password_hash, name)
     VALUES ($1, $2, 'x', 'Test User') RETURNING id`,
    [org!.id, `user${n}@example.com`],
  );
  return { organisationId: org!.id, userId: user!.id };
}

export async function equipment(database: TestDatabase, organisationId: string, userId: string | null) {
  const [row] = await database.sql<{ id: string }>(
    `INSERT INTO assets.equipment (organisation_id, name, category, serial_number, created_by)
     VALUES ($1, 'Drill', 'power_tool', $2, $3) RETURNING id`,
    [organisationId, `SN-${next()}`, userId],
  );
  return row!.id;
}

export async function inventoryItem(database: TestDatabase, organisationId: string) {
  const [row] = await database.sql<{ id: string }>(
    `INSERT INTO inventory.inventory_items (organisation_id, sku, name, location, min_qty)
     VALUES ($1, $2, 'Gloves', 'A1', 2) RETURNING id`,
    [organisationId, `SKU-${next()}`],
  );
  return row!.id;
}

export async function supplier(database: TestDatabase, organisationId: string) {
  const [row] = await database.sql<{ id: string }>(
    `INSERT INTO procurement.suppliers (organisation_id, name) VALUES ($1, $2) RETURNING id`,
    [organisationId, `Supplier ${next()}`],
  );
  return row!.id;
}

export async function purchaseOrder(database: TestDatabase, organisationId: string, userId: string) {
  const supplierId = await supplier(database, organisationId);
  const [row] = await database.sql<{ id: string }>(
    `INSERT INTO procurement.purchase_orders (organisation_id, number, supplier_id, created_by)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [organisationId, `PO-${next()}`, supplierId, userId],
  );
  return { purchaseOrderId: row!.id, supplierId };
}

export async function orderLine(database: TestDatabase, purchaseOrderId: string, itemId: string, quantity = 1) {
  const [row] = await database.sql<{ id: string }>(
    `INSERT INTO procurement.purchase_order_lines (purchase_order_id, position, item_id, quantity, unit_price)
     VALUES ($1, (SELECT count(*) + 1 FROM procurement.purchase_order_lines WHERE purchase_order_id = $1), $2, $3, 1)
     RETURNING id`,
    [purchaseOrderId, itemId, quantity],
  );
  return row!.id;
}

/** The SQLSTATE and constraint name a failing statement reports. */
export async function violation(statement: Promise<unknown>): Promise<{ code: string; constraint?: string }> {
  try {
    await statement;
  } catch (error) {
    const { code, constraint } = error as { code: string; constraint?: string };
    return { code, constraint };
  }
  throw new Error('the statement succeeded, but a constraint should have rejected it');
}
