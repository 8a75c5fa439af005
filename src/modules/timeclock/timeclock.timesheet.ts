import { builder } from '../../builder.js';
import { db, type Db } from '../../db.js';
import { Prisma } from '../../generated/prisma/client.js';
import { listSize } from '../../lib/query-cost.js';
import { requireTenant, tenantSql, type Tenant } from '../../lib/tenancy.js';
import { User } from '../user/user.type.js';
import { addDays, checkPeriod, MAX_PERIOD_DAYS, mondayOf, overtime, worked } from './rules.js';
import { overlapping, ownTimeOrManaged } from './timeclock.type.js';

/** One local day of one user, as the database counts it. */
export type DayRow = {
  userId: string;
  timeZone: string;
  day: string;
  startsAt: Date;
  endsAt: Date;
  grossSeconds: number;
  breakSeconds: number;
  approvalId: string | null;
  approvedAt: Date | null;
  approvedBy: string | null;
};

const DAY_MS = 86_400_000;

/**
 * Every local day from first to last (inclusive) of each user, in their organisation's time zone,
 * with the time worked in it, in one statement whatever the number of entries. A local day runs
 * from local midnight to the next (23 or 25 hours on the days daylight saving time starts or ends),
 * so an entry across midnight counts on both days. Users outside the tenant have no days.
 */
export function dayTotals(
  client: Pick<Db, '$queryRaw'>,
  tenant: Tenant,
  { userIds, first, last, now = new Date() }: { userIds: string[]; first: string; last: string; now?: Date },
): Promise<DayRow[]> {
  // Time zones are within a day of UTC: these bounds hold every local day of the range.
  const earliest = new Date(Date.parse(`${first}T00:00:00Z`) - DAY_MS);
  const latest = new Date(Date.parse(`${last}T00:00:00Z`) + 2 * DAY_MS);
  return client.$queryRaw<DayRow[]>`
    WITH people AS (
      SELECT u.id AS user_id, o.time_zone AS tz
      FROM auth.users u JOIN auth.organisations o ON o.id = u.organisation_id
      WHERE u.id = ANY(${userIds}::uuid[]) AND ${tenantSql(tenant, 'u.organisation_id')}
    ), days AS (
      SELECT p.user_id, p.tz, d::date AS day, d AT TIME ZONE p.tz AS starts, (d + interval '1 day') AT TIME ZONE p.tz AS ends
      FROM people p, generate_series(${first}::date::timestamp, ${last}::date::timestamp, interval '1 day') AS d
    ), counted AS (
      SELECT e.id, e.user_id, e.clock_in, e.clock_out
      FROM timeclock.time_entries e JOIN people p ON p.user_id = e.user_id
      WHERE tstzrange(e.clock_in, COALESCE(e.clock_out, 'infinity'), '[)') && tstzrange(${earliest}::timestamptz, ${latest}::timestamptz, '[)')
    ), spans AS (${worked.spans(Prisma.sql`counted`, now)})
    SELECT d.user_id AS "userId", d.tz AS "timeZone", d.day::text AS day, d.starts AS "startsAt", d.ends AS "endsAt",
      COALESCE(sum(EXTRACT(epoch FROM LEAST(s.ends, d.ends) - GREATEST(s.starts, d.starts))) FILTER (WHERE s.sign = 1), 0)::int AS "grossSeconds",
      COALESCE(sum(EXTRACT(epoch FROM LEAST(s.ends, d.ends) - GREATEST(s.starts, d.starts))) FILTER (WHERE s.sign = -1), 0)::int AS "breakSeconds",
      a.id AS "approvalId", a.approved_at AS "approvedAt", approver.email::text AS "approvedBy"
    FROM days d
    LEFT JOIN spans s ON s.user_id = d.user_id AND s.ends > s.starts AND s.starts < d.ends AND s.ends > d.starts
    LEFT JOIN LATERAL (
      SELECT a.id, a.approved_at, a.approved_by FROM timeclock.timesheet_approvals a
      WHERE a.user_id = d.user_id AND d.day BETWEEN a.from_date AND a.to_date
      ORDER BY a.approved_at LIMIT 1
    ) a ON TRUE
    LEFT JOIN auth.users approver ON approver.id = a.approved_by
    GROUP BY d.user_id, d.tz, d.day, d.starts, d.ends, a.id, a.approved_at, approver.email
    ORDER BY d.user_id, d.day`;
}

export type TimesheetDayShape = {
  date: string;
  startsAt: Date;
  endsAt: Date;
  workedSeconds: number;
  breakSeconds: number;
  overtimeSeconds: number;
  approved: boolean;
};

export type TimesheetWeekShape = { startDate: string; endDate: string; workedSeconds: number; overtimeSeconds: number };

/** A user's local days of a period, and the whole weeks (Monday to Sunday) they fall in. */
export function daysAndWeeks(rows: DayRow[], from: string, to: string) {
  const days: TimesheetDayShape[] = [];
  const weeks = new Map<string, TimesheetWeekShape>();
  for (const row of rows) {
    const workedSeconds = row.grossSeconds - row.breakSeconds;
    const monday = mondayOf(row.day);
    const week = weeks.get(monday) ?? {
      startDate: monday,
      endDate: addDays(monday, 6),
      workedSeconds: 0,
      overtimeSeconds: 0,
    };
    week.workedSeconds += workedSeconds;
    weeks.set(monday, week);
    if (row.day < from || row.day > to) continue;
    days.push({
      date: row.day,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      workedSeconds,
      breakSeconds: row.breakSeconds,
      overtimeSeconds: overtime.day(workedSeconds),
      approved: row.approvalId !== null,
    });
  }
  for (const week of weeks.values()) week.overtimeSeconds = overtime.week(week.workedSeconds);
  return { days, weeks: [...weeks.values()] };
}

