import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RoleName } from '../src/generated/prisma/enums.js';
import { ConflictError, translateDatabaseError } from '../src/lib/errors.js';
import { backend } from './helpers/backend.js';
import { useTestDatabase } from './helpers/database.js';
import { violation } from './helpers/fixtures.js';
import type { FormattedExecutionResult } from 'graphql';
import { graphql } from './generated/index.js';
import type { ClockInInput, CorrectTimeEntryInput } from './generated/graphql.js';
import {
  app,
  bearer,
  data,
  demo,
  execute,
  expectTypename,
  globalId,
  otherOrganisation,
  type TypedDocumentNode,
} from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
});

const HOUR = 3600;
const MINUTE_MS = 60_000;
const CHECK = '23514';
const EXCLUSION = '23P01';

let members = 0;

/** A new user of an organisation, with one role: each test punches for people of its own. */
async function member(organisationId: string, role: RoleName = 'WORKER', name?: string) {
  members += 1;
  const { id: roleId } = await database.db.role.findUniqueOrThrow({ where: { name: role } });
  const user = await database.db.user.create({
    data: {
      organisationId,
      email: `timer-${members}-${organisationId.slice(0, 8)}@example.com`,
      name: name ?? `Tess Timer ${members}`,
      passwordHash: 'x',
      roles: { create: { roleId } },
    },
  });
  return user.id;
}

/** A time entry (and its breaks) written as the database takes it, outside the API. */
async function entry(
  userId: string,
  clockIn: string,
  clockOut: string | null,
  breaks: [string, string | null][] = [],
): Promise<string> {
  const [row] = await database.sql<{ id: string }>(
    `INSERT INTO timeclock.time_entries (organisation_id, user_id, clock_in, clock_out, source)
     SELECT organisation_id, id, $2, $3, 'web' FROM auth.users WHERE id = $1 RETURNING id`,
    [userId, clockIn, clockOut],
  );
  for (const [startedAt, endedAt] of breaks) {
    await database.sql(`INSERT INTO timeclock.time_breaks (entry_id, started_at, ended_at) VALUES ($1, $2, $3)`, [
      row!.id,
      startedAt,
      endedAt,
    ]);
  }
  return row!.id;
}

graphql(/* GraphQL */ `
  fragment TimeclockEntry on TimeEntry {
    id
    clockIn
    clockOut
    isOpen
    source
    notes
    workedSeconds
    location {
      latitude
      longitude
    }
    breaks {
      startedAt
      endedAt
    }
  }
`);

/** The timeclock's mutations, each answering as `result`. */
const punch = {
  clockIn: graphql(/* GraphQL */ `
    mutation TimeclockClockIn($input: ClockInInput!) {
      result: clockIn(input: $input) {
        __typename
        ...MutationError
        ... on InvalidStateError {
          currentState
        }
        ... on ClockInSuccess {
          timeEntry {
            ...TimeclockEntry
          }
        }
      }
    }
  `),
  clockOut: graphql(/* GraphQL */ `
    mutation TimeclockClockOut($input: ClockOutInput!) {
      result: clockOut(input: $input) {
        __typename
        ...MutationError
        ... on InvalidStateError {
          currentState
        }
        ... on ClockOutSuccess {
          timeEntry {
            ...TimeclockEntry
          }
        }
      }
    }
  `),
  startBreak: graphql(/* GraphQL */ `
    mutation TimeclockStartBreak($input: StartBreakInput!) {
      result: startBreak(input: $input) {
        __typename
        ...MutationError
        ... on InvalidStateError {
          currentState
        }
        ... on StartBreakSuccess {
          timeEntry {
            ...TimeclockEntry
          }
        }
      }
    }
  `),
  endBreak: graphql(/* GraphQL */ `
    mutation TimeclockEndBreak($input: EndBreakInput!) {
      result: endBreak(input: $input) {
        __typename
        ...MutationError
        ... on InvalidStateError {
          currentState
        }
        ... on EndBreakSuccess {
          timeEntry {
            ...TimeclockEntry
          }
        }
      }
    }
  `),
  correctTimeEntry: graphql(/* GraphQL */ `
    mutation TimeclockCorrect($input: CorrectTimeEntryInput!) {
      result: correctTimeEntry(input: $input) {
        __typename
        ...MutationError
        ... on InvalidStateError {
          currentState
        }
        ... on CorrectTimeEntrySuccess {
          timeEntry {
            ...TimeclockEntry
          }
        }
      }
    }
  `),
};

/** Sends a timeclock mutation as a user and returns its result (a success or a typed error). */
async function send<R, I>(document: TypedDocumentNode<{ result: R }, { input: I }>, input: NoInfer<I>, as: string) {
  return (await data(document, { input }, { as })).result;
}

/** As a client does: sends again, with the same key, while the answer says to retry. */
async function retried<R>(request: () => Promise<FormattedExecutionResult<R>>) {
  for (;;) {
    const result = await request();
    if (result.errors?.[0]?.extensions?.retryable !== true) return result;
  }
}

const ago = (minutes: number) => new Date(Date.now() - minutes * MINUTE_MS);
const seconds = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();

const approveTimesheet = graphql(/* GraphQL */ `
  mutation TimeclockApprove($input: ApproveTimesheetInput!) {
    approveTimesheet(input: $input) {
      __typename
      ...MutationError
      ... on InvalidStateError {
        currentState
      }
      ... on ApproveTimesheetSuccess {
        timesheetApproval {
          id
          from
          to
          startsAt
          endsAt
          approvedBy {
            id
          }
          user {
            id
          }
          entries(first: 10) {
            totalCount
          }
        }
      }
    }
  }
`);

const approve = async (userId: string, from: string, to: string, as = people.manager) =>
  (await data(approveTimesheet, { input: { userId: globalId('User', userId), from, to } }, { as })).approveTimesheet;

