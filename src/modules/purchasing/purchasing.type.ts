import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import { builder } from '../../builder.js';
import { db, primary } from '../../db.js';
import { Prisma } from '../../generated/prisma/client.js';
import { PurchaseOrderStatus } from '../../generated/prisma/enums.js';
import { listSize } from '../../lib/query-cost.js';
import { eventOf, liveEvents } from '../live/live-events.js';
import { DateRange } from '../maintenance/maintenance.type.js';

builder.enumType(PurchaseOrderStatus, { name: 'PurchaseOrderStatus' });

export const Supplier = builder.prismaNode('Supplier', {
  authScopes: { may: 'readPurchasing' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
    purchaseOrders: t.relatedConnection('purchaseOrders', {
      cursor: 'id',
      totalCount: true,
      query: { orderBy: [{ orderedAt: 'desc' }, { id: 'desc' }] },
    }),
  }),
});

export const Batch = builder.prismaNode('Batch', {
  authScopes: { may: 'readInventory' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    code: t.exposeString('code'),
    quantity: t.exposeInt('quantity'),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    item: t.relation('item'),
    creationEvent: t.relation('creationEvent', {
      authScopes: { may: 'readPurchasing' },
      nullable: true,
      description: 'How the batch came to be: the purchase order that created it.',
    }),
    allocatedTo: t.relatedConnection('allocatedTo', {
      authScopes: { may: 'readPurchasing' },
      cursor: 'id',
      totalCount: true,
      description: 'Purchase orders that draw on this batch.',
      query: { orderBy: [{ orderedAt: 'desc' }, { id: 'desc' }] },
    }),
  }),
});

export const BatchCreationEvent = builder.prismaNode('BatchCreationEvent', {
  authScopes: { may: 'readPurchasing' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  description: "A batch's provenance: the purchase order (and line) whose receipt created it.",
  fields: (t) => ({
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    batch: t.relation('batch'),
    sourcePurchaseOrder: t.relation('purchaseOrder'),
    purchaseOrderLine: t.relation('purchaseOrderLine'),
  }),
});

export const PurchaseOrderLine = builder.prismaNode('PurchaseOrderLine', {
  authScopes: { may: 'readPurchasing' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    position: t.exposeInt('position', { description: 'The line number, from 1.' }),
    quantity: t.exposeInt('quantity'),
    unitPrice: t.expose('unitPrice', { type: 'Decimal' }),
    total: t.field({
      type: 'Decimal',
      description: "Quantity × unit price, exact, in the organisation's currency.",
      select: { quantity: true, unitPrice: true },
      resolve: lineTotal,
    }),
    purchaseOrder: t.relation('purchaseOrder'),
    item: t.relation('item'),
    batch: t.field({
      type: Batch,
      nullable: true,
      description: 'The batch receiving this line created.',
      select: (_args, _context, nestedSelection) => ({ creationEvent: { select: { batch: nestedSelection(true) } } }),
      resolve: (line) => line.creationEvent?.batch ?? null,
    }),
  }),
});

const createdBatches = prismaConnectionHelpers(builder, 'BatchCreationEvent', {
  cursor: 'id',
  // id at least: a page asked only for its totalCount selects no field of the batches.
  select: (nodeSelection) => ({ batch: nodeSelection({ select: { id: true } }) }),
  resolveNode: (event) => event.batch,
});

export const MAX_ORDER_LINES = 200;

const lineTotal = (line: { quantity: number; unitPrice: Prisma.Decimal }) => line.unitPrice.mul(line.quantity);

// The lines as the lines field reads them, so that a selection of both loads them once. PostgreSQL
// keeps an order's positions within 1..MAX_ORDER_LINES: these are all of them.
const orderLines = { orderBy: { position: 'asc' }, take: MAX_ORDER_LINES } as const;

