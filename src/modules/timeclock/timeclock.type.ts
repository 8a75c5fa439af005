import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { db, primary } from '../../db.js';
import type { Prisma, TimeEntry as TimeEntryRow } from '../../generated/prisma/client.js';
import { TimeEntrySource } from '../../generated/prisma/enums.js';
import { allows } from '../../lib/permissions.js';
import { listSize } from '../../lib/query-cost.js';
import { eventOf, liveEvents } from '../live/live-events.js';
import { DateRange } from '../maintenance/maintenance.type.js';
import { User } from '../user/user.type.js';
import { worked } from './rules.js';

builder.enumType(TimeEntrySource, { name: 'TimeEntrySource' });

/** One's own time is one's own to read; everyone's is their managers'. */
export const ownTimeOrManaged = (userId: string | undefined, context: Context) =>
  userId !== undefined && userId === context.viewer?.id ? true : { may: 'readTimesheets' as const };

/** The most breaks one entry holds. */
export const MAX_BREAKS = 20;

const breakOrder = [{ startedAt: 'asc' }, { id: 'asc' }] satisfies Prisma.TimeBreakOrderByWithRelationInput[];

export const GeoPoint = builder.simpleObject('GeoPoint', {
  description: 'A place on Earth, in WGS 84 degrees.',
  fields: (t) => ({ latitude: t.float(), longitude: t.float() }),
});