const timesheetQuery = graphql(/* GraphQL */ `
  query TimeclockTimesheet($userId: ID!, $from: Date!, $to: Date!) {
    timesheet(userId: $userId, from: $from, to: $to) {
      timeZone
      workedSeconds
      breakSeconds
      days {
        date
        startsAt
        endsAt
        workedSeconds
        breakSeconds
        overtimeSeconds
        isOvertime
        approved
      }
      weeks {
        startDate
        endDate
        workedSeconds
        overtimeSeconds
        isOvertime
      }
    }
  }
`);

/** The timesheet a manager (by default) must be able to read. */
const timesheet = async (userId: string, from: string, to: string, as = people.manager) => {
  const { timesheet } = await data(timesheetQuery, { userId: globalId('User', userId), from, to }, { as });
  expect(timesheet).not.toBeNull();
  return timesheet!;
};

/** A day's length, worked and break time, in hours. */
const hoursOf = (day: { startsAt: string; endsAt: string; workedSeconds: number; breakSeconds: number }) => ({
  length: (Date.parse(day.endsAt) - Date.parse(day.startsAt)) / 3_600_000,
  worked: day.workedSeconds / HOUR,
  breaks: day.breakSeconds / HOUR,
});

describe('punching in and out', () => {
  it('clocks in, takes a break and clocks out, each audited as the viewer', async () => {
    const worker = await member(people.organisationId);
    const [clockIn, breakStart, breakEnd, tooEarly, out] = [120, 60, 30, 31, 0].map(ago);
    const started = await send(
      punch.clockIn,
      {
        at: clockIn!.toISOString(),
        source: 'MOBILE',
        location: { latitude: 51.5072, longitude: -0.1276 },
        notes: 'Dock 4',
      },
      worker,
    );
    expect(started).toMatchObject({
      __typename: 'ClockInSuccess',
      timeEntry: {
        clockIn: seconds(clockIn!),
        clockOut: null,
        isOpen: true,
        source: 'MOBILE',
        notes: 'Dock 4',
        location: { latitude: 51.5072, longitude: -0.1276 },
        breaks: [],
      },
    });
    expect(await send(punch.startBreak, { at: breakStart!.toISOString() }, worker)).toMatchObject({
      timeEntry: { breaks: [{ startedAt: seconds(breakStart!), endedAt: null }] },
    });
    expect(await send(punch.startBreak, { at: breakEnd!.toISOString() }, worker)).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'ON_BREAK',
    });
    const ended = await send(punch.endBreak, { at: breakEnd!.toISOString() }, worker);
    expect(expectTypename(ended, 'EndBreakSuccess').timeEntry.breaks).toEqual([
      { startedAt: seconds(breakStart!), endedAt: seconds(breakEnd!) },
    ]);
    expect(await send(punch.endBreak, {}, worker)).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'WORKING',
    });
    expect(await send(punch.clockOut, { at: tooEarly!.toISOString() }, worker)).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'at'], message: expect.stringContaining('after your last break began or ended') }],
    });
    const finished = expectTypename(await send(punch.clockOut, { at: out!.toISOString() }, worker), 'ClockOutSuccess');
    expect(finished.timeEntry).toMatchObject({ clockOut: seconds(out!), isOpen: false });
    expect(finished.timeEntry.workedSeconds).toBe(
      (Date.parse(seconds(out!)) -
        Date.parse(seconds(clockIn!)) -
        (Date.parse(seconds(breakEnd!)) - Date.parse(seconds(breakStart!)))) /
        1000,
    );
    expect(await send(punch.clockOut, {}, worker)).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'CLOCKED_OUT',
    });
    const events = await database.db.auditEvent.findMany({ where: { actorId: worker }, orderBy: { createdAt: 'asc' } });
    expect(events.map((event) => [event.action, event.entityType, event.organisationId])).toEqual([
      ['clockIn', 'TimeEntry', people.organisationId],
      ['startBreak', 'TimeBreak', people.organisationId],
      ['endBreak', 'TimeBreak', people.organisationId],
      ['clockOut', 'TimeEntry', people.organisationId],
    ]);
  });

  it('refuses a second clock-in while open, naming the open entry and its clock-in', async () => {
    const worker = await member(people.organisationId);
    const at = ago(90);
    const first = expectTypename(
      await send(punch.clockIn, { at: at.toISOString(), source: 'WEB' }, worker),
      'ClockInSuccess',
    );
    const second = await send(punch.clockIn, { source: 'WEB' }, worker);
    expect(second).toEqual({
      __typename: 'InvalidStateError',
      currentState: 'CLOCKED_IN',
      message: `You are clocked in already, on the time entry ${first.timeEntry.id} (${seconds(at).replace('.000Z', 'Z')} to now, still open): clock out first.`,
    });
    expect(await database.db.timeEntry.count({ where: { userId: worker } })).toBe(1);
  });

  it('holds at most 20 breaks in an entry', async () => {
    const worker = await member(people.organisationId);
    const id = await entry(
      worker,
      ago(24 * 60).toISOString(),
      null,
      Array.from({ length: 20 }, (_, index): [string, string] => [
        ago(23 * 60 - index * 30).toISOString(),
        ago(23 * 60 - index * 30 - 10).toISOString(),
      ]),
    );
    expect(await send(punch.startBreak, {}, worker)).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'BREAK_LIMIT',
      message: 'A time entry holds at most 20 breaks.',
    });
    expect(await database.db.timeBreak.count({ where: { entryId: id } })).toBe(20);
  });

  it('closes a break still open when clocking out', async () => {
    const worker = await member(people.organisationId);
    const [clockIn, breakStart, out] = [60, 20, 0].map(ago);
    await send(punch.clockIn, { at: clockIn!.toISOString(), source: 'KIOSK' }, worker);
    await send(punch.startBreak, { at: breakStart!.toISOString() }, worker);
    const finished = expectTypename(await send(punch.clockOut, { at: out!.toISOString() }, worker), 'ClockOutSuccess');
    expect(finished.timeEntry.breaks).toEqual([{ startedAt: seconds(breakStart!), endedAt: seconds(out!) }]);
    expect(finished.timeEntry.workedSeconds).toBe(
      (Date.parse(seconds(breakStart!)) - Date.parse(seconds(clockIn!))) / 1000,
    );
  });

  it('takes a punch up to 72 hours late and 2 minutes early, and refuses it outside that window', async () => {
    const worker = await member(people.organisationId);
    expect(await send(punch.clockIn, { at: ago(72 * 60 + 1).toISOString(), source: 'MOBILE' }, worker)).toEqual({
      __typename: 'InputValidationError',
      message: expect.any(String),
      issues: [
        {
          path: ['input', 'at'],
          message: 'A punch is taken at most 72 hours after its time: ask a manager to correct the timesheet instead.',
        },
      ],
    });
    expect(await send(punch.clockIn, { at: ago(-5).toISOString(), source: 'MOBILE' }, worker)).toMatchObject({
      issues: [
        {
          path: ['input', 'at'],
          message: "A punch cannot be more than 2 minutes ahead of the server's clock: check the device's clock.",
        },
      ],
    });
    expect(await database.db.timeEntry.count({ where: { userId: worker } })).toBe(0);
    const lateAt = ago(71 * 60);
    const late = expectTypename(
      await send(punch.clockIn, { at: lateAt.toISOString(), source: 'MOBILE' }, worker),
      'ClockInSuccess',
    );
    expect(late.timeEntry.clockIn).toBe(seconds(lateAt));
    await send(punch.clockOut, { at: ago(60 * 60).toISOString() }, worker);
    // A late clock-in inside the shift just recorded overlaps it.
    const overlapping = await send(punch.clockIn, { at: ago(65 * 60).toISOString(), source: 'MOBILE' }, worker);
    expect(overlapping).toMatchObject({ __typename: 'ConflictError', field: 'at' });
    expect(expectTypename(overlapping, 'ConflictError').message).toContain(late.timeEntry.id);
    const early = await send(punch.clockIn, { at: ago(-1).toISOString(), source: 'WEB' }, worker);
    expect(early.__typename).toBe('ClockInSuccess');
  });

  it('refuses a key reused for another punch, and a malformed location', async () => {
    const worker = await member(people.organisationId);
    const idempotencyKey = randomUUID();
    expect((await send(punch.clockIn, { source: 'WEB', idempotencyKey }, worker)).__typename).toBe('ClockInSuccess');
    expect(await send(punch.clockIn, { source: 'KIOSK', idempotencyKey }, worker)).toMatchObject({
      __typename: 'ConflictError',
      field: 'idempotencyKey',
    });
    expect(
      await send(
        punch.clockIn,
        { source: 'WEB', location: { latitude: 91, longitude: 0 } },
        await member(people.organisationId),
      ),
    ).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'location', 'latitude'], message: 'Latitude is between -90 and 90.' }],
    });
  });
});

