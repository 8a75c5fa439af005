import { builder } from '../../builder.js';
import { NotFoundError } from '../../lib/errors.js';
import { requireViewer } from '../../lib/tenancy.js';
import { optionalText, validated, validateFields } from '../../lib/validation.js';
import { readBack, write } from '../../lib/write.js';
import { commonErrors } from '../common/errors.type.js';
import { Equipment } from '../equipment/equipment.type.js';
import { organisationUser } from '../user/organisation-user.js';
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
      write(context, async (tx, audit) => {
        const input = await validated(AddMaintenanceRecordRules, args.input);
        const viewer = requireViewer(context);
        const equipment = await tx.equipment.findFirst({
          where: { id: input.equipmentId.id, organisationId: viewer.organisationId, deletedAt: null },
        });
        if (!equipment) throw new NotFoundError('Equipment');
        const performedById = input.performedById?.id ?? viewer.id;
        await organisationUser(tx, performedById, viewer.organisationId);
        const record = await tx.maintenanceRecord.create({
          data: {
            equipmentId: equipment.id,
            performedById,
            maintenanceDate: input.maintenanceDate,
            nextMaintenance: input.nextMaintenance,
            notes: input.notes,
          },
        });
        await audit({ action: 'create', entityType: 'MaintenanceRecord', entityId: record.id, after: record });
        if (input.nextMaintenance) {
          const updated = await tx.equipment.update({
            where: { id: equipment.id },
            data: { nextMaintenanceAt: input.nextMaintenance },
          });
          await audit({
            action: 'update',
            entityType: 'Equipment',
            entityId: equipment.id,
            before: { nextMaintenanceAt: equipment.nextMaintenanceAt },
            after: { nextMaintenanceAt: updated.nextMaintenanceAt },
          });
        }
        return tx.maintenanceRecord.findUniqueOrThrow({ ...readBack(query), where: { id: record.id } });
      }),
  }),
);
