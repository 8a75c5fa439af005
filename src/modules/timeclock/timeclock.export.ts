import type { IncomingMessage } from 'node:http';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../../context.js';
import { db } from '../../db.js';
import { Prisma } from '../../generated/prisma/client.js';
import { retryableDatabaseError } from '../../lib/errors.js';
import { may } from '../../lib/permissions.js';
import { tenantSql, type Tenant } from '../../lib/tenancy.js';
import { isCalendarDate, UUID, type Issue } from '../../lib/validation.js';
import { createContext } from '../auth/authenticate.js';
import { addDays, checkPeriod, mondayOf } from './rules.js';
import { dayTotals, daysAndWeeks } from './timeclock.timesheet.js';

export const EXPORT_PATH = '/exports/timesheets.csv';

/** Users whose days one statement counts: a few thousand rows of days at most. */
const USERS_PER_BATCH = 50;

const COLUMNS = [
  'email',
  'name',
  'date',
  'worked_hours',
  'break_hours',
  'overtime_hours',
  'week_overtime_hours',
  'approved_by',
  'approved_at',
];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. Text that a
 * spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) is
 * prefixed with ' so that it shows as text.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (fields: (string | number | null)[]) => `${fields.map(csvField).join(',')}\r\n`;

const hours = (seconds: number) => (seconds / 3600).toFixed(2);

type Person = { id: string; email: string; name: string };
type Request = { tenant: Tenant; from: string; to: string; userId: string | null };

/** The next users (by name) with an approved timesheet in the period, after the last one written. */
function nextPeople({ tenant, from, to, userId }: Request, after: Person | undefined) {
  return db.$queryRaw<Person[]>`
    SELECT u.id, u.email::text AS email, u.name FROM auth.users u
    WHERE ${tenantSql(tenant, 'u.organisation_id')}
      AND ${userId ? Prisma.sql`u.id = ${userId}::uuid` : Prisma.sql`TRUE`}
      AND ${after ? Prisma.sql`(u.name, u.id) > (${after.name}, ${after.id}::uuid)` : Prisma.sql`TRUE`}
      AND EXISTS (
        SELECT 1 FROM timeclock.timesheet_approvals a
        WHERE a.user_id = u.id AND a.from_date <= ${to}::date AND a.to_date >= ${from}::date)
    ORDER BY u.name, u.id
    LIMIT ${USERS_PER_BATCH}`;
}

/**
 * The export, a batch of users at a time (two statements each, whatever their entries): a row per
 * approved local day with time on it. A week's overtime is on its Sunday's row.
 */
async function* batches(request: Request): AsyncGenerator<string> {
  const { from, to } = request;
  let after: Person | undefined;
  let text = csvLine(COLUMNS);
  for (;;) {
    const people = await nextPeople(request, after);
    if (people.length === 0) break;
    const rows = await dayTotals(db, request.tenant, {
      userIds: people.map((person) => person.id),
      first: mondayOf(from),
      last: addDays(mondayOf(to), 6),
    });
    for (const person of people) {
      const own = rows.filter((row) => row.userId === person.id);
      const { days, weeks } = daysAndWeeks(own, from, to);
      const weekOvertime = new Map(weeks.map((week) => [week.endDate, week.overtimeSeconds]));
      for (const day of days) {
        const row = own.find((candidate) => candidate.day === day.date)!;
        const sundayOvertime = weekOvertime.get(day.date) ?? 0;
        if (!row.approvalId || (day.workedSeconds === 0 && day.breakSeconds === 0 && sundayOvertime === 0)) continue;
        text += csvLine([
          person.email,
          person.name,
          day.date,
          hours(day.workedSeconds),
          hours(day.breakSeconds),
          hours(day.overtimeSeconds),
          weekOvertime.has(day.date) ? hours(sundayOvertime) : null,
          row.approvedBy,
          row.approvedAt!.toISOString(),
        ]);
      }
    }
    yield text;
    text = '';
    after = people.at(-1);
    if (people.length < USERS_PER_BATCH) break;
  }
  if (text) yield text;
}