describe('one open entry, no overlaps, under concurrency', () => {
  it('20 concurrent clock-ins with different keys: exactly one succeeds, the others are typed errors', async () => {
    const worker = await member(people.organisationId);
    const token = await bearer(worker);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => {
        const input: ClockInInput = { source: 'MOBILE', at: ago(index).toISOString(), idempotencyKey: randomUUID() };
        return retried(() => execute(punch.clockIn, { input }, { token }));
      }),
    );
    expect(results.filter((result) => result.errors)).toEqual([]);
    const outcomes = results.map((result) => result.data?.result.__typename);
    expect(outcomes.filter((outcome) => outcome === 'ClockInSuccess')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'ClockInSuccess')).toEqual(Array(19).fill('InvalidStateError'));
    expect(await database.db.timeEntry.count({ where: { userId: worker } })).toBe(1);
  });

  it('20 concurrent retries of one clock-in with one key: one entry, every answer that entry', async () => {
    const worker = await member(people.organisationId);
    const token = await bearer(worker);
    const input: ClockInInput = { source: 'MOBILE', at: ago(3).toISOString(), idempotencyKey: randomUUID() };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => retried(() => execute(punch.clockIn, { input }, { token }))),
    );
    const ids = new Set(
      results.map((result) =>
        result.data?.result.__typename === 'ClockInSuccess' ? result.data.result.timeEntry.id : null,
      ),
    );
    expect(ids.size).toBe(1);
    expect([...ids][0]).toEqual(expect.any(String));
    expect(await database.db.timeEntry.count({ where: { userId: worker } })).toBe(1);
    expect(await database.db.auditEvent.count({ where: { actorId: worker, action: 'clockIn' } })).toBe(1);
  });

  it('PostgreSQL itself keeps one open entry and no overlap when 20 writers race past the API', async () => {
    const worker = await member(people.organisationId);
    const pool = new pg.Pool({ connectionString: database.url, max: backend === 'postgres' ? 20 : 1 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          pool
            .query(
              `INSERT INTO timeclock.time_entries (organisation_id, user_id, clock_in, clock_out, source)
               SELECT organisation_id, id, $2, $3, 'web' FROM auth.users WHERE id = $1`,
              // Half open entries, half closed ones overlapping each other.
              [
                worker,
                `2026-06-01T08:${String(index).padStart(2, '0')}:00Z`,
                index % 2 ? '2026-06-01T17:00:00Z' : null,
              ],
            )
            .then(
              () => 'inserted',
              (error: { code: string }) => error.code,
            ),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'inserted')).toHaveLength(1);
      // Refused by the exclusion constraint, the unique open entry, or (two inserts each waiting on
      // the other's conflicting row, as exclusion checks can) a deadlock that rolls one back.
      expect(
        outcomes
          .filter((outcome) => outcome !== 'inserted')
          .every((code) => ['23P01', '23505', '40P01'].includes(code)),
      ).toBe(true);
    } finally {
      await pool.end();
    }
    expect(await database.db.timeEntry.count({ where: { userId: worker } })).toBe(1);
  });
});

