import { builder } from '../../builder.js';
import { InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate, type Tx } from '../../lib/mutation.js';
import { InputValidationError, optionalText, requiredText, validateFields } from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { Equipment } from '../equipment/equipment.type.js';
import { CorrectiveAction } from '../safety/corrective-action.type.js';
import { actionToClose, closeCorrectiveAction, lockEquipment } from '../safety/out-of-service.js';
import { colleague } from '../user/organisation-user.js';
import { User } from '../user/user.type.js';
import { MaintenanceRecord } from './maintenance.type.js';

const AddMaintenanceRecordFields = builder.inputType('AddMaintenanceRecordInput', {
  fields: (t) => ({
    equipmentId: t.globalID({ for: Equipment }),
    maintenanceDate: t.field({ type: 'DateTime' }),
    nextMaintenance: t.field({
      type: 'DateTime',
      required: false,
      description:
        'When it is due again; also becomes the equipment’s nextMaintenanceAt. Must be after maintenanceDate.',
    }),
    notes: t.string({ required: false }),
    performedById: t.globalID({
      for: User,
      required: false,
      description: 'Who did the work; the viewer when left out.',
    }),
    correctiveActionId: t.globalID({
      for: CorrectiveAction,
      required: false,
      description:
        'The open corrective action this maintenance fixes: it closes, and the equipment returns to service once none of its actions is open, in the same transaction. Equipment out of service returns to service no other way.',
    }),
  }),
});

const AddMaintenanceRecordRules = validateFields<typeof AddMaintenanceRecordFields.$inferInput>(
  { notes: optionalText('Notes', 5000) },
  [
    {
      check: (input) => !input.nextMaintenance || input.nextMaintenance > input.maintenanceDate,
      message: 'Next maintenance must be after the maintenance date.',
      path: ['nextMaintenance'],
    },
  ],
);

builder.mutationField('addMaintenanceRecord', (t) =>
  t.prismaField({
    authScopes: { may: 'addMaintenanceRecord' },
    type: 'MaintenanceRecord',
    errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'maintenanceRecord' } },
    args: { input: t.arg({ type: AddMaintenanceRecordFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: AddMaintenanceRecordRules, value: args.input },
        change: async ({ tx, input, actor, tenant, audit }) => {
          // A fix changes the equipment's status: it is locked first, as a failing inspection locks it.
          const equipment = input.correctiveActionId
            ? await lockEquipment(tx, input.equipmentId.id, tenant)
            : await tx.equipment.findFirst({ where: { id: input.equipmentId.id } });
          if (!equipment || equipment.deletedAt) throw new NotFoundError('Equipment');
          const fixes = input.correctiveActionId && (await actionToClose(tx, input.correctiveActionId.id, equipment));
          if (!input.performedById && actor.organisationId !== equipment.organisationId) {
            throw new InputValidationError([
              {
                path: ['input', 'performedById'],
                message: "Name who did the work: you are not of this equipment's organisation.",
              },
            ]);
          }
          const performedBy = await colleague(tx, input.performedById?.id ?? actor.id, equipment);
          const record = await tx.maintenanceRecord.create({
            data: {
              equipmentId: equipment.id,
              performedById: performedBy.id,
              maintenanceDate: input.maintenanceDate,
              nextMaintenance: input.nextMaintenance,
              notes: input.notes,
            },
          });
          const recorded = entity('MaintenanceRecord', { id: record.id, organisationId: equipment.organisationId });
          await audit({ ...recorded, action: 'create', after: record });
          if (fixes) await closeCorrectiveAction(tx, fixes, record.id, equipment, audit);
          if (input.nextMaintenance) {
            const updated = await tx.equipment.update({
              where: { id: equipment.id },
              data: { nextMaintenanceAt: input.nextMaintenance },
            });
            await audit({
              ...entity('Equipment', equipment),
              action: 'update',
              before: { nextMaintenanceAt: equipment.nextMaintenanceAt },
              after: { nextMaintenanceAt: updated.nextMaintenanceAt },
            });
          }
          return record.id;
        },
        read: answer('maintenanceRecord', query),
      }),
  }),
);

const reason = requiredText('Reason', 1000);

