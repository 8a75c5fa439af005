import { z } from 'zod';
import { builder } from '../../builder.js';
import { PurchaseOrderStatus, StockMovementReason } from '../../generated/prisma/enums.js';
import { InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate, softDeletion, type Tx } from '../../lib/mutation.js';
import { tenantSql, type Tenant } from '../../lib/tenancy.js';
import { idempotencyKey, optionalText, requiredText, validateFields } from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { InventoryItem } from '../inventory/inventory.type.js';
import { Batch, MAX_ORDER_LINES, PurchaseOrder, Supplier } from './purchasing.type.js';

const supplierFields = {
  name: requiredText('Name'),
  email: z.email('Email must be an email address.').nullable(),
  phone: optionalText('Phone', 40),
};

const CreateSupplierFields = builder.inputType('CreateSupplierInput', {
  fields: (t) => ({
    name: t.string(),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
  }),
});
const CreateSupplierRules = validateFields<typeof CreateSupplierFields.$inferInput>(supplierFields);

const UpdateSupplierFields = builder.inputType('UpdateSupplierInput', {
  description: 'Only the fields given change; email or phone null clears it.',
  fields: (t) => ({
    id: t.globalID({ for: Supplier }),
    name: t.string({ required: false }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
  }),
});
const UpdateSupplierRules = validateFields<typeof UpdateSupplierFields.$inferInput>(supplierFields);

builder.mutationField('createSupplier', (t) =>
  t.prismaField({
    authScopes: { may: 'createSupplier' },
    type: 'Supplier',
    errors: { types: commonErrors, dataField: { name: 'supplier' } },
    args: { input: t.arg({ type: CreateSupplierFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: CreateSupplierRules, value: args.input },
        change: async ({ tx, input, actor, audit }) => {
          const supplier = await tx.supplier.create({
            data: { organisationId: actor.organisationId, name: input.name, email: input.email, phone: input.phone },
          });
          await audit({ ...entity('Supplier', supplier), action: 'create', after: supplier });
          return supplier.id;
        },
        read: answer('supplier', query),
      }),
  }),
);

builder.mutationField('updateSupplier', (t) =>
  t.prismaField({
    authScopes: { may: 'updateSupplier' },
    type: 'Supplier',
    errors: { types: commonErrors, dataField: { name: 'supplier' } },
    args: { input: t.arg({ type: UpdateSupplierFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: UpdateSupplierRules, value: args.input },
        change: async ({ tx, input, audit }) => {
          const before = await tx.supplier.findFirst({ where: { id: input.id.id, deletedAt: null } });
          if (!before) throw new NotFoundError('Supplier');
          const after = await tx.supplier.update({
            where: { id: before.id },
            data: { name: input.name ?? undefined, email: input.email, phone: input.phone },
          });
          await audit({ ...entity('Supplier', after), action: 'update', before, after });
          return after.id;
        },
        read: answer('supplier', query),
      }),
  }),
);

for (const [field, deleting] of [
  ['deleteSupplier', true],
  ['restoreSupplier', false],
] as const) {
  builder.mutationField(field, (t) =>
    t.prismaField({
      authScopes: { may: field },
      type: 'Supplier',
      description: deleting
        ? 'Soft-deletes a supplier: it leaves every list and takes no new orders; its orders stay, and it can be restored.'
        : 'Brings a soft-deleted supplier back.',
      errors: { types: commonErrors, dataField: { name: 'supplier' } },
      args: { id: t.arg.globalID({ for: Supplier }) },
      resolve: (query, _root, { id }, context) =>
        mutate(context, {
          change: softDeletion('supplier', 'Supplier', id.id, deleting),
          read: answer('supplier', query),
        }),
    }),
  );
}

const LineFields = builder.inputType('PurchaseOrderLineInput', {
  fields: (t) => ({
    itemId: t.globalID({ for: InventoryItem }),
    quantity: t.int(),
    unitPrice: t.field({ type: 'Decimal' }),
  }),
});
const LineRules = validateFields<typeof LineFields.$inferInput>({
  quantity: z.number().int().min(1, 'Quantity must be at least 1.').max(1_000_000, 'Quantity is too large.'),
  unitPrice: z.string().refine((price) => Number(price) >= 0, 'Unit price cannot be negative.'),
});

const orderFields = {
  number: requiredText('Number', 40),
  lines: z
    .array(LineRules)
    .min(1, 'An order needs at least one line.')
    .max(MAX_ORDER_LINES, `An order has at most ${MAX_ORDER_LINES} lines.`),
};

const CreatePurchaseOrderFields = builder.inputType('CreatePurchaseOrderInput', {
  fields: (t) => ({
    number: t.string(),
    supplierId: t.globalID({ for: Supplier }),
    lines: t.field({ type: [LineFields] }),
    allocatedBatchId: t.globalID({
      for: Batch,
      required: false,
      description: 'An existing batch this order draws on.',
    }),
  }),
});
const CreatePurchaseOrderRules = validateFields<typeof CreatePurchaseOrderFields.$inferInput>(orderFields);

const UpdatePurchaseOrderFields = builder.inputType('UpdatePurchaseOrderInput', {
  description: 'Changes a draft. Lines, when given, replace all of its lines.',
  fields: (t) => ({
    id: t.globalID({ for: PurchaseOrder }),
    number: t.string({ required: false }),
    supplierId: t.globalID({ for: Supplier, required: false }),
    lines: t.field({ type: [LineFields], required: false }),
    allocatedBatchId: t.globalID({ for: Batch, required: false }),
  }),
});
const UpdatePurchaseOrderRules = validateFields<typeof UpdatePurchaseOrderFields.$inferInput>(orderFields);

type LineShape = typeof LineFields.$inferInput;

/** Every record an order refers to must belong to the order's organisation, whoever the viewer is. */
async function checkReferences(
  tx: Tx,
  { organisationId }: { organisationId: string },
  refs: { supplierId?: string; batchId?: string | null; lines?: LineShape[] },
) {
  if (
    refs.supplierId &&
    !(await tx.supplier.count({ where: { id: refs.supplierId, organisationId, deletedAt: null } }))
  ) {
    throw new NotFoundError('Supplier');
  }
  if (refs.batchId && !(await tx.batch.count({ where: { id: refs.batchId, organisationId } }))) {
    throw new NotFoundError('Batch');
  }
  const itemIds = [...new Set(refs.lines?.map((line) => line.itemId.id) ?? [])];
  if (
    itemIds.length &&
    (await tx.inventoryItem.count({ where: { id: { in: itemIds }, organisationId, deletedAt: null } })) !==
      itemIds.length
  ) {
    throw new NotFoundError('InventoryItem');
  }
}

function lineRows(lines: LineShape[]) {
  return lines.map((line, index) => ({
    position: index + 1,
    itemId: line.itemId.id,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
  }));
}

/** Locks the order for the rest of the transaction, so that concurrent transitions run one at a time. */
async function lockOrder(tx: Tx, id: string, tenant: Tenant) {
  const [locked] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM procurement.purchase_orders WHERE id = ${id}::uuid AND ${tenantSql(tenant)} FOR UPDATE`;
  if (!locked) throw new NotFoundError('PurchaseOrder');
  return tx.purchaseOrder.findUniqueOrThrow({ where: { id }, include: { lines: { orderBy: { position: 'asc' } } } });
}

const statusNames: Record<PurchaseOrderStatus, string> = {
  DRAFT: 'draft',
  SUBMITTED: 'submitted',
  APPROVED: 'approved',
  RECEIVED: 'received',
  CANCELLED: 'cancelled',
};

function requireStatus(order: { status: PurchaseOrderStatus }, allowed: PurchaseOrderStatus[], action: string) {
  if (!allowed.includes(order.status)) {
    const wanted = allowed.map((status) => statusNames[status]).join(' or ');
    throw new InvalidStateError(
      `Only a ${wanted} purchase order can be ${action}; this one is ${statusNames[order.status]}.`,
      order.status,
    );
  }
}

builder.mutationField('createPurchaseOrder', (t) =>
  t.prismaField({
    authScopes: { may: 'createPurchaseOrder' },
    type: 'PurchaseOrder',
    description: 'Creates a draft purchase order with its lines.',
    errors: { types: commonErrors, dataField: { name: 'purchaseOrder' } },
    args: { input: t.arg({ type: CreatePurchaseOrderFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: CreatePurchaseOrderRules, value: args.input },
        change: async ({ tx, input, actor, audit }) => {
          const home = { organisationId: actor.organisationId };
          await checkReferences(tx, home, {
            supplierId: input.supplierId.id,
            batchId: input.allocatedBatchId?.id,
            lines: input.lines,
          });
          const order = await tx.purchaseOrder.create({
            data: {
              ...home,
              number: input.number,
              supplierId: input.supplierId.id,
              createdById: actor.id,
              batchId: input.allocatedBatchId?.id,
              lines: { create: lineRows(input.lines) },
            },
            include: { lines: true },
          });
          await audit({ ...entity('PurchaseOrder', order), action: 'create', after: order });
          return order.id;
        },
        read: answer('purchaseOrder', query),
      }),
  }),
);

builder.mutationField('updatePurchaseOrder', (t) =>
  t.prismaField({
    authScopes: { may: 'updatePurchaseOrder' },
    type: 'PurchaseOrder',
    errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'purchaseOrder' } },
    args: { input: t.arg({ type: UpdatePurchaseOrderFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: UpdatePurchaseOrderRules, value: args.input },
        change: async ({ tx, input, tenant, audit }) => {
          const before = await lockOrder(tx, input.id.id, tenant);
          requireStatus(before, [PurchaseOrderStatus.DRAFT], 'changed');
          await checkReferences(tx, before, {
            supplierId: input.supplierId?.id,
            batchId: input.allocatedBatchId?.id,
            lines: input.lines ?? undefined,
          });
          const after = await tx.purchaseOrder.update({
            where: { id: before.id },
            data: {
              number: input.number ?? undefined,
              supplierId: input.supplierId?.id,
              batchId: input.allocatedBatchId === undefined ? undefined : (input.allocatedBatchId?.id ?? null),
              lines: input.lines ? { deleteMany: {}, create: lineRows(input.lines) } : undefined,
            },
            include: { lines: true },
          });
          await audit({ ...entity('PurchaseOrder', after), action: 'update', before, after });
          return after.id;
        },
        read: answer('purchaseOrder', query),
      }),
  }),
);

const transitions = {
  submitPurchaseOrder: {
    from: [PurchaseOrderStatus.DRAFT],
    to: PurchaseOrderStatus.SUBMITTED,
    action: 'submitted',
    stamp: 'submittedAt',
    description: 'Sends a draft for approval.',
  },
  approvePurchaseOrder: {
    from: [PurchaseOrderStatus.SUBMITTED],
    to: PurchaseOrderStatus.APPROVED,
    action: 'approved',
    stamp: 'approvedAt',
    description: 'Approves a submitted order.',
  },
  cancelPurchaseOrder: {
    from: [PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.SUBMITTED, PurchaseOrderStatus.APPROVED],
    to: PurchaseOrderStatus.CANCELLED,
    action: 'cancelled',
    stamp: 'cancelledAt',
    description: 'Cancels an order that has not been received.',
  },
} as const;

for (const [field, transition] of Object.entries(transitions) as [
  keyof typeof transitions,
  (typeof transitions)[keyof typeof transitions],
][]) {
  builder.mutationField(field, (t) =>
    t.prismaField({
      authScopes: { may: field },
      type: 'PurchaseOrder',
      description: transition.description,
      errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'purchaseOrder' } },
      args: { id: t.arg.globalID({ for: PurchaseOrder }) },
      resolve: (query, _root, { id }, context) =>
        mutate(context, {
          change: async ({ tx, tenant, audit }) => {
            const before = await lockOrder(tx, id.id, tenant);
            requireStatus(before, [...transition.from], transition.action);
            const after = await tx.purchaseOrder.update({
              where: { id: before.id },
              data: { status: transition.to, [transition.stamp]: new Date() },
            });
            await audit({
              ...entity('PurchaseOrder', after),
              action: field.replace('PurchaseOrder', ''),
              before: { status: before.status },
              after: { status: after.status },
            });
            return after.id;
          },
          read: answer('purchaseOrder', query),
        }),
    }),
  );
}

builder.mutationField('receivePurchaseOrder', (t) =>
  t.prismaField({
    authScopes: { may: 'receivePurchaseOrder' },
    type: 'PurchaseOrder',
    description:
      'Receives an approved order: one batch per line, each with its provenance event and a RECEIPT stock movement, all at once.',
    errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'purchaseOrder' } },
    args: {
      id: t.arg.globalID({ for: PurchaseOrder }),
      idempotencyKey: t.arg.string({
        required: false,
        description:
          'Chosen by the client, e.g. a UUID: a retry with the same key answers with the received order instead of an error. Kept for 24 hours.',
      }),
    },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: idempotencyKey, value: args.idempotencyKey, argument: 'idempotencyKey' },
        once: (key) => ({ key, operation: 'receivePurchaseOrder', request: { id: args.id.id } }),
        change: async ({ tx, actor, tenant, audit }) => {
          const order = await lockOrder(tx, args.id.id, tenant);
          requireStatus(order, [PurchaseOrderStatus.APPROVED], 'received');
          const receivedAt = new Date();
          const batches = await tx.batch.createManyAndReturn({
            data: order.lines.map((line) => ({
              organisationId: order.organisationId,
              itemId: line.itemId,
              code: `${order.number}-${line.position}`,
              quantity: line.quantity,
              receivedAt,
            })),
          });
          const batchOf = new Map(batches.map((batch) => [batch.code, batch]));
          const received = order.lines.map((line) => ({
            line,
            batch: batchOf.get(`${order.number}-${line.position}`)!,
          }));
          await tx.batchCreationEvent.createMany({
            data: received.map(({ line, batch }) => ({
              batchId: batch.id,
              purchaseOrderId: order.id,
              purchaseOrderLineId: line.id,
            })),
          });
          await tx.stockMovement.createMany({
            data: received.map(({ line, batch }) => ({
              itemId: line.itemId,
              delta: line.quantity,
              reason: StockMovementReason.RECEIPT,
              performedById: actor.id,
              batchId: batch.id,
              purchaseOrderId: order.id,
            })),
          });
          for (const batch of batches) await audit({ ...entity('Batch', batch), action: 'create', after: batch });
          await tx.purchaseOrder.update({
            where: { id: order.id },
            data: { status: PurchaseOrderStatus.RECEIVED, receivedAt },
          });
          await audit({
            ...entity('PurchaseOrder', order),
            action: 'receive',
            before: { status: order.status },
            after: { status: PurchaseOrderStatus.RECEIVED },
          });
          return order.id;
        },
        read: answer('purchaseOrder', query),
      }),
  }),
);