describe('the database keeps the timeclock rules', () => {
  it('refuses a clock-out before the clock-in, overlapping entries, and breaks outside or across each other', async () => {
    const worker = await member(people.organisationId);
    expect(await violation(entry(worker, '2026-05-04T09:00:00Z', '2026-05-04T08:00:00Z'))).toEqual({
      code: CHECK,
      constraint: 'time_entries_clock_out_after_clock_in',
    });
    const shift = await entry(worker, '2026-05-04T08:00:00Z', '2026-05-04T16:00:00Z', [
      ['2026-05-04T12:00:00Z', '2026-05-04T12:30:00Z'],
    ]);
    expect(await violation(entry(worker, '2026-05-04T15:00:00Z', '2026-05-04T18:00:00Z'))).toEqual({
      code: EXCLUSION,
      constraint: 'time_entries_no_overlap',
    });
    // Half-open ranges: the next shift may start when this one ends.
    await entry(worker, '2026-05-04T16:00:00Z', '2026-05-04T17:00:00Z');
    const pause = (startedAt: string, endedAt: string | null) =>
      database.sql(`INSERT INTO timeclock.time_breaks (entry_id, started_at, ended_at) VALUES ($1, $2, $3)`, [
        shift,
        startedAt,
        endedAt,
      ]);
    expect(await violation(pause('2026-05-04T07:30:00Z', '2026-05-04T08:30:00Z'))).toEqual({
      code: CHECK,
      constraint: 'time_breaks_within_entry',
    });
    expect(await violation(pause('2026-05-04T15:30:00Z', null))).toEqual({
      code: CHECK,
      constraint: 'time_breaks_within_entry',
    });
    expect(await violation(pause('2026-05-04T12:15:00Z', '2026-05-04T12:45:00Z'))).toEqual({
      code: EXCLUSION,
      constraint: 'time_breaks_no_overlap',
    });
    expect(
      await violation(
        database.sql(`UPDATE timeclock.time_entries SET clock_out = '2026-05-04T12:10:00Z' WHERE id = $1`, [shift]),
      ),
    ).toEqual({ code: CHECK, constraint: 'time_breaks_within_entry' });
    const open = await entry(worker, '2026-05-05T08:00:00Z', null);
    expect(await violation(entry(worker, '2026-05-06T08:00:00Z', null))).toMatchObject({
      code: expect.stringMatching(/^(23P01|23505)$/),
    });
    expect(open).toEqual(expect.any(String));
  });

  it('turns each rule it refuses a write by into a typed error, never an internal one', async () => {
    const worker = await member(people.organisationId);
    const shift = await entry(worker, '2026-04-06T08:00:00Z', '2026-04-06T16:00:00Z');
    const refusal = (write: Promise<unknown>) =>
      write.then(
        () => {
          throw new Error('the write was accepted');
        },
        (error: unknown) => translateDatabaseError(error),
      );
    const row = { organisationId: people.organisationId, userId: worker, source: 'WEB' as const };
    expect(
      await refusal(
        database.db.timeEntry.create({
          data: { ...row, clockIn: new Date('2026-04-06T15:00:00Z'), clockOut: new Date('2026-04-06T18:00:00Z') },
        }),
      ),
    ).toEqual(new ConflictError('clockIn', 'Another time entry of this user overlaps this time.'));
    expect(
      await refusal(
        database.db.timeEntry.update({ where: { id: shift }, data: { clockOut: new Date('2026-04-06T07:00:00Z') } }),
      ),
    ).toMatchObject({ issues: [{ path: [], message: 'Clock-out must be after clock-in.' }] });
    await approve(worker, '2026-04-06', '2026-04-12');
    expect(await refusal(database.db.timeEntry.update({ where: { id: shift }, data: { notes: 'x' } }))).toMatchObject({
      name: 'InvalidStateError',
      currentState: 'APPROVED',
    });
    expect(
      await refusal(
        database.db.timesheetApproval.create({
          data: {
            organisationId: people.organisationId,
            userId: worker,
            fromDate: new Date('2026-04-12T00:00:00Z'),
            toDate: new Date('2026-04-12T00:00:00Z'),
            startsAt: new Date('2026-04-11T23:00:00Z'),
            endsAt: new Date('2026-04-12T23:00:00Z'),
            approvedById: people.manager,
          },
        }),
      ),
    ).toMatchObject({ name: 'InvalidStateError', message: 'This period overlaps a timesheet approved already.' });
  });

  it("keeps an entry in its user's organisation", async () => {
    const rival = await otherOrganisation(database);
    const worker = await member(people.organisationId);
    expect(
      await violation(
        database.sql(
          `INSERT INTO timeclock.time_entries (organisation_id, user_id, clock_in, source) VALUES ($1, $2, now(), 'web')`,
          [rival.organisationId, worker],
        ),
      ),
    ).toMatchObject({ code: '23503' });
  });
});