const CorrectMaintenanceRecordFields = builder.inputType('CorrectMaintenanceRecordInput', {
  description: 'Only the fields given change; nextMaintenance or notes null clears it.',
  fields: (t) => ({
    id: t.globalID({ for: MaintenanceRecord }),
    maintenanceDate: t.field({ type: 'DateTime', required: false }),
    nextMaintenance: t.field({
      type: 'DateTime',
      required: false,
      description: 'When the equipment’s nextMaintenanceAt came from this record, it follows the correction.',
    }),
    notes: t.string({ required: false }),
    reason: t.string({ description: 'Why the record was wrong; kept in the audit trail.' }),
  }),
});
const CorrectMaintenanceRecordRules = validateFields<typeof CorrectMaintenanceRecordFields.$inferInput>({
  notes: optionalText('Notes', 5000),
  reason,
});

/** A record of equipment that is not deleted, with that equipment. */
async function liveRecord(tx: Tx, id: string) {
  const record = await tx.maintenanceRecord.findFirst({
    where: { id, equipment: { deletedAt: null } },
    include: { equipment: true },
  });
  if (!record) throw new NotFoundError('MaintenanceRecord');
  const { equipment, ...row } = record;
  return { record: row, equipment };
}

builder.mutationField('correctMaintenanceRecord', (t) =>
  t.prismaField({
    authScopes: { may: 'correctMaintenanceRecord' },
    type: 'MaintenanceRecord',
    description: 'Corrects a maintenance record; the reason and the record before are kept in the audit trail.',
    errors: { types: commonErrors, dataField: { name: 'maintenanceRecord' } },
    args: { input: t.arg({ type: CorrectMaintenanceRecordFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: CorrectMaintenanceRecordRules, value: args.input },
        change: async ({ tx, input, audit }) => {
          const { record: before, equipment } = await liveRecord(tx, input.id.id);
          const maintenanceDate = input.maintenanceDate ?? before.maintenanceDate;
          const nextMaintenance = input.nextMaintenance === undefined ? before.nextMaintenance : input.nextMaintenance;
          if (nextMaintenance && nextMaintenance <= maintenanceDate) {
            throw new InputValidationError([
              { path: ['input', 'nextMaintenance'], message: 'Next maintenance must be after the maintenance date.' },
            ]);
          }
          const after = await tx.maintenanceRecord.update({
            where: { id: before.id },
            data: { maintenanceDate, nextMaintenance, notes: input.notes },
          });
          await audit({
            ...entity('MaintenanceRecord', { id: after.id, organisationId: equipment.organisationId }),
            action: 'correct',
            before,
            after: { ...after, reason: input.reason },
          });
          const followed = equipment.nextMaintenanceAt?.getTime() === before.nextMaintenance?.getTime();
          if (
            equipment.nextMaintenanceAt &&
            followed &&
            nextMaintenance?.getTime() !== before.nextMaintenance?.getTime()
          ) {
            await tx.equipment.update({ where: { id: equipment.id }, data: { nextMaintenanceAt: nextMaintenance } });
            await audit({
              ...entity('Equipment', equipment),
              action: 'update',
              before: { nextMaintenanceAt: equipment.nextMaintenanceAt },
              after: { nextMaintenanceAt: nextMaintenance, reason: input.reason },
            });
          }
          return after.id;
        },
        read: answer('maintenanceRecord', query),
      }),
  }),
);

builder.mutationField('removeMaintenanceRecord', (t) =>
  t.prismaField({
    authScopes: { may: 'removeMaintenanceRecord' },
    type: 'Equipment',
    description:
      'Removes a maintenance record entered by mistake, answering with its equipment; the reason and the record are kept in the audit trail. A record that closed a corrective action stays.',
    errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'equipment' } },
    args: {
      id: t.arg.globalID({ for: MaintenanceRecord }),
      reason: t.arg.string({ description: 'Why the record was wrong.' }),
    },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: {
          rules: validateFields<{ reason: string }>({ reason }),
          value: { reason: args.reason },
          argument: null,
        },
        change: async ({ tx, input, audit }) => {
          const { record, equipment } = await liveRecord(tx, args.id.id);
          if (await tx.correctiveAction.count({ where: { maintenanceRecordId: record.id } })) {
            throw new InvalidStateError(
              'This record closed a corrective action and returned its equipment to service: correct it instead of removing it.',
              'CLOSED_CORRECTIVE_ACTION',
            );
          }
          await tx.maintenanceRecord.delete({ where: { id: record.id } });
          await audit({
            ...entity('MaintenanceRecord', { id: record.id, organisationId: equipment.organisationId }),
            action: 'remove',
            before: record,
            after: { reason: input.reason },
          });
          return equipment.id;
        },
        read: answer('equipment', query),
      }),
  }),
);
