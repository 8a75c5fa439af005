import { createContextCache } from '@pothos/core';
import { formatPrismaCursor, parsePrismaCursor, queryFromInfo } from '@pothos/plugin-prisma';
import { resolveCursorConnection, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import DataLoader from 'dataloader';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { db, primary } from '../../db.js';
import { Prisma } from '../../generated/prisma/client.js';
import { InspectionResult } from '../../generated/prisma/enums.js';
import { MAX_PAGE_SIZE } from '../../lib/pagination.js';
import { allows } from '../../lib/permissions.js';
import { listSize } from '../../lib/query-cost.js';
import { requireTenant, tenantSql } from '../../lib/tenancy.js';
import { notACursor, UUID } from '../../lib/validation.js';
import { Equipment } from '../equipment/equipment.type.js';
import { eventOf, liveEvents } from '../live/live-events.js';
import { Organisation } from '../organisation/organisation.type.js';
import { MAX_CHECKLIST_ITEMS } from './checklist.type.js';
import { DUE_WITHIN_DAYS, inService, inspectionDue, InspectionState } from './rules.js';

builder.enumType(InspectionResult, { name: 'InspectionResult' });

const InspectionStateEnum = builder.enumType('InspectionState', {
  values: {
    CURRENT: { description: `Passed within its interval, and not due within ${DUE_WITHIN_DAYS} days.` },
    DUE: { description: `Passed within its interval, and due again within ${DUE_WITHIN_DAYS} days.` },
    OVERDUE: { description: 'Never passed an inspection, or its last pass is older than its interval.' },
    NOT_IN_SERVICE: { description: `Not in service (${inService.description}): nothing is due.` },
  } as const,
});

/** One's own safety records are one's own to read; everyone's are a manager's. */
export const ownOrRecords = (ownerId: string, context: Context) =>
  ownerId === context.viewer?.id ? { may: 'readSafety' as const } : { may: 'readSafetyRecords' as const };

export const Inspection = builder.prismaNode('Inspection', {
  authScopes: (inspection, context) => ownOrRecords(inspection.inspectorId, context),
  select: { id: true, inspectorId: true },
  id: { field: 'id' },
  nullable: true,
  description:
    'An inspection of equipment against the checklist version current when it started; submitted once, with its result computed.',
  fields: (t) => ({
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime', nullable: true, description: 'Null while in progress.' }),
    result: t.expose('result', {
      type: InspectionResult,
      nullable: true,
      description: 'FAIL when any critical item failed; null while in progress.',
    }),
    equipment: t.relation('equipment'),
    inspector: t.relation('inspector'),
    version: t.relation('version', { description: 'The checklist version it answers.' }),
    answers: t.relation('answers', {
      description: 'In the order of their items.',
      query: { orderBy: { item: { position: 'asc' } }, take: MAX_CHECKLIST_ITEMS },
      extensions: listSize(MAX_CHECKLIST_ITEMS),
    }),
    correctiveAction: t.relation('correctiveAction', {
      nullable: true,
      description: 'What its failure requires before the equipment is used again.',
    }),
  }),
});

builder.prismaObject('InspectionAnswer', {
  select: { id: true },
  fields: (t) => ({
    item: t.relation('item'),
    yes: t.exposeBoolean('yesValue', { nullable: true }),
    number: t.expose('numberValue', { type: 'Decimal', nullable: true }),
    text: t.exposeString('textValue', { nullable: true }),
    note: t.exposeString('note', { nullable: true }),
    failed: t.exposeBoolean('failed', { description: 'No to a yes/no question, or a number outside its range.' }),
  }),
});

export const InspectionFilter = builder.inputType('InspectionFilter', {
  fields: (t) => ({
    result: t.field({ type: [InspectionResult], required: false, description: 'Any of these results.' }),
    submitted: t.boolean({ required: false, description: 'Only submitted inspections (or only those in progress).' }),
  }),
});

function inspectionWhere(filter: typeof InspectionFilter.$inferInput | null | undefined): Prisma.InspectionWhereInput {
  return {
    result: filter?.result?.length ? { in: filter.result } : undefined,
    submittedAt: filter?.submitted === true ? { not: null } : filter?.submitted === false ? null : undefined,
  };
}

const newestFirst = [{ startedAt: 'desc' }, { id: 'desc' }] satisfies Prisma.InspectionOrderByWithRelationInput[];

builder.queryField('inspections', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readSafetyRecords' },
    type: 'Inspection',
    cursor: 'id',
    description: "Everyone's inspections, newest first. One's own: viewer { inspections }.",
    args: { filter: t.arg({ type: InspectionFilter, required: false }) },
    totalCount: (_connection, args) => db.inspection.count({ where: inspectionWhere(args.filter) }),
    resolve: (query, _root, args) =>
      db.inspection.findMany({ ...query, where: inspectionWhere(args.filter), orderBy: newestFirst }),
  }),
);