describe('timesheets in the organisation’s time zone', () => {
  it('counts Europe/London’s 23-hour and 25-hour days', async () => {
    const worker = await member(people.organisationId);
    // Local midnight to local midnight of each day the clocks change.
    await entry(worker, '2026-03-29T00:00:00Z', '2026-03-29T23:00:00Z');
    await entry(worker, '2026-10-24T23:00:00Z', '2026-10-26T00:00:00Z');
    const spring = await timesheet(worker, '2026-03-28', '2026-03-30');
    expect(spring.timeZone).toBe('Europe/London');
    expect(spring.days.map(hoursOf)).toEqual([
      { length: 24, worked: 0, breaks: 0 },
      { length: 23, worked: 23, breaks: 0 },
      { length: 24, worked: 0, breaks: 0 },
    ]);
    expect(spring.days[1]).toMatchObject({
      date: '2026-03-29',
      startsAt: '2026-03-29T00:00:00.000Z',
      endsAt: '2026-03-29T23:00:00.000Z',
    });
    const autumn = await timesheet(worker, '2026-10-24', '2026-10-26');
    expect(autumn.days.map(hoursOf)).toEqual([
      { length: 24, worked: 0, breaks: 0 },
      { length: 25, worked: 25, breaks: 0 },
      { length: 24, worked: 0, breaks: 0 },
    ]);
    expect(autumn.workedSeconds).toBe(25 * HOUR);
  });

  it('splits a night shift across the clock change at local midnight', async () => {
    const worker = await member(people.organisationId);
    // 22:00 GMT to 06:00 BST is 7 hours; 22:00 BST to 06:00 GMT is 9.
    await entry(worker, '2026-03-28T22:00:00Z', '2026-03-29T05:00:00Z');
    await entry(worker, '2026-10-24T21:00:00Z', '2026-10-25T06:00:00Z');
    expect((await timesheet(worker, '2026-03-28', '2026-03-29')).days.map((day) => day.workedSeconds)).toEqual([
      2 * HOUR,
      5 * HOUR,
    ]);
    expect((await timesheet(worker, '2026-10-24', '2026-10-25')).days.map((day) => day.workedSeconds)).toEqual([
      2 * HOUR,
      7 * HOUR,
    ]);
  });

  it('counts America/New_York’s days in its own time zone', async () => {
    const newYork = await database.db.organisation.create({
      data: { name: 'Hudson Yards Ltd', timeZone: 'America/New_York' },
    });
    const day = await member(newYork.id);
    const night = await member(newYork.id);
    await entry(day, '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z');
    await entry(day, '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z');
    // 22:00 EST on 7 March to 06:00 EDT on the 8th: 7 hours, 2 of them on the 7th.
    await entry(night, '2026-03-08T03:00:00Z', '2026-03-08T10:00:00Z');
    const spring = await timesheet(day, '2026-03-07', '2026-03-09', people.superadmin);
    expect(spring.timeZone).toBe('America/New_York');
    expect(spring.days.map(hoursOf)).toEqual([
      { length: 24, worked: 0, breaks: 0 },
      { length: 23, worked: 23, breaks: 0 },
      { length: 24, worked: 0, breaks: 0 },
    ]);
    expect(spring.days[1]).toMatchObject({ startsAt: '2026-03-08T05:00:00.000Z', endsAt: '2026-03-09T04:00:00.000Z' });
    const autumn = await timesheet(day, '2026-10-31', '2026-11-02', people.superadmin);
    expect(autumn.days.map(hoursOf)).toEqual([
      { length: 24, worked: 0, breaks: 0 },
      { length: 25, worked: 25, breaks: 0 },
      { length: 24, worked: 0, breaks: 0 },
    ]);
    const split = await timesheet(night, '2026-03-07', '2026-03-08', people.superadmin);
    expect(split.days.map((row) => row.workedSeconds)).toEqual([2 * HOUR, 5 * HOUR]);
    // Another organisation's user has no timesheet for the demo's manager.
    expect(
      (
        await data(
          timesheetQuery,
          { userId: globalId('User', day), from: '2026-03-07', to: '2026-03-09' },
          { as: people.manager },
        )
      ).timesheet,
    ).toBeNull();
  });

  it('splits an entry and its break across local midnight, and agrees with the entry’s own worked time', async () => {
    const worker = await member(people.organisationId);
    const id = await entry(worker, '2026-11-10T20:00:00Z', '2026-11-11T04:00:00Z', [
      ['2026-11-10T23:30:00Z', '2026-11-11T00:30:00Z'],
    ]);
    const sheet = await timesheet(worker, '2026-11-10', '2026-11-11');
    expect(sheet.days.map(hoursOf)).toEqual([
      { length: 24, worked: 3.5, breaks: 0.5 },
      { length: 24, worked: 3.5, breaks: 0.5 },
    ]);
    const own = await data(
      graphql(/* GraphQL */ `
        query TimeclockEntryWorked($id: ID!) {
          node(id: $id) {
            ... on TimeEntry {
              workedSeconds
            }
          }
        }
      `),
      { id: globalId('TimeEntry', id) },
      { as: people.manager },
    );
    expect(own.node).toEqual({ workedSeconds: sheet.workedSeconds });
    expect(sheet.workedSeconds).toBe(7 * HOUR);
  });

  it('flags daily and weekly overtime, counting a week whole where the period cuts it', async () => {
    const worker = await member(people.organisationId);
    for (const date of ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19']) {
      await entry(worker, `${date}T08:00:00Z`, `${date}T17:00:00Z`);
    }
    await entry(worker, '2026-11-20T08:00:00Z', '2026-11-20T15:00:00Z');
    const sheet = await timesheet(worker, '2026-11-18', '2026-11-22');
    expect(
      sheet.days.map((day) => [day.date, day.workedSeconds / HOUR, day.overtimeSeconds / HOUR, day.isOvertime]),
    ).toEqual([
      ['2026-11-18', 9, 1, true],
      ['2026-11-19', 9, 1, true],
      ['2026-11-20', 7, 0, false],
      ['2026-11-21', 0, 0, false],
      ['2026-11-22', 0, 0, false],
    ]);
    expect(sheet.workedSeconds).toBe(25 * HOUR);
    expect(sheet.weeks).toEqual([
      {
        startDate: '2026-11-16',
        endDate: '2026-11-22',
        workedSeconds: 43 * HOUR,
        overtimeSeconds: 3 * HOUR,
        isOvertime: true,
      },
    ]);
  });

  it('refuses a period that ends before it starts or runs past 92 days', async () => {
    const worker = await member(people.organisationId);
    const refused = async (from: string, to: string) =>
      (await execute(timesheetQuery, { userId: globalId('User', worker), from, to }, { as: people.manager })).errors;
    expect(await refused('2026-03-10', '2026-03-09')).toMatchObject([
      {
        extensions: {
          code: 'BAD_USER_INPUT',
          issues: [{ path: ['to'], message: 'The period must end on or after its first day.' }],
        },
      },
    ]);
    expect(await refused('2026-01-01', '2026-04-03')).toMatchObject([
      {
        extensions: {
          code: 'BAD_USER_INPUT',
          issues: [{ path: ['to'], message: expect.stringContaining('at most 92 days') }],
        },
      },
    ]);
    expect(
      (
        await execute(
          timesheetQuery,
          { userId: globalId('User', worker), from: '2026-02-30', to: '2026-03-01' },
          { as: people.manager },
        )
      ).errors?.[0]?.message,
    ).toContain('Date must be a calendar date as YYYY-MM-DD');
  });
});