export const PurchaseOrder = builder.prismaNode('PurchaseOrder', {
  authScopes: { may: 'readPurchasing' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    number: t.exposeString('number'),
    status: t.expose('status', { type: PurchaseOrderStatus }),
    orderedAt: t.expose('orderedAt', { type: 'DateTime' }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime', nullable: true }),
    approvedAt: t.expose('approvedAt', { type: 'DateTime', nullable: true }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime', nullable: true }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    supplier: t.relation('supplier'),
    createdBy: t.relation('createdBy'),
    total: t.field({
      type: 'Decimal',
      description: "The sum of its lines' totals, exact, in the organisation's currency.",
      select: { lines: { ...orderLines, select: { quantity: true, unitPrice: true } } },
      resolve: (order) => order.lines.reduce((sum, line) => sum.add(lineTotal(line)), new Prisma.Decimal(0)),
    }),
    currency: t.field({
      type: 'String',
      description: "The ISO 4217 code its prices and totals are in: its organisation's.",
      select: { organisation: { select: { currency: true } } },
      resolve: (order) => order.organisation.currency,
    }),
    lines: t.relation('lines', {
      query: orderLines,
      extensions: listSize(MAX_ORDER_LINES),
    }),
    allocatedBatch: t.relation('allocatedBatch', {
      nullable: true,
      description: 'An existing batch this order draws on.',
    }),
    createdBatches: t.connection(
      {
        type: Batch,
        description: 'The batches receiving this order created (its provenance events).',
        select: (args, context, nestedSelection) => ({
          _count: { select: { creationEvents: true } },
          creationEvents: {
            ...createdBatches.getQuery(args, context, nestedSelection),
            orderBy: [{ batch: { code: 'asc' } }, { id: 'asc' }],
          },
        }),
        resolve: (order, args, context) => ({
          ...createdBatches.resolve(order.creationEvents, args, context),
          totalCount: order._count.creationEvents,
        }),
      },
      { fields: (connection) => ({ totalCount: connection.int({ resolve: (result) => result.totalCount }) }) },
    ),
  }),
});

export const PurchaseOrderFilter = builder.inputType('PurchaseOrderFilter', {
  fields: (t) => ({
    status: t.field({ type: [PurchaseOrderStatus], required: false, description: 'Any of these statuses.' }),
    ordered: t.field({ type: DateRange, required: false, description: 'Ordered within this range.' }),
    supplierId: t.globalID({ required: false, for: Supplier }),
  }),
});

function purchaseOrderWhere(
  filter: typeof PurchaseOrderFilter.$inferInput | null | undefined,
): Prisma.PurchaseOrderWhereInput {
  return {
    status: filter?.status?.length ? { in: filter.status } : undefined,
    orderedAt: { gte: filter?.ordered?.from ?? undefined, lt: filter?.ordered?.to ?? undefined },
    supplierId: filter?.supplierId?.id,
  };
}

const newestFirst = [{ orderedAt: 'desc' }, { id: 'desc' }] satisfies Prisma.PurchaseOrderOrderByWithRelationInput[];

builder.prismaObjectField('Organisation', 'purchaseOrders', (t) =>
  t.relatedConnection('purchaseOrders', {
    authScopes: { may: 'readPurchasing' },
    cursor: 'id',
    totalCount: true,
    args: { filter: t.arg({ type: PurchaseOrderFilter, required: false }) },
    query: (args) => ({ where: purchaseOrderWhere(args.filter), orderBy: newestFirst }),
  }),
);

builder.prismaObjectField('Organisation', 'suppliers', (t) =>
  t.relatedConnection('suppliers', {
    authScopes: { may: 'readPurchasing' },
    cursor: 'id',
    totalCount: true,
    query: { where: { deletedAt: null }, orderBy: [{ name: 'asc' }, { id: 'asc' }] },
  }),
);

builder.prismaObjectField('User', 'createdPurchaseOrders', (t) =>
  t.relatedConnection('createdPurchaseOrders', {
    authScopes: { may: 'readPurchasing' },
    cursor: 'id',
    totalCount: true,
    query: { orderBy: newestFirst },
  }),
);

builder.queryField('purchaseOrders', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readPurchasing' },
    type: 'PurchaseOrder',
    cursor: 'id',
    description: 'Newest first.',
    args: { filter: t.arg({ type: PurchaseOrderFilter, required: false }) },
    totalCount: (_connection, args) =>
      db.purchaseOrder.count({
        where: purchaseOrderWhere(args.filter),
      }),
    resolve: (query, _root, args) =>
      db.purchaseOrder.findMany({
        ...query,
        where: purchaseOrderWhere(args.filter),
        orderBy: newestFirst,
      }),
  }),
);

builder.queryField('suppliers', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readPurchasing' },
    type: 'Supplier',
    cursor: 'id',
    totalCount: () => db.supplier.count({ where: { deletedAt: null } }),
    resolve: (query) =>
      db.supplier.findMany({
        ...query,
        where: { deletedAt: null },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      }),
  }),
);

builder.subscriptionField('purchaseOrderChanged', (t) =>
  t.prismaField({
    type: 'PurchaseOrder',
    nullable: true,
    authScopes: { may: 'readPurchasing' },
    description:
      'A purchase order created, or moved to another status, as it is now. Null if it can no longer be read.',
    subscribe: (_root, _args, context) => liveEvents.subscribe(context, 'purchase_order'),
    resolve: (query, delivery) => primary.purchaseOrder.findUnique({ ...query, where: { id: eventOf(delivery).id } }),
  }),
);