type TimesheetShape = {
  userId: string;
  from: string;
  to: string;
  timeZone: string;
  days: TimesheetDayShape[];
  weeks: TimesheetWeekShape[];
};

const TimesheetDay = builder.objectRef<TimesheetDayShape>('TimesheetDay').implement({
  description:
    "One local day, midnight to midnight in the organisation's time zone: 23 or 25 hours when clocks change.",
  fields: (t) => ({
    date: t.field({ type: 'Date', resolve: (day) => day.date }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime' }),
    workedSeconds: t.exposeInt('workedSeconds', { description: `${worked.description} Within the day.` }),
    breakSeconds: t.exposeInt('breakSeconds'),
    overtimeSeconds: t.exposeInt('overtimeSeconds', { description: overtime.dayDescription }),
    isOvertime: t.boolean({ resolve: (day) => day.overtimeSeconds > 0 }),
    approved: t.exposeBoolean('approved', { description: 'In an approved timesheet.' }),
  }),
});

const TimesheetWeek = builder.objectRef<TimesheetWeekShape>('TimesheetWeek').implement({
  description: 'A whole week, Monday to Sunday local, counted whole even where the period cuts it.',
  fields: (t) => ({
    startDate: t.field({ type: 'Date', description: 'Its Monday.', resolve: (week) => week.startDate }),
    endDate: t.field({ type: 'Date', description: 'Its Sunday.', resolve: (week) => week.endDate }),
    workedSeconds: t.exposeInt('workedSeconds'),
    overtimeSeconds: t.exposeInt('overtimeSeconds', { description: overtime.weekDescription }),
    isOvertime: t.boolean({ resolve: (week) => week.overtimeSeconds > 0 }),
  }),
});

const MAX_WEEKS = Math.ceil(MAX_PERIOD_DAYS / 7) + 1;

const Timesheet = builder.objectRef<TimesheetShape>('Timesheet').implement({
  description: "A user's worked time per local day and per week of a period, in their organisation's time zone.",
  fields: (t) => ({
    user: t.prismaField({
      type: 'User',
      resolve: (query, sheet) => db.user.findUniqueOrThrow({ ...query, where: { id: sheet.userId } }),
    }),
    from: t.field({ type: 'Date', resolve: (sheet) => sheet.from }),
    to: t.field({ type: 'Date', resolve: (sheet) => sheet.to }),
    timeZone: t.exposeString('timeZone', { description: 'The IANA time zone its days are counted in.' }),
    startsAt: t.field({ type: 'DateTime', resolve: (sheet) => sheet.days[0]!.startsAt }),
    endsAt: t.field({ type: 'DateTime', resolve: (sheet) => sheet.days.at(-1)!.endsAt }),
    workedSeconds: t.int({
      description: 'Worked in the period.',
      resolve: (sheet) => sheet.days.reduce((total, day) => total + day.workedSeconds, 0),
    }),
    breakSeconds: t.int({ resolve: (sheet) => sheet.days.reduce((total, day) => total + day.breakSeconds, 0) }),
    days: t.field({
      type: [TimesheetDay],
      description: 'Every day of the period, in order.',
      extensions: listSize(MAX_PERIOD_DAYS),
      resolve: (sheet) => sheet.days,
    }),
    weeks: t.field({
      type: [TimesheetWeek],
      description: 'Every week the period touches, in order.',
      extensions: listSize(MAX_WEEKS),
      resolve: (sheet) => sheet.weeks,
    }),
    entries: t.prismaConnection({
      type: 'TimeEntry',
      cursor: 'id',
      description: 'The entries overlapping the period, oldest first.',
      totalCount: (sheet) => db.timeEntry.count({ where: entriesOf(sheet) }),
      resolve: (query, sheet) =>
        db.timeEntry.findMany({ ...query, where: entriesOf(sheet), orderBy: [{ clockIn: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});

function entriesOf(sheet: TimesheetShape): Prisma.TimeEntryWhereInput {
  return {
    AND: [{ userId: sheet.userId }, ...overlapping({ from: sheet.days[0]!.startsAt, to: sheet.days.at(-1)!.endsAt })],
  };
}

builder.queryField('timesheet', (t) =>
  t.field({
    type: Timesheet,
    nullable: true,
    authScopes: (_root, args, context) => ownTimeOrManaged(args.userId.id, context),
    description: `A user's timesheet for the local days from and to (inclusive, at most ${MAX_PERIOD_DAYS}): one's own for anyone, anyone's for managers; null for a user not in the organisation.`,
    args: {
      userId: t.arg.globalID({ for: User }),
      from: t.arg({ type: 'Date' }),
      to: t.arg({ type: 'Date' }),
    },
    resolve: async (_root, args, context) => {
      const { from, to } = checkPeriod(args.from, args.to, { from: ['from'], to: ['to'] });
      const rows = await dayTotals(db, requireTenant(context), {
        userIds: [args.userId.id],
        first: mondayOf(from),
        last: addDays(mondayOf(to), 6),
      });
      if (rows.length === 0) return null;
      return { userId: args.userId.id, from, to, timeZone: rows[0]!.timeZone, ...daysAndWeeks(rows, from, to) };
    },
  }),
);