describe('corrections and approvals', () => {
  const correct = (input: CorrectTimeEntryInput) => send(punch.correctTimeEntry, input, people.manager);

  it('corrects an entry with a reason, keeping the original in the audit trail', async () => {
    const worker = await member(people.organisationId);
    const id = await entry(worker, '2026-11-24T08:00:00Z', '2026-11-24T16:00:00Z', [
      ['2026-11-24T12:00:00Z', '2026-11-24T12:30:00Z'],
    ]);
    await entry(worker, '2026-11-25T08:00:00Z', '2026-11-25T16:00:00Z');
    const entryId = globalId('TimeEntry', id);
    expect(await correct({ id: entryId, clockOut: '2026-11-24T17:00:00Z', reason: ' ' })).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'reason'], message: 'Reason is required.' }],
    });
    const corrected = await correct({
      id: entryId,
      clockOut: '2026-11-24T17:00:00Z',
      breaks: [{ startedAt: '2026-11-24T12:00:00Z', endedAt: '2026-11-24T13:00:00Z' }],
      reason: 'Forgot to clock out; lunch ran long',
    });
    expect(expectTypename(corrected, 'CorrectTimeEntrySuccess').timeEntry).toMatchObject({
      clockOut: '2026-11-24T17:00:00.000Z',
      workedSeconds: 8 * HOUR,
      breaks: [{ startedAt: '2026-11-24T12:00:00.000Z', endedAt: '2026-11-24T13:00:00.000Z' }],
    });
    const [event] = await database.db.auditEvent.findMany({ where: { entityId: id, action: 'correct' } });
    expect(event).toMatchObject({
      actorId: people.manager,
      before: { clockOut: '2026-11-24T16:00:00.000Z', breaks: [{ endedAt: '2026-11-24T12:30:00.000Z' }] },
      after: { clockOut: '2026-11-24T17:00:00.000Z', reason: 'Forgot to clock out; lunch ran long' },
    });
    const overlap = await correct({ id: entryId, clockOut: '2026-11-25T09:00:00Z', reason: 'Typo' });
    const conflict = expectTypename(overlap, 'ConflictError');
    expect(conflict.field).toBe('clockIn');
    expect(conflict.message).toContain('2026-11-25T08:00:00Z');
    expect(
      await correct({
        id: entryId,
        breaks: [{ startedAt: '2026-11-24T07:00:00Z', endedAt: '2026-11-24T07:30:00Z' }],
        reason: 'Typo',
      }),
    ).toMatchObject({
      issues: [
        { path: ['input', 'breaks', '0'], message: 'A break lies inside its entry, between clock-in and clock-out.' },
      ],
    });
  });

  it('closes an entry left open, and its open break with it', async () => {
    const worker = await member(people.organisationId);
    const id = await entry(worker, '2026-11-26T08:00:00Z', null, [['2026-11-26T12:00:00Z', null]]);
    const closed = await correct({
      id: globalId('TimeEntry', id),
      clockOut: '2026-11-26T16:00:00Z',
      reason: 'Left without clocking out',
    });
    expect(expectTypename(closed, 'CorrectTimeEntrySuccess').timeEntry).toMatchObject({
      isOpen: false,
      breaks: [{ startedAt: '2026-11-26T12:00:00.000Z', endedAt: '2026-11-26T16:00:00.000Z' }],
      workedSeconds: 4 * HOUR,
    });
  });

  it('approves a period that has ended and locks its entries against the API and direct SQL alike', async () => {
    const worker = await member(people.organisationId);
    const id = await entry(worker, '2026-11-02T08:00:00Z', '2026-11-02T16:00:00Z', [
      ['2026-11-02T12:00:00Z', '2026-11-02T12:30:00Z'],
    ]);
    const approved = await approve(worker, '2026-11-02', '2026-11-08');
    expect(approved).toMatchObject({
      __typename: 'ApproveTimesheetSuccess',
      timesheetApproval: {
        from: '2026-11-02',
        to: '2026-11-08',
        startsAt: '2026-11-02T00:00:00.000Z',
        endsAt: '2026-11-09T00:00:00.000Z',
        approvedBy: { id: globalId('User', people.manager) },
        user: { id: globalId('User', worker) },
        entries: { totalCount: 1 },
      },
    });
    expect((await timesheet(worker, '2026-11-01', '2026-11-02')).days.map((day) => day.approved)).toEqual([
      false,
      true,
    ]);
    expect(await correct({ id: globalId('TimeEntry', id), notes: 'x', reason: 'Late change' })).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'APPROVED',
      message: 'This entry is in the timesheet approved for 2026-11-02 to 2026-11-08: approved time cannot change.',
    });
    const locked = { code: CHECK, constraint: 'time_entries_approved_locked' };
    expect(
      await violation(database.sql(`UPDATE timeclock.time_entries SET notes = 'edited' WHERE id = $1`, [id])),
    ).toEqual(locked);
    expect(await violation(database.sql(`DELETE FROM timeclock.time_entries WHERE id = $1`, [id]))).toEqual(locked);
    expect(await violation(database.sql(`DELETE FROM timeclock.time_breaks WHERE entry_id = $1`, [id]))).toEqual(
      locked,
    );
    expect(await violation(entry(worker, '2026-11-04T08:00:00Z', '2026-11-04T16:00:00Z'))).toEqual(locked);
    expect(
      await violation(
        database.sql(`UPDATE timeclock.timesheet_approvals SET to_date = '2026-11-07' WHERE user_id = $1`, [worker]),
      ),
    ).toEqual({ code: CHECK, constraint: 'timesheet_approvals_immutable' });
    expect(await approve(worker, '2026-11-05', '2026-11-12')).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'APPROVED',
      message: expect.stringContaining('approved already for 2026-11-02 to 2026-11-08'),
    });
  });

  it('refuses to approve one’s own timesheet, a period not yet over, or one still clocked into', async () => {
    const worker = await member(people.organisationId);
    expect(await approve(people.manager, '2026-10-05', '2026-10-11')).toMatchObject({
      __typename: 'InputValidationError',
      issues: [
        { path: ['input', 'userId'], message: 'Your own timesheet is approved by another manager or an admin.' },
      ],
    });
    const today = new Date().toISOString().slice(0, 10);
    expect(await approve(worker, today, today)).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'to'], message: expect.stringContaining('once its period has ended') }],
    });
    const open = await entry(worker, '2026-11-20T08:00:00Z', null);
    const refused = await approve(worker, '2026-11-16', '2026-11-22');
    const clockedIn = expectTypename(refused, 'InvalidStateError');
    expect(clockedIn.currentState).toBe('CLOCKED_IN');
    expect(clockedIn.message).toContain(globalId('TimeEntry', open));
  });

  it('refuses a late punch into a period approved already', async () => {
    const worker = await member(people.organisationId);
    const yesterday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(ago(24 * 60));
    expect((await approve(worker, yesterday, yesterday)).__typename).toBe('ApproveTimesheetSuccess');
    expect(await send(punch.clockIn, { at: `${yesterday}T12:00:00.000Z`, source: 'MOBILE' }, worker)).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'APPROVED',
      message: `This clock-in falls in the timesheet approved for ${yesterday} to ${yesterday}: approved time cannot change.`,
    });
  });
});

