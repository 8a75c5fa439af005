import { beforeAll, describe, expect, it } from 'vitest';
import { openOrder } from '../src/modules/purchasing/rules.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo } from './helpers/graphql.js';
import * as fixtures from './helpers/fixtures.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
  // Rows at each edge of each rule: retired, deleted, undated, due later; at, below and above a minimum.
  const past = new Date(Date.now() - 86_400_000);
  const future = new Date(Date.now() + 86_400_000);
  for (const [status, next, deleted] of [
    ['retired', past, null],
    ['active', past, new Date()],
    ['in_maintenance', past, null],
    ['active', null, null],
    ['active', future, null],
  ] as const) {
    const id = await fixtures.equipment(database, people.organisationId, null);
    await database.sql(
      'UPDATE assets.equipment SET status = $2::assets.equipment_status, next_maintenance_at = $3, deleted_at = $4 WHERE id = $1',
      [id, status, next, deleted],
    );
  }
  for (const qty of [1, 2, 3]) {
    const item = await fixtures.inventoryItem(database, people.organisationId);
    await database.sql(`INSERT INTO inventory.stock_movements (item_id, delta, reason) VALUES ($1, $2, 'initial')`, [
      item,
      qty,
    ]);
  }
});

const pages = (list: string, fields: string, filter = '') =>
  `{ ${list}(first: 100${filter}) { totalCount edges { node { ${fields} } } } }`;

describe('each domain rule has one answer, whichever form reads it', () => {
  it('overdue: the filter, the derived field and the summary count agree', async () => {
    const all = await data(pages('equipment', 'isOverdue'), {}, { as: people.admin });
    const filtered = await data(
      pages('equipment', 'isOverdue', ', filter: { overdue: true }'),
      {},
      { as: people.admin },
    );
    const rest = await data(pages('equipment', 'isOverdue', ', filter: { overdue: false }'), {}, { as: people.admin });
    const summary = await data('{ organisation { summary { overdueEquipmentCount } } }', {}, { as: people.admin });
    const derived = all.equipment.edges.filter(({ node }: { node: { isOverdue: boolean } }) => node.isOverdue).length;
    expect(derived).toBeGreaterThan(0);
    expect(filtered.equipment.totalCount).toBe(derived);
    expect(filtered.equipment.edges.every(({ node }: { node: { isOverdue: boolean } }) => node.isOverdue)).toBe(true);
    expect(rest.equipment.edges.some(({ node }: { node: { isOverdue: boolean } }) => node.isOverdue)).toBe(false);
    expect(filtered.equipment.totalCount + rest.equipment.totalCount).toBe(all.equipment.totalCount);
    expect(summary.organisation.summary.overdueEquipmentCount).toBe(derived);
  });

  it('low stock: the filter, the derived field and the summary count agree', async () => {
    const all = await data(pages('inventoryItems', 'isLowStock'), {}, { as: people.admin });
    const filtered = await data(
      pages('inventoryItems', 'isLowStock', ', filter: { lowStock: true }'),
      {},
      {
        as: people.admin,
      },
    );
    const summary = await data('{ organisation { summary { lowStockItemCount } } }', {}, { as: people.admin });
    const derived = all.inventoryItems.edges.filter(({ node }: { node: { isLowStock: boolean } }) => node.isLowStock);
    expect(derived.length).toBeGreaterThan(0);
    expect(filtered.inventoryItems.totalCount).toBe(derived.length);
    expect(summary.organisation.summary.lowStockItemCount).toBe(derived.length);
  });

  it('open order: the summary count is the orders the rule matches', async () => {
    const orders = await data(pages('purchaseOrders', 'status'), {}, { as: people.admin });
    const summary = await data('{ organisation { summary { openPurchaseOrderCount } } }', {}, { as: people.admin });
    const open = orders.purchaseOrders.edges.filter(({ node }: { node: { status: never } }) => openOrder.matches(node));
    expect(open.length).toBeGreaterThan(0);
    expect(open.length).toBeLessThan(orders.purchaseOrders.totalCount);
    expect(summary.organisation.summary.openPurchaseOrderCount).toBe(open.length);
  });
});
