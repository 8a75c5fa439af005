import { z } from 'zod';
import { builder } from '../../builder.js';
import { StockMovementReason } from '../../generated/prisma/enums.js';
import { InsufficientStockError, NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate, softDeletion } from '../../lib/mutation.js';
import { tenantSql } from '../../lib/tenancy.js';
import {
  idempotencyKey,
  InputValidationError,
  optionalText,
  requiredText,
  validateFields,
} from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { colleague } from '../user/organisation-user.js';
import { User } from '../user/user.type.js';
import { InventoryItem } from './inventory.type.js';

/** The most of one item the stock can hold (the column is a 4-byte integer). */
export const MAX_QUANTITY = 1_000_000_000;

const quantity = (label: string) =>
  z
    .number({ error: `${label} must be a whole number.` })
    .int()
    .min(0, `${label} cannot be negative.`)
    .max(MAX_QUANTITY, `${label} can be at most ${MAX_QUANTITY}.`);

function tooMuchStock(qty: number) {
  return new InputValidationError([
    { path: ['input', 'delta'], message: `Stock can hold at most ${MAX_QUANTITY}; this item has ${qty}.` },
  ]);
}

const itemFields = {
  sku: requiredText('SKU', 64),
  name: requiredText('Name'),
  location: requiredText('Location', 100),
  minQty: quantity('Minimum quantity'),
  initialQty: quantity('Initial quantity'),
};

const CreateInventoryItemFields = builder.inputType('CreateInventoryItemInput', {
  fields: (t) => ({
    sku: t.string(),
    name: t.string(),
    location: t.string(),
    minQty: t.int({ required: false }),
    initialQty: t.int({ required: false, description: 'Stock on hand now; recorded as an INITIAL stock movement.' }),
    responsibleUserId: t.globalID({ for: User, required: false }),
  }),
});
const CreateInventoryItemRules = validateFields<typeof CreateInventoryItemFields.$inferInput>(itemFields);

const UpdateInventoryItemFields = builder.inputType('UpdateInventoryItemInput', {
  description: 'Only the fields given change; responsibleUserId: null clears it. Stock changes through adjustStock.',
  fields: (t) => ({
    id: t.globalID({ for: InventoryItem }),
    sku: t.string({ required: false }),
    name: t.string({ required: false }),
    location: t.string({ required: false }),
    minQty: t.int({ required: false }),
    responsibleUserId: t.globalID({ for: User, required: false }),
  }),
});
const UpdateInventoryItemRules = validateFields<typeof UpdateInventoryItemFields.$inferInput>(itemFields);

const AdjustStockFields = builder.inputType('AdjustStockInput', {
  fields: (t) => ({
    itemId: t.globalID({ for: InventoryItem }),
    delta: t.int({ description: 'How much to add (positive) or remove (negative).' }),
    reason: t.field({
      type: StockMovementReason,
      required: false,
      description: 'ADJUSTMENT unless told otherwise; RECEIPT and INITIAL are recorded by the API itself.',
    }),
    note: t.string({ required: false }),
    idempotencyKey: t.string({
      required: false,
      description:
        'Chosen by the client, e.g. a UUID: a retry with the same key and input is applied once and answers with the item. Kept for 24 hours.',
    }),
  }),
});
const AdjustStockRules = validateFields<typeof AdjustStockFields.$inferInput>({
  delta: z
    .number()
    .int()
    .min(-MAX_QUANTITY, `The change can be at most ${MAX_QUANTITY} either way.`)
    .max(MAX_QUANTITY, `The change can be at most ${MAX_QUANTITY} either way.`)
    .refine((delta) => delta !== 0, 'The change cannot be zero.'),
  reason: z
    .enum([StockMovementReason.ADJUSTMENT, StockMovementReason.ISSUE, StockMovementReason.CORRECTION], {
      message: 'Reason must be ADJUSTMENT, ISSUE or CORRECTION.',
    })
    .nullable(),
  note: optionalText('Note', 1000),
  idempotencyKey,
});

builder.mutationField('createInventoryItem', (t) =>
  t.prismaField({
    authScopes: { may: 'createInventoryItem' },
    type: 'InventoryItem',
    errors: { types: commonErrors, dataField: { name: 'inventoryItem' } },
    args: { input: t.arg({ type: CreateInventoryItemFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: CreateInventoryItemRules, value: args.input },
        change: async ({ tx, input, actor, audit }) => {
          const home = { organisationId: actor.organisationId };
          const item = await tx.inventoryItem.create({
            data: {
              ...home,
              sku: input.sku,
              name: input.name,
              location: input.location,
              minQty: input.minQty ?? 0,
              responsibleUserId: input.responsibleUserId
                ? (await colleague(tx, input.responsibleUserId.id, home)).id
                : null,
            },
          });
          await audit({ ...entity('InventoryItem', item), action: 'create', after: item });
          if (input.initialQty) {
            const movement = await tx.stockMovement.create({
              data: {
                itemId: item.id,
                delta: input.initialQty,
                reason: StockMovementReason.INITIAL,
                performedById: actor.id,
              },
            });
            await audit({ ...entity('StockMovement', { ...movement, ...home }), action: 'create', after: movement });
          }
          return item.id;
        },
        read: answer('inventoryItem', query),
      }),
  }),
);