export const TimeEntry = builder.prismaNode('TimeEntry', {
  authScopes: (entry, context) => ownTimeOrManaged(entry.userId, context),
  select: { id: true, userId: true },
  id: { field: 'id' },
  nullable: true,
  description: 'One shift of one user: clock-in to clock-out, with its breaks.',
  fields: (t) => ({
    clockIn: t.expose('clockIn', { type: 'DateTime' }),
    clockOut: t.expose('clockOut', { type: 'DateTime', nullable: true, description: 'Null while clocked in.' }),
    isOpen: t.boolean({
      description: 'Clocked in, not out yet.',
      select: { clockOut: true },
      resolve: (entry) => entry.clockOut === null,
    }),
    source: t.expose('source', { type: TimeEntrySource, description: 'Where the clock-in was punched.' }),
    location: t.field({
      type: GeoPoint,
      nullable: true,
      description: 'Where the clock-in was punched, when the device told.',
      select: { latitude: true, longitude: true },
      resolve: ({ latitude, longitude }) => (latitude === null || longitude === null ? null : { latitude, longitude }),
    }),
    notes: t.exposeString('notes', { nullable: true }),
    workedSeconds: t.int({
      description: worked.description,
      // The breaks field's own order: the two selections then merge into one.
      select: {
        clockIn: true,
        clockOut: true,
        breaks: { select: { startedAt: true, endedAt: true }, orderBy: breakOrder },
      },
      resolve: (entry) => worked.seconds(entry, entry.breaks),
    }),
    breaks: t.relation('breaks', {
      description: 'In the order they were taken.',
      query: { orderBy: breakOrder },
      extensions: listSize(MAX_BREAKS),
    }),
    user: t.relation('user'),
    approval: t.relation('approval', {
      nullable: true,
      description: 'The approved timesheet that locks this entry against change.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const TimeBreak = builder.prismaNode('TimeBreak', {
  authScopes: (pause, context) => ownTimeOrManaged(pause.entry.userId, context),
  select: { id: true, entry: { select: { userId: true } } },
  id: { field: 'id' },
  nullable: true,
  description: 'A break inside a time entry; not worked time.',
  fields: (t) => ({
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true, description: 'Null while on the break.' }),
    entry: t.relation('entry'),
  }),
});

export const TimesheetApproval = builder.prismaNode('TimesheetApproval', {
  authScopes: (approval, context) => ownTimeOrManaged(approval.userId, context),
  select: { id: true, userId: true },
  id: { field: 'id' },
  nullable: true,
  description:
    "A user's timesheet approved for a period of local days: its entries are locked against change, and it is what payroll exports.",
  fields: (t) => ({
    from: t.expose('fromDate', { type: 'Date', description: 'The first local day approved.' }),
    to: t.expose('toDate', { type: 'Date', description: 'The last local day approved.' }),
    startsAt: t.expose('startsAt', { type: 'DateTime', description: 'Local midnight at the start of from.' }),
    endsAt: t.expose('endsAt', { type: 'DateTime', description: 'Local midnight at the end of to.' }),
    approvedAt: t.expose('approvedAt', { type: 'DateTime' }),
    user: t.relation('user'),
    approvedBy: t.relation('approvedBy'),
    entries: t.relatedConnection('entries', {
      cursor: 'id',
      totalCount: true,
      description: 'The entries it locks, oldest first.',
      query: { orderBy: [{ clockIn: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

/** Entries overlapping a range of instants (either end may be open). */
export function overlapping(range: { from?: Date | null; to?: Date | null } | null | undefined) {
  const where: Prisma.TimeEntryWhereInput[] = [];
  if (range?.to) where.push({ clockIn: { lt: range.to } });
  if (range?.from) where.push({ OR: [{ clockOut: null }, { clockOut: { gt: range.from } }] });
  return where;
}

export const TimeEntryFilter = builder.inputType('TimeEntryFilter', {
  fields: (t) => ({
    userId: t.globalID({
      for: User,
      required: false,
      description: "Only this user's entries. Without it, every user's: for managers.",
    }),
    between: t.field({ type: DateRange, required: false, description: 'Entries overlapping this range.' }),
    open: t.boolean({ required: false, description: 'Only entries still open (or only closed ones).' }),
  }),
});

function timeEntryWhere(filter: typeof TimeEntryFilter.$inferInput | null | undefined): Prisma.TimeEntryWhereInput {
  const where = overlapping(filter?.between);
  if (filter?.userId) where.push({ userId: filter.userId.id });
  if (filter?.open === true) where.push({ clockOut: null });
  if (filter?.open === false) where.push({ clockOut: { not: null } });
  return { AND: where };
}

const newestFirst = [{ clockIn: 'desc' }, { id: 'desc' }] satisfies Prisma.TimeEntryOrderByWithRelationInput[];

builder.queryField('timeEntries', (t) =>
  t.prismaConnection({
    authScopes: (_root, args, context) => ownTimeOrManaged(args.filter?.userId?.id, context),
    type: 'TimeEntry',
    cursor: 'id',
    description:
      "Time entries in the organisation, newest first: one's own (filter.userId: the viewer) for anyone, everyone's for managers.",
    args: { filter: t.arg({ type: TimeEntryFilter, required: false }) },
    totalCount: (_connection, args) => db.timeEntry.count({ where: timeEntryWhere(args.filter) }),
    resolve: (query, _root, args) =>
      db.timeEntry.findMany({ ...query, where: timeEntryWhere(args.filter), orderBy: newestFirst }),
  }),
);

builder.prismaObjectField('User', 'timeEntries', (t) =>
  t.relatedConnection('timeEntries', {
    authScopes: (user, _args, context) => ownTimeOrManaged(user.id, context),
    cursor: 'id',
    totalCount: true,
    description: 'Newest first.',
    args: { between: t.arg({ type: DateRange, required: false }) },
    query: (args) => ({ where: { AND: overlapping(args.between) }, orderBy: newestFirst }),
  }),
);

builder.prismaObjectFields('User', (t) => ({
  openTimeEntry: t.field({
    type: TimeEntry,
    nullable: true,
    authScopes: (user, _args, context) => ownTimeOrManaged(user.id, context),
    description: 'The entry the user is clocked in on, if any.',
    select: (_args, _context, nestedSelection) => ({
      timeEntries: nestedSelection({ where: { clockOut: null }, take: 1 }),
    }),
    // The select above loads it; prismaObjectFields' typings do not carry a select into the parent.
    resolve: (user) => (user as typeof user & { timeEntries: TimeEntryRow[] }).timeEntries[0] ?? null,
  }),
}));

builder.subscriptionField('timeEntryPunched', (t) =>
  t.prismaField({
    type: 'TimeEntry',
    nullable: true,
    authScopes: { signedIn: true },
    description:
      "A punch (clock-in, a break started or ended, clock-out, or a manager's correction), as its time entry is now: one's own for anyone, everyone's for managers.",
    subscribe: (_root, _args, context) =>
      liveEvents.subscribe(context, 'time_entry', (event) =>
        allows(context.viewer, ownTimeOrManaged(event.userId ?? undefined, context)),
      ),
    resolve: (query, delivery) => primary.timeEntry.findUnique({ ...query, where: { id: eventOf(delivery).id } }),
  }),
);
