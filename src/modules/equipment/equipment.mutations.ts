import { z } from 'zod';
import { builder } from '../../builder.js';
import { EquipmentCategory, EquipmentStatus } from '../../generated/prisma/enums.js';
import { InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate, planned, softDeletion, type Tx } from '../../lib/mutation.js';
import { listSize } from '../../lib/query-cost.js';
import { requiredText, validateFields } from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { requireNoOpenAction } from '../safety/out-of-service.js';
import { Equipment } from './equipment.type.js';

const equipmentFields = {
  name: requiredText('Name'),
  serialNumber: requiredText('Serial number', 100),
  category: z.enum(EquipmentCategory, 'Category cannot be cleared.'),
  status: z.enum(EquipmentStatus, 'Status cannot be cleared.'),
};

const CreateEquipmentFields = builder.inputType('CreateEquipmentInput', {
  fields: (t) => ({
    name: t.string(),
    serialNumber: t.string(),
    category: t.field({ type: EquipmentCategory }),
    status: t.field({ type: EquipmentStatus, required: false }),
    nextMaintenanceAt: t.field({ type: 'DateTime', required: false }),
  }),
});
const CreateEquipmentRules = validateFields<typeof CreateEquipmentFields.$inferInput>(equipmentFields);

const UpdateEquipmentFields = builder.inputType('UpdateEquipmentInput', {
  description:
    'Only the fields given change; nextMaintenanceAt: null clears it. The status of equipment out of service with an open corrective action changes only by the maintenance that closes it.',
  fields: (t) => ({
    id: t.globalID({ for: Equipment }),
    name: t.string({ required: false }),
    serialNumber: t.string({ required: false }),
    category: t.field({ type: EquipmentCategory, required: false }),
    status: t.field({ type: EquipmentStatus, required: false }),
    nextMaintenanceAt: t.field({ type: 'DateTime', required: false }),
  }),
});
const UpdateEquipmentRules = validateFields<typeof UpdateEquipmentFields.$inferInput>(equipmentFields);

async function liveEquipment(tx: Tx, id: string) {
  const equipment = await tx.equipment.findFirst({ where: { id, deletedAt: null } });
  if (!equipment) throw new NotFoundError('Equipment');
  return equipment;
}

builder.mutationField('createEquipment', (t) =>
  t.prismaField({
    authScopes: { may: 'createEquipment' },
    type: 'Equipment',
    errors: { types: commonErrors, dataField: { name: 'equipment' } },
    args: { input: t.arg({ type: CreateEquipmentFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: CreateEquipmentRules, value: args.input },
        change: async ({ tx, input, actor, audit }) => {
          const equipment = await tx.equipment.create({
            data: {
              organisationId: actor.organisationId,
              createdById: actor.id,
              name: input.name,
              serialNumber: input.serialNumber,
              category: input.category,
              status: input.status ?? EquipmentStatus.ACTIVE,
              nextMaintenanceAt: input.nextMaintenanceAt,
            },
          });
          await audit({ ...entity('Equipment', equipment), action: 'create', after: equipment });
          return equipment.id;
        },
        read: answer('equipment', query),
      }),
  }),
);

builder.mutationField('updateEquipment', (t) =>
  t.prismaField({
    authScopes: { may: 'updateEquipment' },
    type: 'Equipment',
    errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'equipment' } },
    args: { input: t.arg({ type: UpdateEquipmentFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: UpdateEquipmentRules, value: args.input },
        change: async ({ tx, input, audit }) => {
          const before = await liveEquipment(tx, input.id.id);
          if (input.status && input.status !== before.status) await requireNoOpenAction(tx, before);
          const after = await tx.equipment.update({
            where: { id: before.id },
            data: {
              name: input.name ?? undefined,
              serialNumber: input.serialNumber ?? undefined,
              category: input.category ?? undefined,
              status: input.status ?? undefined,
              nextMaintenanceAt: input.nextMaintenanceAt,
            },
          });
          await audit({ ...entity('Equipment', after), action: 'update', before, after });
          return after.id;
        },
        read: answer('equipment', query),
      }),
  }),
);

for (const [field, deleting] of [
  ['deleteEquipment', true],
  ['restoreEquipment', false],
] as const) {
  builder.mutationField(field, (t) =>
    t.prismaField({
      authScopes: { may: field },
      type: 'Equipment',
      description: deleting
        ? 'Soft-deletes equipment: it leaves every list but keeps its history, and can be restored.'
        : 'Brings soft-deleted equipment back.',
      errors: { types: commonErrors, dataField: { name: 'equipment' } },
      args: { id: t.arg.globalID({ for: Equipment }) },
      resolve: (query, _root, { id }, context) =>
        mutate(context, {
          change: softDeletion('equipment', 'Equipment', id.id, deleting),
          read: answer('equipment', query),
        }),
    }),
  );
}

const MAX_BULK_IDS = 500;

const BulkUpdateRules = z.object({
  ids: z
    .array(z.object({ id: z.string(), typename: z.string() }))
    .min(1, 'List at least one equipment.')
    .max(MAX_BULK_IDS, `At most ${MAX_BULK_IDS} at a time.`),
  nextMaintenanceAt: z.date(),
});

builder.mutationField('bulkUpdateNextMaintenance', (t) =>
  t.prismaField({
    authScopes: { may: 'bulkUpdateNextMaintenance' },
    type: ['Equipment'],
    description: 'Sets the next maintenance date of every listed equipment, or of none if any is missing.',
    errors: { types: commonErrors, dataField: { name: 'equipment', extensions: listSize(MAX_BULK_IDS) } },
    args: {
      ids: t.arg.globalIDList({ for: Equipment }),
      nextMaintenanceAt: t.arg({ type: 'DateTime' }),
    },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: BulkUpdateRules, value: args, argument: null },
        change: async ({ tx, input, audit }) => {
          const ids = [...new Set(input.ids.map(({ id }) => id))];
          const before = await tx.equipment.findMany({ where: { id: { in: ids }, deletedAt: null } });
          if (before.length !== ids.length) throw new NotFoundError('Equipment');
          await tx.equipment.updateMany({
            where: { id: { in: ids } },
            data: { nextMaintenanceAt: input.nextMaintenanceAt },
          });
          for (const row of before) {
            await audit({
              ...entity('Equipment', row),
              action: 'update',
              before: { nextMaintenanceAt: row.nextMaintenanceAt },
              after: { nextMaintenanceAt: input.nextMaintenanceAt },
            });
          }
          return ids;
        },
        read: (tx, ids) =>
          tx.equipment.findMany({
            ...planned(query),
            where: { id: { in: ids } },
            orderBy: [{ name: 'asc' }, { id: 'asc' }],
          }),
      }),
  }),
);