function problem(status: number, code: string, message: string, extra: object = {}, headers: object = {}) {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The request's parameters, or every problem with them. */
function parameters(url: URL): { from: string; to: string; userId: string | null } | Issue[] {
  const issues: Issue[] = [];
  const date = (name: 'from' | 'to') => {
    const value = url.searchParams.get(name);
    if (isCalendarDate(value)) return value;
    issues.push({
      path: [name],
      message: `${name} must be a calendar date as YYYY-MM-DD, such as 2026-03-29${value === null ? ': it is missing' : ''}.`,
    });
    return undefined;
  };
  const from = date('from');
  const to = date('to');
  let userId: string | null = null;
  const user = url.searchParams.get('userId');
  if (user !== null) {
    try {
      const decoded = decodeGlobalID(user);
      if (decoded.typename !== 'User' || !UUID.test(decoded.id)) throw new Error('not a user id');
      userId = decoded.id;
    } catch {
      issues.push({ path: ['userId'], message: 'userId must be the id of a user, as the API gives it.' });
    }
  }
  if (issues.length > 0 || !from || !to) return issues;
  try {
    checkPeriod(from, to, { from: ['from'], to: ['to'] });
  } catch (error) {
    return (error as { issues: Issue[] }).issues;
  }
  return { from, to, userId };
}

async function exportTimesheets(
  request: globalThis.Request,
  url: URL,
  req: IncomingMessage | undefined,
  trustProxy: number,
) {
  if (request.method !== 'GET') {
    return problem(405, 'METHOD_NOT_ALLOWED', 'Download the export with GET.', {}, { allow: 'GET' });
  }
  let context: Context;
  try {
    context = await createContext({ request, req }, { trustProxy }, null);
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
      return problem(401, 'UNAUTHENTICATED', error.message, {}, { 'www-authenticate': 'Bearer' });
    }
    throw error;
  }
  if (!context.viewer) {
    return problem(
      401,
      'UNAUTHENTICATED',
      'Send an access token: "Authorization: Bearer <token>".',
      {},
      {
        'www-authenticate': 'Bearer',
      },
    );
  }
  if (!may(context.viewer, 'readTimesheetExport')) {
    return problem(403, 'FORBIDDEN', 'Your role does not allow this.');
  }
  const period = parameters(url);
  if (Array.isArray(period)) {
    return problem(
      400,
      'BAD_USER_INPUT',
      `The export's parameters are not valid: ${period.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      {
        issues: period,
      },
    );
  }
  const chunks = batches({ ...period, tenant: context.tenant! });
  // The first batch is read before answering: a database that fails then is a 503, not a cut download.
  const first = await chunks.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(encoder.encode(first.value));
    },
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="timesheets-${period.from}-to-${period.to}.csv"`,
      'cache-control': 'no-store',
    },
  });
}

/**
 * GET /exports/timesheets.csv?from=YYYY-MM-DD&to=YYYY-MM-DD[&userId=<id>]: the approved
 * timesheets of a period, for payroll, streamed. Authorised as a query is: a bearer token of a role
 * the permission table allows, in the viewer's organisation.
 */
export function useTimesheetExport({ trustProxy }: { trustProxy: number }): Plugin {
  return {
    onRequest({ url, request, serverContext, endResponse }) {
      if (url.pathname !== EXPORT_PATH) return;
      const req = (serverContext as { req?: IncomingMessage }).req;
      return exportTimesheets(request, url, req, trustProxy).then(endResponse, (error: unknown) => {
        const retryable = retryableDatabaseError(error);
        if (!retryable) throw error;
        endResponse(
          problem(
            503,
            String(retryable.extensions.code),
            retryable.message,
            { retryable: true },
            { 'retry-after': '1' },
          ),
        );
      });
    },
  };
}