describe('who sees whose time', () => {
  it('shows a worker their own entries and timesheet only; a manager everyone’s', async () => {
    const worker = await member(people.organisationId);
    const colleague = await member(people.organisationId);
    const mine = await entry(worker, '2026-09-01T08:00:00Z', '2026-09-01T16:00:00Z');
    const theirs = await entry(colleague, '2026-09-01T08:00:00Z', '2026-09-01T16:00:00Z');
    const own = await data(
      graphql(/* GraphQL */ `
        query TimeclockOwnEntries($me: ID!) {
          timeEntries(filter: { userId: $me }) {
            totalCount
            edges {
              node {
                id
              }
            }
          }
          viewer {
            openTimeEntry {
              id
            }
            timeEntries(first: 5) {
              totalCount
            }
          }
        }
      `),
      { me: globalId('User', worker) },
      { as: worker },
    );
    expect(own.timeEntries).toEqual({ totalCount: 1, edges: [{ node: { id: globalId('TimeEntry', mine) } }] });
    expect(own.viewer).toEqual({ openTimeEntry: null, timeEntries: { totalCount: 1 } });
    const entriesOf = graphql(/* GraphQL */ `
      query TimeclockEntriesOf($id: ID) {
        timeEntries(first: 1, filter: { userId: $id }) {
          totalCount
        }
      }
    `);
    const code = async (result: Promise<FormattedExecutionResult>) => (await result).errors?.[0]?.extensions?.code;
    expect(await code(execute(entriesOf, {}, { as: worker }))).toBe('FORBIDDEN');
    expect(await code(execute(entriesOf, { id: globalId('User', colleague) }, { as: worker }))).toBe('FORBIDDEN');
    const theirSheet = { userId: globalId('User', colleague), from: '2026-09-01', to: '2026-09-01' };
    expect(await code(execute(timesheetQuery, theirSheet, { as: worker }))).toBe('FORBIDDEN');
    const node = await execute(
      graphql(/* GraphQL */ `
        query TimeclockEntryClockIn($id: ID!) {
          node(id: $id) {
            ... on TimeEntry {
              clockIn
            }
          }
        }
      `),
      { id: globalId('TimeEntry', theirs) },
      { as: worker },
    );
    expect(node.data?.node).toBeNull();
    expect(node.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const managed = await data(
      graphql(/* GraphQL */ `
        query TimeclockManagedEntries($id: ID!) {
          timeEntries(filter: { userId: $id }) {
            totalCount
          }
          all: timeEntries(first: 1) {
            totalCount
          }
        }
      `),
      { id: globalId('User', colleague) },
      { as: people.manager },
    );
    expect(managed.timeEntries.totalCount).toBe(1);
    expect(managed.all.totalCount).toBeGreaterThan(1);
  });
});

describe('the CSV export of approved timesheets', () => {
  const exportCsv = (query: string, token?: string, method = 'GET') =>
    app.fetch(`http://localhost/exports/timesheets.csv?${query}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  let formula: string;
  let quoted: string;

  beforeAll(async () => {
    formula = await member(people.organisationId, 'WORKER', "=cmd|' /C calc'!A0");
    quoted = await member(people.organisationId, 'WORKER', 'Smith, "Jo"');
    for (const worker of [formula, quoted]) {
      for (const date of ['2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09']) {
        // 08:00 to 17:00 BST, with half an hour's break.
        await entry(worker, `${date}T07:00:00Z`, `${date}T16:00:00Z`, [[`${date}T11:00:00Z`, `${date}T11:30:00Z`]]);
      }
      expect((await approve(worker, '2026-10-05', '2026-10-11')).__typename).toBe('ApproveTimesheetSuccess');
    }
  });

  it('streams a row per approved day, escaped, with overtime, as an attachment', async () => {
    const response = await exportCsv(
      `from=2026-10-05&to=2026-10-11&userId=${globalId('User', quoted)}`,
      await bearer(people.manager),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="timesheets-2026-10-05-to-2026-10-11.csv"',
    );
    const email = (await database.db.user.findUniqueOrThrow({ where: { id: quoted } })).email;
    const lines = (await response.text()).split('\r\n');
    expect(lines[0]).toBe(
      'email,name,date,worked_hours,break_hours,overtime_hours,week_overtime_hours,approved_by,approved_at',
    );
    expect(lines.slice(1, 3)).toEqual([
      expect.stringMatching(
        new RegExp(`^${email},"Smith, ""Jo""",2026-10-05,8\\.50,0\\.50,0\\.50,,marek@harbourworks\\.example,20`),
      ),
      expect.stringMatching(/^[^,]+,"Smith, ""Jo""",2026-10-06,8\.50,0\.50,0\.50,,/),
    ]);
    // Five days of 8.5 hours: 42.5, 2.5 over the week's 40, on its Sunday's row.
    expect(lines[6]).toMatch(/^[^,]+,"Smith, ""Jo""",2026-10-11,0\.00,0\.00,0\.00,2\.50,marek@harbourworks\.example,/);
    expect(lines.slice(7)).toEqual(['']);
  });

  it("keeps a spreadsheet from running a name as a formula, and shows no other organisation's time", async () => {
    const all = await (await exportCsv('from=2026-10-05&to=2026-10-11', await bearer(people.admin))).text();
    expect(all).toContain(`,'=cmd|' /C calc'!A0,2026-10-05,8.50,`);
    expect(all).not.toContain(',=cmd');
    const rival = await otherOrganisation(database);
    const theirs = await (await exportCsv('from=2026-10-05&to=2026-10-11', await bearer(rival.admin))).text();
    expect(theirs.split('\r\n')).toEqual([
      'email,name,date,worked_hours,break_hours,overtime_hours,week_overtime_hours,approved_by,approved_at',
      '',
    ]);
  });

  it('answers 401 without a token, 403 to a role without the permission, 400 to bad parameters, 405 to POST', async () => {
    const unauthenticated = await exportCsv('from=2026-10-05&to=2026-10-11');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toBe('Bearer');
    const refusal = async (response: Response) =>
      ((await response.json()) as FormattedExecutionResult).errors?.[0]?.extensions;
    expect(await refusal(unauthenticated)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await exportCsv('from=2026-10-05&to=2026-10-11', 'not-a-token')).status).toBe(401);
    const forbidden = await exportCsv('from=2026-10-05&to=2026-10-11', await bearer(people.worker));
    expect(forbidden.status).toBe(403);
    expect(await refusal(forbidden)).toMatchObject({ code: 'FORBIDDEN' });
    const token = await bearer(people.manager);
    const bad = await exportCsv('from=2026-02-30&userId=bad', token);
    expect(bad.status).toBe(400);
    expect(await refusal(bad)).toEqual({
      code: 'BAD_USER_INPUT',
      issues: [
        { path: ['from'], message: 'from must be a calendar date as YYYY-MM-DD, such as 2026-03-29.' },
        { path: ['to'], message: 'to must be a calendar date as YYYY-MM-DD, such as 2026-03-29: it is missing.' },
        { path: ['userId'], message: 'userId must be the id of a user, as the API gives it.' },
      ],
    });
    const backwards = await exportCsv('from=2026-10-11&to=2026-10-05', token);
    expect(backwards.status).toBe(400);
    expect((await exportCsv('from=2026-10-05&to=2026-10-11', token, 'POST')).status).toBe(405);
  });
});

