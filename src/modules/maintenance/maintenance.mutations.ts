import { builder } from '../../builder.js';
import { NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate } from '../../lib/mutation.js';
import { InputValidationError, optionalText, validateFields } from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { Equipment } from '../equipment/equipment.type.js';
import { colleague } from '../user/organisation-user.js';
import { User } from '../user/user.type.js';

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
    errors: { types: commonErrors, dataField: { name: 'maintenanceRecord' } },
    args: { input: t.arg({ type: AddMaintenanceRecordFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: AddMaintenanceRecordRules, value: args.input },
        change: async ({ tx, input, actor, audit }) => {
          const equipment = await tx.equipment.findFirst({ where: { id: input.equipmentId.id, deletedAt: null } });
          if (!equipment) throw new NotFoundError('Equipment');
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
          const recorded = { organisationId: equipment.organisationId, entityType: 'MaintenanceRecord' };
          await audit({ ...recorded, action: 'create', entityId: record.id, after: record });
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
