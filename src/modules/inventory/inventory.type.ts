import { containing, searchText } from '../../lib/validation.js';
import { builder } from '../../builder.js';
import { lowStock } from './rules.js';
import { db, primary } from '../../db.js';
import { eventOf, liveEvents } from '../live/live-events.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { StockMovementReason } from '../../generated/prisma/enums.js';

builder.enumType(StockMovementReason, { name: 'StockMovementReason' });

export const InventoryItem = builder.prismaNode('InventoryItem', {
  authScopes: { may: 'readInventory' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    sku: t.exposeString('sku'),
    name: t.exposeString('name'),
    location: t.exposeString('location'),
    qty: t.exposeInt('qty', { description: 'Quantity in stock: the sum of the stock movements.' }),
    minQty: t.exposeInt('minQty'),
    isLowStock: t.boolean({
      description: lowStock.description,
      select: { qty: true, minQty: true },
      resolve: (item) => lowStock.matches(item),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
    organisation: t.relation('organisation'),
    responsibleUser: t.relation('responsibleUser', { nullable: true }),
    movements: t.relatedConnection('movements', {
      cursor: 'id',
      totalCount: true,
      description: 'The stock ledger, newest first.',
      query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
    }),
    batches: t.relatedConnection('batches', {
      cursor: 'id',
      totalCount: true,
      description: 'Batches received, newest first.',
      query: { orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }] },
    }),
  }),
});

export const StockMovement = builder.prismaNode('StockMovement', {
  authScopes: { may: 'readInventory' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    delta: t.exposeInt('delta', { description: 'Positive into stock, negative out of it.' }),
    reason: t.expose('reason', { type: StockMovementReason }),
    note: t.exposeString('note', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    item: t.relation('item'),
    performedBy: t.relation('performedBy', { nullable: true }),
    batch: t.relation('batch', { nullable: true }),
    purchaseOrder: t.relation('purchaseOrder', { nullable: true }),
  }),
});

export const InventoryFilter = builder.inputType('InventoryFilter', {
  fields: (t) => ({
    location: t.string({ required: false, description: 'Exactly this location.' }),
    lowStock: t.boolean({ required: false, description: 'Only items at or below (or above) their minimum.' }),
    search: t.string({ required: false, validate: searchText, description: 'Part of the name or SKU, any case.' }),
    deleted: t.boolean({ required: false, description: 'true: only deleted items; default: only items not deleted.' }),
  }),
});

const inventoryOrders = {
  NAME_ASC: [{ name: 'asc' }, { id: 'asc' }],
  SKU_ASC: [{ sku: 'asc' }, { id: 'asc' }],
  QTY_ASC: [{ qty: 'asc' }, { id: 'asc' }],
  LOCATION_ASC: [{ location: 'asc' }, { name: 'asc' }, { id: 'asc' }],
} satisfies Record<string, Prisma.InventoryItemOrderByWithRelationInput[]>;

export const InventoryOrder = builder.enumType('InventoryOrder', {
  values: Object.keys(inventoryOrders) as (keyof typeof inventoryOrders)[],
});

function inventoryWhere(filter: typeof InventoryFilter.$inferInput | null | undefined): Prisma.InventoryItemWhereInput {
  const where: Prisma.InventoryItemWhereInput[] = [
    filter?.deleted ? { deletedAt: { not: null } } : { deletedAt: null },
  ];
  if (filter?.location) where.push({ location: filter.location });
  if (filter?.search) {
    where.push({
      OR: [{ name: containing(filter.search) }, { sku: containing(filter.search) }],
    });
  }
  if (filter?.lowStock === true) where.push(lowStock.where());
  if (filter?.lowStock === false) where.push(lowStock.whereNot());
  return { AND: where };
}

builder.prismaObjectField('Organisation', 'inventoryItems', (t) =>
  t.relatedConnection('inventoryItems', {
    cursor: 'id',
    totalCount: true,
    args: {
      filter: t.arg({ type: InventoryFilter, required: false }),
      orderBy: t.arg({ type: InventoryOrder, required: false }),
    },
    query: (args) => ({ where: inventoryWhere(args.filter), orderBy: inventoryOrders[args.orderBy ?? 'NAME_ASC'] }),
  }),
);

builder.prismaObjectField('User', 'responsibleItems', (t) =>
  t.relatedConnection('responsibleItems', {
    cursor: 'id',
    totalCount: true,
    query: { where: { deletedAt: null }, orderBy: inventoryOrders.NAME_ASC },
  }),
);

builder.queryField('inventoryItems', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readInventory' },
    type: 'InventoryItem',
    cursor: 'id',
    args: {
      filter: t.arg({ type: InventoryFilter, required: false }),
      orderBy: t.arg({ type: InventoryOrder, required: false }),
    },
    totalCount: (_connection, args) => db.inventoryItem.count({ where: inventoryWhere(args.filter) }),
    resolve: (query, _root, args) =>
      db.inventoryItem.findMany({
        ...query,
        where: inventoryWhere(args.filter),
        orderBy: inventoryOrders[args.orderBy ?? 'NAME_ASC'],
      }),
  }),
);

builder.subscriptionField('stockLevelChanged', (t) =>
  t.prismaField({
    type: 'InventoryItem',
    nullable: true,
    authScopes: { may: 'readInventory' },
    description:
      'An inventory item whose quantity or minimum changed (a stock movement, a received purchase order, an edit), as it is now. Null if it can no longer be read.',
    subscribe: (_root, _args, context) => liveEvents.subscribe(context, 'stock'),
    resolve: (query, delivery) => primary.inventoryItem.findUnique({ ...query, where: { id: eventOf(delivery).id } }),
  }),
);