builder.mutationField('updateInventoryItem', (t) =>
  t.prismaField({
    authScopes: { may: 'updateInventoryItem' },
    type: 'InventoryItem',
    errors: { types: commonErrors, dataField: { name: 'inventoryItem' } },
    args: { input: t.arg({ type: UpdateInventoryItemFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: UpdateInventoryItemRules, value: args.input },
        change: async ({ tx, input, audit }) => {
          const before = await tx.inventoryItem.findFirst({ where: { id: input.id.id, deletedAt: null } });
          if (!before) throw new NotFoundError('InventoryItem');
          const after = await tx.inventoryItem.update({
            where: { id: before.id },
            data: {
              sku: input.sku ?? undefined,
              name: input.name ?? undefined,
              location: input.location ?? undefined,
              minQty: input.minQty ?? undefined,
              responsibleUserId: input.responsibleUserId
                ? (await colleague(tx, input.responsibleUserId.id, before)).id
                : input.responsibleUserId,
            },
          });
          await audit({ ...entity('InventoryItem', after), action: 'update', before, after });
          return after.id;
        },
        read: answer('inventoryItem', query),
      }),
  }),
);

for (const [field, deleting] of [
  ['deleteInventoryItem', true],
  ['restoreInventoryItem', false],
] as const) {
  builder.mutationField(field, (t) =>
    t.prismaField({
      authScopes: { may: field },
      type: 'InventoryItem',
      description: deleting
        ? 'Soft-deletes an item: it leaves every list and new orders, keeps its stock history, and can be restored.'
        : 'Brings a soft-deleted item back.',
      errors: { types: commonErrors, dataField: { name: 'inventoryItem' } },
      args: { id: t.arg.globalID({ for: InventoryItem }) },
      resolve: (query, _root, { id }, context) =>
        mutate(context, {
          change: softDeletion('inventoryItem', 'InventoryItem', id.id, deleting),
          read: answer('inventoryItem', query),
        }),
    }),
  );
}

builder.mutationField('adjustStock', (t) =>
  t.prismaField({
    authScopes: { may: 'adjustStock' },
    type: 'InventoryItem',
    description:
      'Records a stock movement and applies it to the quantity, atomically: concurrent adjustments never lose an update, and stock never goes below zero. The item answered is read once the adjustment has committed (with a key: as of the adjustment).',
    errors: { types: [...commonErrors, InsufficientStockError], dataField: { name: 'inventoryItem' } },
    args: { input: t.arg({ type: AdjustStockFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: AdjustStockRules, value: args.input },
        once: (input) => ({ key: input.idempotencyKey, operation: 'adjustStock', request: input }),
        statement: true,
        change: async ({ tx, input, actor, tenant }) => {
          // One statement locks the item, which orders concurrent adjustments of it, records the
          // movement when the stock allows it (the ledger trigger then applies the delta) and its
          // audit event, under the item's organisation. Reasons are stored in lower case (@map).
          const reason = (input.reason ?? StockMovementReason.ADJUSTMENT).toLowerCase();
          const [item] = await tx.$queryRaw<{ id: string; qty: number; movementId: string | null }[]>`
            WITH item AS (
              SELECT id, organisation_id, qty FROM inventory.inventory_items
              WHERE id = ${input.itemId.id}::uuid AND deleted_at IS NULL AND ${tenantSql(tenant)}
              FOR UPDATE
            ), movement AS (
              INSERT INTO inventory.stock_movements (item_id, delta, reason, note, performed_by)
              SELECT id, ${input.delta}, ${reason}::inventory.stock_movement_reason, ${input.note ?? null}, ${actor.id}::uuid
              FROM item WHERE qty + ${input.delta}::bigint BETWEEN 0 AND ${MAX_QUANTITY}
              RETURNING id
            ), event AS (
              INSERT INTO audit.audit_events (organisation_id, actor_id, action, entity_type, entity_id, before, after)
              SELECT item.organisation_id, ${actor.id}::uuid, 'adjustStock', 'InventoryItem', item.id,
                jsonb_build_object('qty', item.qty),
                jsonb_build_object('qty', item.qty + ${input.delta}, 'movementId', movement.id)
              FROM item JOIN movement ON true
            )
            SELECT item.id, item.qty, movement.id AS "movementId" FROM item LEFT JOIN movement ON true`;
          if (!item) throw new NotFoundError('InventoryItem');
          if (!item.movementId) {
            if (item.qty + input.delta > 0) throw tooMuchStock(item.qty);
            throw new InsufficientStockError(item.qty, -input.delta);
          }
          return item.id;
        },
        read: answer('inventoryItem', query),
      }),
  }),
);