describe('statements per timesheet', () => {
  it('a month’s timesheet takes the same statements at 10 entries and at 50', async () => {
    const worker = await member(people.organisationId);
    const token = await bearer(people.manager);
    const review = graphql(/* GraphQL */ `
      query TimeclockReview($userId: ID!) {
        timesheet(userId: $userId, from: "2026-09-01", to: "2026-09-30") {
          user {
            name
          }
          workedSeconds
          days {
            date
            workedSeconds
            overtimeSeconds
            approved
          }
          weeks {
            startDate
            workedSeconds
            overtimeSeconds
          }
          entries(first: 100) {
            totalCount
            edges {
              node {
                clockIn
                clockOut
                workedSeconds
                breaks {
                  startedAt
                  endedAt
                }
              }
            }
          }
        }
      }
    `);
    const totalsOnly = graphql(/* GraphQL */ `
      query TimeclockTotals($userId: ID!) {
        timesheet(userId: $userId, from: "2026-09-01", to: "2026-09-30") {
          days {
            workedSeconds
          }
          weeks {
            workedSeconds
          }
        }
      }
    `);
    const warmUp = graphql(/* GraphQL */ `
      query TimeclockWarmUp {
        viewer {
          id
        }
      }
    `);
    const measure = async <R>(document: TypedDocumentNode<R, { userId: string }>) => {
      await data(warmUp, {}, { token });
      database.statements.length = 0;
      const result = await data(document, { userId: globalId('User', worker) }, { token });
      return { statements: database.statements.length, result };
    };
    const addDays = async (days: number[], hour: number) => {
      for (const day of days) {
        const date = `2026-09-${String(day).padStart(2, '0')}`;
        const at = (offset: number, minutes = '00') =>
          `${date}T${String(hour + offset).padStart(2, '0')}:${minutes}:00Z`;
        await entry(worker, at(0), at(4), [[at(1), at(1, '15')]]);
      }
    };
    await addDays([1, 2, 3, 4, 7, 8, 9, 10, 11, 14], 6);
    const small = await measure(review);
    const smallTotals = await measure(totalsOnly);
    await addDays(
      Array.from({ length: 30 }, (_, index) => index + 1).filter((day) => day > 14),
      6,
    );
    await addDays(Array.from({ length: 30 }, (_, index) => index + 1).slice(0, 24), 12);
    const large = await measure(review);
    const largeTotals = await measure(totalsOnly);
    expect(small.result.timesheet?.entries.totalCount).toBe(10);
    expect(large.result.timesheet?.entries.totalCount).toBe(50);
    expect(large.result.timesheet?.workedSeconds).toBe(50 * (4 * HOUR - 15 * 60));
    console.log(
      `[timesheet statements] month review: ${small.statements} at 10 entries, ${large.statements} at 50; ` +
        `day and week totals alone: ${smallTotals.statements} and ${largeTotals.statements}`,
    );
    expect(large.statements).toBe(small.statements);
    expect(largeTotals.statements).toBe(smallTotals.statements);
    expect(largeTotals.statements).toBeLessThanOrEqual(2);
    expect(large.statements).toBeLessThanOrEqual(5);
  });
});
