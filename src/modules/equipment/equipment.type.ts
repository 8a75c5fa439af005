import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { containing, searchText } from '../../lib/validation.js';
import { builder } from '../../builder.js';
import { overdue } from './rules.js';
import type { Context } from '../../context.js';
import { db, primary } from '../../db.js';
import { eventOf, liveEvents } from '../live/live-events.js';
import { EquipmentCategory, EquipmentStatus } from '../../generated/prisma/enums.js';
import type { Prisma } from '../../generated/prisma/client.js';

builder.enumType(EquipmentCategory, { name: 'EquipmentCategory' });
builder.enumType(EquipmentStatus, { name: 'EquipmentStatus' });

type MaintenanceStats = { count: number; last: Date | null };

// Count and latest date of the maintenance of every equipment on the page, in one grouped query.
const maintenanceStats = createContextCache(
  (_context: Context) =>
    new DataLoader<string, MaintenanceStats>(async (ids) => {
      const groups = await db.maintenanceRecord.groupBy({
        by: ['equipmentId'],
        where: { equipmentId: { in: [...ids] } },
        _count: { _all: true },
        _max: { maintenanceDate: true },
      });
      const byId = new Map(groups.map((group) => [group.equipmentId, group]));
      return ids.map((id) => {
        const group = byId.get(id);
        return { count: group?._count._all ?? 0, last: group?._max.maintenanceDate ?? null };
      });
    }),
);

export const Equipment = builder.prismaNode('Equipment', {
  authScopes: { may: 'readEquipment' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    serialNumber: t.exposeString('serialNumber'),
    category: t.expose('category', { type: EquipmentCategory }),
    status: t.expose('status', { type: EquipmentStatus }),
    nextMaintenanceAt: t.expose('nextMaintenanceAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deletedAt: t.expose('deletedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Set while the equipment is deleted.',
    }),
    isOverdue: t.boolean({
      description: overdue.description,
      select: { status: true, nextMaintenanceAt: true, deletedAt: true },
      resolve: (equipment) => overdue.matches(equipment),
    }),
    maintenanceCount: t.int({
      resolve: async (equipment, _args, context) => (await maintenanceStats(context).load(equipment.id)).count,
    }),
    lastMaintenanceAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: async (equipment, _args, context) => (await maintenanceStats(context).load(equipment.id)).last,
    }),
    organisation: t.relation('organisation'),
    createdBy: t.relation('createdBy', { nullable: true }),
  }),
});

const equipmentOrders = {
  NAME_ASC: [{ name: 'asc' }, { id: 'asc' }],
  NAME_DESC: [{ name: 'desc' }, { id: 'desc' }],
  NEXT_MAINTENANCE_ASC: [{ nextMaintenanceAt: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
  CREATED_DESC: [{ createdAt: 'desc' }, { id: 'desc' }],
} satisfies Record<string, Prisma.EquipmentOrderByWithRelationInput[]>;

export const EquipmentOrder = builder.enumType('EquipmentOrder', {
  values: Object.keys(equipmentOrders) as (keyof typeof equipmentOrders)[],
});

function equipmentOrderBy(order: keyof typeof equipmentOrders | null | undefined) {
  return equipmentOrders[order ?? 'NAME_ASC'];
}

export const EquipmentFilter = builder.inputType('EquipmentFilter', {
  fields: (t) => ({
    status: t.field({ type: [EquipmentStatus], required: false, description: 'Any of these statuses.' }),
    category: t.field({ type: [EquipmentCategory], required: false, description: 'Any of these categories.' }),
    search: t.string({
      required: false,
      validate: searchText,
      description: 'Part of the name or serial number, any case.',
    }),
    overdue: t.boolean({ required: false, description: 'Only equipment whose maintenance is (or is not) overdue.' }),
    deleted: t.boolean({
      required: false,
      description: 'true: only deleted equipment; default: only equipment not deleted.',
    }),
  }),
});

type EquipmentFilterShape = typeof EquipmentFilter.$inferInput;

export function equipmentWhere(
  filter: EquipmentFilterShape | null | undefined,
  now = new Date(),
): Prisma.EquipmentWhereInput {
  const where: Prisma.EquipmentWhereInput[] = [filter?.deleted ? { deletedAt: { not: null } } : { deletedAt: null }];
  if (filter?.status?.length) where.push({ status: { in: filter.status } });
  if (filter?.category?.length) where.push({ category: { in: filter.category } });
  if (filter?.search) {
    where.push({
      OR: [{ name: containing(filter.search) }, { serialNumber: containing(filter.search) }],
    });
  }
  if (filter?.overdue === true) where.push(overdue.where(now));
  if (filter?.overdue === false) where.push(overdue.whereNot(now));
  return { AND: where };
}

builder.prismaObjectField('Organisation', 'equipment', (t) =>
  t.relatedConnection('equipment', {
    cursor: 'id',
    totalCount: true,
    args: {
      filter: t.arg({ type: EquipmentFilter, required: false }),
      orderBy: t.arg({ type: EquipmentOrder, required: false }),
    },
    query: (args) => ({ where: equipmentWhere(args.filter), orderBy: equipmentOrderBy(args.orderBy) }),
  }),
);

builder.prismaObjectField('User', 'createdEquipment', (t) =>
  t.relatedConnection('createdEquipment', {
    cursor: 'id',
    totalCount: true,
    query: { where: { deletedAt: null }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
  }),
);

builder.queryField('equipment', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readEquipment' },
    type: 'Equipment',
    cursor: 'id',
    description:
      "The viewer's organisation's equipment: filtered, ordered (by name unless told otherwise), a page at a time. With maintenanceCount and lastMaintenanceAt it is the paginated equipment summary.",
    args: {
      filter: t.arg({ type: EquipmentFilter, required: false }),
      orderBy: t.arg({ type: EquipmentOrder, required: false }),
    },
    totalCount: (_connection, args) => db.equipment.count({ where: equipmentWhere(args.filter) }),
    resolve: (query, _root, args) =>
      db.equipment.findMany({
        ...query,
        where: equipmentWhere(args.filter),
        orderBy: equipmentOrderBy(args.orderBy),
      }),
  }),
);

builder.subscriptionField('equipmentChanged', (t) =>
  t.prismaField({
    type: 'Equipment',
    nullable: true,
    authScopes: { may: 'readEquipment' },
    description:
      'Equipment whose status or next maintenance changed (an edit, a maintenance record, a failed inspection), as it is now. Null if it can no longer be read.',
    subscribe: (_root, _args, context) => liveEvents.subscribe(context, 'equipment'),
    resolve: (query, delivery) => primary.equipment.findUnique({ ...query, where: { id: eventOf(delivery).id } }),
  }),
);
