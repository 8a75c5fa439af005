import { builder } from '../../builder.js';
import { db } from '../../db.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { CorrectiveActionStatus } from '../../generated/prisma/enums.js';
import { Equipment } from '../equipment/equipment.type.js';
import { openAction } from './rules.js';

builder.enumType(CorrectiveActionStatus, { name: 'CorrectiveActionStatus' });

export const CorrectiveAction = builder.prismaNode('CorrectiveAction', {
  authScopes: { may: 'readSafety' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  description:
    'What a failed inspection requires: its equipment is out of service until the maintenance that fixes it is recorded with this action (addMaintenanceRecord, correctiveActionId).',
  fields: (t) => ({
    description: t.exposeString('description', { description: 'The items that failed, and how.' }),
    status: t.expose('status', { type: CorrectiveActionStatus }),
    isOpen: t.boolean({
      description: openAction.description,
      select: { status: true },
      resolve: (action) => openAction.matches(action),
    }),
    openedAt: t.expose('openedAt', { type: 'DateTime' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    equipment: t.relation('equipment'),
    inspection: t.relation('inspection', {
      nullable: true,
      description: "The failed inspection: its inspector's and managers' to read (null, with an error, for others).",
    }),
    maintenanceRecord: t.relation('maintenanceRecord', {
      nullable: true,
      description: 'The maintenance that closed it.',
    }),
  }),
});

export const CorrectiveActionFilter = builder.inputType('CorrectiveActionFilter', {
  fields: (t) => ({
    open: t.boolean({ required: false, description: 'Only open actions (or only closed ones).' }),
    equipmentId: t.globalID({ for: Equipment, required: false }),
  }),
});

function actionWhere(
  filter: typeof CorrectiveActionFilter.$inferInput | null | undefined,
): Prisma.CorrectiveActionWhereInput {
  const where: Prisma.CorrectiveActionWhereInput[] = [];
  if (filter?.open === true) where.push(openAction.where());
  if (filter?.open === false) where.push({ NOT: openAction.where() });
  if (filter?.equipmentId) where.push({ equipmentId: filter.equipmentId.id });
  return { AND: where };
}

const newestFirst = [{ openedAt: 'desc' }, { id: 'desc' }] satisfies Prisma.CorrectiveActionOrderByWithRelationInput[];

builder.queryField('correctiveActions', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readSafety' },
    type: 'CorrectiveAction',
    cursor: 'id',
    description: 'Newest first; filter: { open: true } for what keeps equipment out of service.',
    args: { filter: t.arg({ type: CorrectiveActionFilter, required: false }) },
    totalCount: (_connection, args) => db.correctiveAction.count({ where: actionWhere(args.filter) }),
    resolve: (query, _root, args) =>
      db.correctiveAction.findMany({ ...query, where: actionWhere(args.filter), orderBy: newestFirst }),
  }),
);

builder.prismaObjectField('Equipment', 'correctiveActions', (t) =>
  t.relatedConnection('correctiveActions', {
    authScopes: { may: 'readSafety' },
    cursor: 'id',
    totalCount: true,
    description: 'Newest first.',
    args: { open: t.arg.boolean({ required: false, description: 'Only open actions (or only closed ones).' }) },
    query: (args) => ({ where: actionWhere({ open: args.open }), orderBy: newestFirst }),
  }),
);
