import type { TimeclockConfig } from '../../config.js';
import { Prisma } from '../../generated/prisma/client.js';
import { InputValidationError } from '../../lib/validation.js';

let settings: TimeclockConfig | undefined;

/** Sets the punch window and overtime thresholds (TIMECLOCK_* settings), once at start. */
export function configureTimeclock(config: TimeclockConfig): void {
  settings = config;
}

function timeclock(): TimeclockConfig {
  if (!settings) throw new Error('configureTimeclock must run before punches are taken or timesheets counted');
  return settings;
}

const MINUTE_MS = 60_000;

const duration = (minutes: number) =>
  minutes % 60 === 0 ? `${minutes / 60} hour${minutes === 60 ? '' : 's'}` : `${minutes} minutes`;

/** An instant as the timeclock keeps it: whole seconds. */
export const wholeSeconds = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);

/**
 * When a punch happened: the device's time (a punch queued offline arrives late), or now. A punch
 * older than the late-punch window, or further ahead of the server's clock than the allowed skew,
 * is refused: a manager corrects the timesheet instead.
 */
export function punchTime(at: Date | null | undefined, path: string[], now = new Date()): Date {
  const { latePunchWindowMinutes, clockSkewMinutes } = timeclock();
  const time = at ?? now;
  if (time.getTime() < now.getTime() - latePunchWindowMinutes * MINUTE_MS) {
    throw new InputValidationError([
      {
        path,
        message: `A punch is taken at most ${duration(latePunchWindowMinutes)} after its time: ask a manager to correct the timesheet instead.`,
      },
    ]);
  }
  if (time.getTime() > now.getTime() + clockSkewMinutes * MINUTE_MS) {
    throw new InputValidationError([
      {
        path,
        message: `A punch cannot be more than ${duration(clockSkewMinutes)} ahead of the server's clock: check the device's clock.`,
      },
    ]);
  }
  return wholeSeconds(time);
}

/** The latest instant a punch or a correction may name: now, give or take the devices' clock skew. */
export const latestPunch = (now = new Date()) => new Date(now.getTime() + timeclock().clockSkewMinutes * MINUTE_MS);

type Span = { startedAt: Date; endedAt: Date | null };

/**
 * Worked time: from clock-in to clock-out (an open entry: to now) less its breaks (an open break:
 * to the entry's end). The entry's derived field reads it here, and the timesheet's day totals
 * count the same spans in SQL; test/timeclock.test.ts holds the two to one answer.
 */
export const worked = {
  description: 'Clock-in to clock-out (while open: to now), less breaks, in seconds.',
  seconds(entry: { clockIn: Date; clockOut: Date | null }, breaks: Span[], now = new Date()): number {
    const end = entry.clockOut ?? new Date(Math.max(now.getTime(), entry.clockIn.getTime()));
    const breakMs = breaks.reduce((total, pause) => {
      const stop = Math.min((pause.endedAt ?? end).getTime(), end.getTime());
      return total + Math.max(0, stop - pause.startedAt.getTime());
    }, 0);
    return Math.floor((end.getTime() - entry.clockIn.getTime() - breakMs) / 1000);
  },
  /**
   * The spans a set of entries adds (+1: at work) and takes away (-1: on a break), with the user
   * each belongs to. `entries` names a relation of the time_entries rows to count (a CTE).
   */
  spans: (entries: Prisma.Sql, now: Date) => Prisma.sql`
    SELECT e.user_id, e.clock_in AS starts, COALESCE(e.clock_out, GREATEST(${now}::timestamptz, e.clock_in)) AS ends, 1 AS sign
    FROM ${entries} e
    UNION ALL
    SELECT e.user_id, b.started_at,
      LEAST(COALESCE(b.ended_at, e.clock_out, ${now}::timestamptz), COALESCE(e.clock_out, GREATEST(${now}::timestamptz, e.clock_in))),
      -1
    FROM ${entries} e JOIN timeclock.time_breaks b ON b.entry_id = e.id`,
};

/**
 * Overtime: worked time beyond the daily threshold in a local day, or beyond the weekly one in a
 * week (Monday to Sunday, local).
 */
export const overtime = {
  dayDescription:
    'Worked time beyond the daily threshold (TIMECLOCK_DAILY_OVERTIME_MINUTES, 8 hours by default), in seconds.',
  weekDescription:
    'Worked time beyond the weekly threshold (TIMECLOCK_WEEKLY_OVERTIME_MINUTES, 40 hours by default), in seconds.',
  day: (workedSeconds: number) => Math.max(0, workedSeconds - timeclock().dailyOvertimeMinutes * 60),
  week: (workedSeconds: number) => Math.max(0, workedSeconds - timeclock().weeklyOvertimeMinutes * 60),
};

/** The longest period a timesheet, an approval or an export covers: a quarter. */
export const MAX_PERIOD_DAYS = 92;

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The calendar date a number of days after (or before) another. */
export const addDays = (date: string, days: number) => dateOf(dayNumber(date) + days);

/** The Monday of a date's week (ISO 8601: weeks start on Monday). */
export const mondayOf = (date: string) => addDays(date, -((((dayNumber(date) + 3) % 7) + 7) % 7));

/**
 * A period of local days, from and to inclusive: from not after to, and at most MAX_PERIOD_DAYS
 * long. `names` are the arguments' paths, for the error.
 */
export function checkPeriod(from: string, to: string, names: { from: string[]; to: string[] }) {
  const days = dayNumber(to) - dayNumber(from) + 1;
  if (days < 1)
    throw new InputValidationError([{ path: names.to, message: 'The period must end on or after its first day.' }]);
  if (days > MAX_PERIOD_DAYS) {
    throw new InputValidationError([
      { path: names.to, message: `A period covers at most ${MAX_PERIOD_DAYS} days: ask for it in parts.` },
    ]);
  }
  return { from, to, days };
}
