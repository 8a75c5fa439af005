import { builder } from '../../builder.js';
import { saneDate } from '../../lib/validation.js';
import { db, primary } from '../../db.js';
import { eventOf, liveEvents } from '../live/live-events.js';
import type { Prisma } from '../../generated/prisma/client.js';

export const MaintenanceRecord = builder.prismaNode('MaintenanceRecord', {
  authScopes: { may: 'readEquipment' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    maintenanceDate: t.expose('maintenanceDate', { type: 'DateTime' }),
    nextMaintenance: t.expose('nextMaintenance', { type: 'DateTime', nullable: true }),
    notes: t.exposeString('notes', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    equipment: t.relation('equipment'),
    performedBy: t.relation('performedBy'),
  }),
});

export const DateRange = builder.inputType('DateRange', {
  description: 'From (inclusive) and to (exclusive); either may be left open.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', required: false, validate: saneDate }),
    to: t.field({ type: 'DateTime', required: false, validate: saneDate }),
  }),
});

function maintenanceWhere(range: typeof DateRange.$inferInput | null | undefined): Prisma.MaintenanceRecordWhereInput {
  return { maintenanceDate: { gte: range?.from ?? undefined, lt: range?.to ?? undefined } };
}

const newestFirst = [
  { maintenanceDate: 'desc' },
  { id: 'desc' },
] satisfies Prisma.MaintenanceRecordOrderByWithRelationInput[];

builder.prismaObjectField('Equipment', 'maintenanceRecords', (t) =>
  t.relatedConnection('maintenanceRecords', {
    cursor: 'id',
    totalCount: true,
    description: 'Newest first.',
    args: { between: t.arg({ type: DateRange, required: false }) },
    query: (args) => ({ where: maintenanceWhere(args.between), orderBy: newestFirst }),
  }),
);

builder.prismaObjectField('User', 'maintenanceRecordsPerformed', (t) =>
  t.relatedConnection('maintenanceRecords', {
    cursor: 'id',
    totalCount: true,
    description: 'Newest first.',
    args: { between: t.arg({ type: DateRange, required: false }) },
    query: (args) => ({ where: maintenanceWhere(args.between), orderBy: newestFirst }),
  }),
);

builder.queryField('maintenanceRecords', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readEquipment' },
    type: 'MaintenanceRecord',
    cursor: 'id',
    description: "Maintenance of the organisation's equipment, newest first.",
    args: { between: t.arg({ type: DateRange, required: false }) },
    totalCount: (_connection, args) =>
      db.maintenanceRecord.count({
        where: maintenanceWhere(args.between),
      }),
    resolve: (query, _root, args) =>
      db.maintenanceRecord.findMany({
        ...query,
        where: maintenanceWhere(args.between),
        orderBy: newestFirst,
      }),
  }),
);

builder.subscriptionField('maintenanceRecordAdded', (t) =>
  t.prismaField({
    type: 'MaintenanceRecord',
    nullable: true,
    authScopes: { may: 'readEquipment' },
    description: 'A maintenance record added to any equipment. Null if it can no longer be read (removed since).',
    subscribe: (_root, _args, context) => liveEvents.subscribe(context, 'maintenance_record'),
    resolve: (query, delivery) =>
      primary.maintenanceRecord.findUnique({ ...query, where: { id: eventOf(delivery).id } }),
  }),
);