builder.prismaObjectField('User', 'inspections', (t) =>
  t.relatedConnection('inspections', {
    authScopes: (user, _args, context) => ownOrRecords(user.id, context),
    cursor: 'id',
    totalCount: true,
    description: 'The inspections this user started, newest first.',
    args: { filter: t.arg({ type: InspectionFilter, required: false }) },
    query: (args) => ({ where: inspectionWhere(args.filter), orderBy: newestFirst }),
  }),
);

builder.prismaObjectField('Equipment', 'inspections', (t) =>
  t.relatedConnection('inspections', {
    authScopes: { may: 'readSafetyRecords' },
    cursor: 'id',
    totalCount: true,
    description: 'Newest first.',
    args: { filter: t.arg({ type: InspectionFilter, required: false }) },
    query: (args) => ({ where: inspectionWhere(args.filter), orderBy: newestFirst }),
  }),
);

/** A row of inspectionDue.subjects. */
type SubjectRow = {
  equipment_id: string;
  organisation_id: string;
  interval_days: number;
  in_service: boolean;
  last_passed_at: Date | null;
  due_at: Date | null;
};

type InspectionStatus = { lastPassedAt: Date | null; dueAt: Date | null; intervalDays: number; state: InspectionState };

function statusOf(row: SubjectRow, now: Date): InspectionStatus {
  const subject = { lastPassedAt: row.last_passed_at, intervalDays: row.interval_days, inService: row.in_service };
  return {
    lastPassedAt: row.last_passed_at,
    dueAt: row.due_at,
    intervalDays: row.interval_days,
    state: inspectionDue.state(subject, now),
  };
}

/** The request's one clock for inspection due dates: every list, count and state of it agrees. */
const requestNow = createContextCache((_context: Context) => new Date());

// The inspection status of every equipment on the page, in one statement.
const inspectionStatuses = createContextCache(
  (context: Context) =>
    new DataLoader<string, InspectionStatus | null>(async (ids) => {
      const now = requestNow(context);
      const rows = await db.$queryRaw<SubjectRow[]>`
        ${inspectionDue.subjects(Prisma.sql`e.id = ANY(${[...ids]}::uuid[]) AND ${tenantSql(requireTenant(context), 'e.organisation_id')}`)}`;
      const byId = new Map(rows.map((row) => [row.equipment_id, statusOf(row, now)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
);

const InspectionStatusRef = builder.objectRef<InspectionStatus>('EquipmentInspectionStatus').implement({
  description: inspectionDue.description,
  fields: (t) => ({
    state: t.field({ type: InspectionStateEnum, resolve: (status) => status.state }),
    lastPassedAt: t.expose('lastPassedAt', { type: 'DateTime', nullable: true }),
    dueAt: t.expose('dueAt', {
      type: 'DateTime',
      nullable: true,
      description: 'The last pass plus the interval; null when it never passed (overdue).',
    }),
    intervalDays: t.exposeInt('intervalDays'),
  }),
});

builder.objectField(Equipment, 'inspectionStatus', (t) =>
  t.field({
    type: InspectionStatusRef,
    nullable: true,
    authScopes: { may: 'readSafety' },
    description: 'Where it stands with its inspections; null when no checklist is for its category.',
    resolve: (equipment, _args, context) => inspectionStatuses(context).load(equipment.id),
  }),
);

/** A page position in the due list: (never passed first, due date, id), as the cursor carries it. */
function dueCursor(cursor: string | undefined): Prisma.Sql | null {
  if (cursor === undefined) return null;
  const value: unknown = parsePrismaCursor(cursor);
  const [id, dueAt] = Array.isArray(value) ? (value as unknown[]) : [];
  if (typeof id !== 'string' || !UUID.test(id) || !(dueAt === null || dueAt instanceof Date)) {
    throw notACursor();
  }
  return Prisma.sql`(${dueAt !== null}, coalesce(${dueAt}::timestamptz, 'epoch'), ${id}::uuid)`;
}

const DueFilter = builder.inputType('InspectionDueFilter', {
  fields: (t) => ({
    overdueOnly: t.boolean({ required: false, description: 'Only equipment whose inspection is overdue.' }),
  }),
});

builder.queryField('inspectionsDue', (t) =>
  t.connection(
    {
      type: Equipment,
      authScopes: { may: 'readSafety' },
      description: `Equipment in service whose inspection is due (within ${DUE_WITHIN_DAYS} days) or overdue: never passed first, then by due date. ${inspectionDue.description}`,
      args: { filter: t.arg({ type: DueFilter, required: false }) },
      resolve: async (_root, args, context, info) => {
        const now = requestNow(context);
        const tenant = requireTenant(context);
        const subjects = inspectionDue.subjects(
          Prisma.sql`${tenantSql(tenant, 'e.organisation_id')} AND ${inService.sql('e')}`,
        );
        const listed = args.filter?.overdueOnly
          ? inspectionDue.overdueSql(Prisma.sql`s.due_at`, now)
          : Prisma.sql`(${inspectionDue.overdueSql(Prisma.sql`s.due_at`, now)} OR ${inspectionDue.dueSql(Prisma.sql`s.due_at`, now)})`;
        const page = async ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) => {
          const from = dueCursor(after);
          const to = dueCursor(before);
          const key = Prisma.sql`(s.due_at IS NOT NULL, coalesce(s.due_at, 'epoch'), s.equipment_id)`;
          const rows = await db.$queryRaw<SubjectRow[]>`
            SELECT s.* FROM (${subjects}) s
            WHERE ${listed}
              AND ${from ? Prisma.sql`${key} > ${from}` : Prisma.sql`TRUE`}
              AND ${to ? Prisma.sql`${key} < ${to}` : Prisma.sql`TRUE`}
            ORDER BY ${key} ${inverted ? Prisma.sql`DESC` : Prisma.sql`ASC`}
            LIMIT ${limit}`;
          const loader = inspectionStatuses(context);
          for (const row of rows) loader.prime(row.equipment_id, statusOf(row, now));
          const query = queryFromInfo({ context, info, typeName: 'Equipment', path: ['edges', 'node'] });
          const equipment = await db.equipment.findMany({
            ...query,
            where: { id: { in: rows.map((row) => row.equipment_id) } },
          });
          const byId = new Map(equipment.map((unit) => [unit.id, unit]));
          return rows.flatMap((row) => {
            const unit = byId.get(row.equipment_id);
            return unit ? [{ ...unit, dueAt: row.due_at }] : [];
          });
        };
        const connection = await resolveCursorConnection(
          {
            args,
            maxSize: MAX_PAGE_SIZE,
            toCursor: (unit) => formatPrismaCursor({ id: unit.id, dueAt: unit.dueAt }, ['id', 'dueAt']),
          },
          page,
        );
        const totalCount = async () => {
          const [row] = await db.$queryRaw<{ count: number }[]>`
            SELECT count(*)::int AS count FROM (${subjects}) s WHERE ${listed}`;
          return row!.count;
        };
        return { ...connection, totalCount };
      },
    },
    {
      fields: (connection) => ({
        totalCount: connection.int({ resolve: (result) => result.totalCount() }),
      }),
    },
  ),
);

type ComplianceRow = {
  organisation_id: string;
  equipment: number;
  overdue: number;
  due: number;
};

export type Compliance = { equipmentCount: number; compliantCount: number; dueCount: number; overdueCount: number };

// The compliance of each organisation asked for, in one statement whatever its size.
const compliances = createContextCache(
  (context: Context) =>
    new DataLoader<string, Compliance>(async (ids) => {
      const now = requestNow(context);
      const dueAt = Prisma.sql`s.due_at`;
      const rows = await db.$queryRaw<ComplianceRow[]>`
        SELECT s.organisation_id, count(*)::int AS equipment,
          count(*) FILTER (WHERE ${inspectionDue.overdueSql(dueAt, now)})::int AS overdue,
          count(*) FILTER (WHERE ${inspectionDue.dueSql(dueAt, now)})::int AS due
        FROM (${inspectionDue.subjects(
          Prisma.sql`e.organisation_id = ANY(${[...ids]}::uuid[]) AND ${tenantSql(requireTenant(context), 'e.organisation_id')} AND ${inService.sql('e')}`,
        )}) s
        GROUP BY s.organisation_id`;
      return ids.map((id) => {
        const row = rows.find((candidate) => candidate.organisation_id === id);
        const equipment = row?.equipment ?? 0;
        const overdue = row?.overdue ?? 0;
        return {
          equipmentCount: equipment,
          compliantCount: equipment - overdue,
          dueCount: row?.due ?? 0,
          overdueCount: overdue,
        };
      });
    }),
);

const InspectionCompliance = builder.objectRef<Compliance>('InspectionCompliance').implement({
  description: `Of the equipment in service that a checklist is for, how much passed an inspection within its interval. ${inspectionDue.description}`,
  fields: (t) => ({
    equipmentCount: t.exposeInt('equipmentCount', {
      description: `Equipment in service (${inService.description}) that a checklist is for.`,
    }),
    compliantCount: t.exposeInt('compliantCount', { description: 'Of them, passed within the interval: not overdue.' }),
    dueCount: t.exposeInt('dueCount', { description: `Of the compliant, due within ${DUE_WITHIN_DAYS} days.` }),
    overdueCount: t.exposeInt('overdueCount'),
    ratio: t.float({
      nullable: true,
      description: 'compliantCount / equipmentCount, from 0 to 1; null without such equipment.',
      resolve: (compliance) =>
        compliance.equipmentCount === 0 ? null : compliance.compliantCount / compliance.equipmentCount,
    }),
  }),
});

builder.objectField(Organisation, 'inspectionCompliance', (t) =>
  t.field({
    type: InspectionCompliance,
    authScopes: { may: 'readSafety' },
    description: 'Computed in the database, in one statement for any number of equipment.',
    resolve: (organisation, _args, context) => compliances(context).load(organisation.id),
  }),
);

builder.subscriptionField('inspectionSubmitted', (t) =>
  t.prismaField({
    type: 'Inspection',
    nullable: true,
    authScopes: { may: 'readSafety' },
    description:
      "An inspection submitted, with its result: one's own for anyone, everyone's for managers. A failed one also changes its equipment (equipmentChanged).",
    subscribe: (_root, _args, context) =>
      liveEvents.subscribe(context, 'inspection', (event) =>
        allows(context.viewer, ownOrRecords(event.userId ?? '', context)),
      ),
    resolve: (query, delivery) => primary.inspection.findUnique({ ...query, where: { id: eventOf(delivery).id } }),
  }),
);
