import { encodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { builder } from '../../builder.js';
import { TimeEntrySource } from '../../generated/prisma/enums.js';
import { ConflictError, InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate, type Tx } from '../../lib/mutation.js';
import { tenantSql, type Tenant } from '../../lib/tenancy.js';
import {
  idempotencyKey,
  InputValidationError,
  optionalText,
  requiredText,
  validateFields,
  type Issue,
} from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { User } from '../user/user.type.js';
import { checkPeriod, latestPunch, punchTime, wholeSeconds } from './rules.js';
import { MAX_BREAKS, TimeEntry } from './timeclock.type.js';

const errors = [...commonErrors, InvalidStateError];

/** An instant as messages name it: ISO 8601 in UTC, to the second. */
const instant = (date: Date) => date.toISOString().replace('.000Z', 'Z');
const day = (date: Date) => date.toISOString().slice(0, 10);

const describeEntry = (entry: { id: string; clockIn: Date; clockOut: Date | null }) =>
  `${encodeGlobalID('TimeEntry', entry.id)} (${instant(entry.clockIn)} to ${entry.clockOut ? instant(entry.clockOut) : 'now, still open'})`;

const invalid = (path: string[], message: string) => new InputValidationError([{ path, message }]);

/**
 * Locks a user's time for the rest of the transaction: every change to it (a punch, a correction,
 * an approval) runs one at a time, so that its checks see what the others did and its refusal names
 * what was in the way. The database's constraints hold without it.
 */
async function lockTime(tx: Tx, userId: string, tenant: Tenant) {
  const [user] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM auth.users WHERE id = ${userId}::uuid AND ${tenantSql(tenant)} FOR NO KEY UPDATE`;
  if (!user) throw new NotFoundError('User');
}

async function openEntry(tx: Tx, userId: string) {
  return tx.timeEntry.findFirst({
    where: { userId, clockOut: null },
    include: { breaks: { orderBy: { startedAt: 'asc' } } },
  });
}

async function requireOpenEntry(tx: Tx, userId: string) {
  const entry = await openEntry(tx, userId);
  if (!entry) throw new InvalidStateError('You are not clocked in: clock in first.', 'CLOCKED_OUT');
  return entry;
}

/** Refuses time [from, to) (to null: open) that an approved timesheet of the user covers. */
async function refuseApproved(tx: Tx, userId: string, from: Date, to: Date | null, what: string) {
  const approval = await tx.timesheetApproval.findFirst({
    where: { userId, endsAt: { gt: from }, ...(to ? { startsAt: { lt: to } } : {}) },
  });
  if (approval) {
    throw new InvalidStateError(
      `${what} falls in the timesheet approved for ${day(approval.fromDate)} to ${day(approval.toDate)}: approved time cannot change.`,
      'APPROVED',
    );
  }
}

/** Refuses time [from, to) (to null: open) that another entry of the user overlaps, naming it. */
async function refuseOverlap(tx: Tx, userId: string, from: Date, to: Date | null, field: string, except?: string) {
  const other = await tx.timeEntry.findFirst({
    where: {
      userId,
      ...(except ? { id: { not: except } } : {}),
      OR: [{ clockOut: null }, { clockOut: { gt: from } }],
      ...(to ? { clockIn: { lt: to } } : {}),
    },
    orderBy: { clockIn: 'asc' },
  });
  if (other) throw new ConflictError(field, `This time overlaps the time entry ${describeEntry(other)}.`);
}

const at = (action: string) =>
  ({
    type: 'DateTime',
    required: false,
    description: `When the ${action} happened by the device's clock (a punch queued offline arrives late); now when left out. Taken up to TIMECLOCK_LATE_PUNCH_WINDOW_MINUTES late (72 hours by default) and TIMECLOCK_CLOCK_SKEW_MINUTES early (2 minutes).`,
  }) as const;

const keyDescription =
  'Chosen by the client, e.g. a UUID: a retry with the same key and input is applied once and answers with the entry. Kept for 24 hours.';

const GeoPointInput = builder.inputType('GeoPointInput', {
  description: 'A place on Earth, in WGS 84 degrees.',
  fields: (t) => ({ latitude: t.float(), longitude: t.float() }),
});

const ClockInFields = builder.inputType('ClockInInput', {
  fields: (t) => ({
    at: t.field(at('clock-in')),
    source: t.field({ type: TimeEntrySource, description: 'What the punch was made on.' }),
    location: t.field({ type: GeoPointInput, required: false, description: 'Where, when the device can tell.' }),
    notes: t.string({ required: false }),
    idempotencyKey: t.string({ required: false, description: keyDescription }),
  }),
});
const ClockInRules = validateFields<typeof ClockInFields.$inferInput>({
  location: z
    .object({
      latitude: z.number().min(-90, 'Latitude is between -90 and 90.').max(90, 'Latitude is between -90 and 90.'),
      longitude: z
        .number()
        .min(-180, 'Longitude is between -180 and 180.')
        .max(180, 'Longitude is between -180 and 180.'),
    })
    .nullish(),
  notes: optionalText('Notes', 2000),
  idempotencyKey,
});

const punchFields = (name: string, action: string) =>
  builder.inputType(name, {
    fields: (t) => ({
      at: t.field(at(action)),
      idempotencyKey: t.string({ required: false, description: keyDescription }),
    }),
  });
const PunchRules = validateFields<{ at?: Date | null; idempotencyKey?: string | null }>({ idempotencyKey });

builder.mutationField('clockIn', (t) =>
  t.prismaField({
    authScopes: { may: 'clockIn' },
    type: 'TimeEntry',
    description:
      "Starts the viewer's shift: an open time entry. Clocked in already is an InvalidStateError (CLOCKED_IN) naming the open entry.",
    errors: { types: errors, dataField: { name: 'timeEntry' } },
    args: { input: t.arg({ type: ClockInFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: ClockInRules, value: args.input },
        once: (input) => ({ key: input.idempotencyKey, operation: 'clockIn', request: args.input }),
        change: async ({ tx, input, actor, tenant, audit }) => {
          // Checked here, after the key: a retry of a punch taken earlier still answers with it
          // once the punch has aged past the window.
          const clockIn = punchTime(input.at, ['input', 'at']);
          await lockTime(tx, actor.id, tenant);
          const open = await openEntry(tx, actor.id);
          if (open) {
            throw new InvalidStateError(
              `You are clocked in already, on the time entry ${describeEntry(open)}: clock out first.`,
              'CLOCKED_IN',
            );
          }
          await refuseOverlap(tx, actor.id, clockIn, null, 'at');
          await refuseApproved(tx, actor.id, clockIn, null, 'This clock-in');
          const entry = await tx.timeEntry.create({
            data: {
              organisationId: actor.organisationId,
              userId: actor.id,
              clockIn,
              source: input.source,
              latitude: input.location?.latitude,
              longitude: input.location?.longitude,
              notes: input.notes,
            },
          });
          await audit({ ...entity('TimeEntry', entry), action: 'clockIn', after: entry });
          return entry.id;
        },
        read: answer('timeEntry', query),
      }),
  }),
);

builder.mutationField('clockOut', (t) =>
  t.prismaField({
    authScopes: { may: 'clockOut' },
    type: 'TimeEntry',
    description:
      "Ends the viewer's shift (and a break still open, at the same time). Not clocked in is an InvalidStateError (CLOCKED_OUT).",
    errors: { types: errors, dataField: { name: 'timeEntry' } },
    args: { input: t.arg({ type: punchFields('ClockOutInput', 'clock-out') }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: PunchRules, value: args.input },
        once: (input) => ({ key: input.idempotencyKey, operation: 'clockOut', request: args.input }),
        change: async ({ tx, input, actor, tenant, audit }) => {
          const clockOut = punchTime(input.at, ['input', 'at']);
          await lockTime(tx, actor.id, tenant);
          const before = await requireOpenEntry(tx, actor.id);
          const latest = before.breaks.at(-1);
          const earliest = latest ? (latest.endedAt ?? latest.startedAt) : before.clockIn;
          if (clockOut <= earliest) {
            throw invalid(
              ['input', 'at'],
              `Clock-out must be after ${latest ? 'your last break began or ended' : 'your clock-in'}, at ${instant(earliest)}.`,
            );
          }
          if (latest && latest.endedAt === null) {
            await tx.timeBreak.update({ where: { id: latest.id }, data: { endedAt: clockOut } });
          }
          const after = await tx.timeEntry.update({ where: { id: before.id }, data: { clockOut } });
          await audit({
            ...entity('TimeEntry', after),
            action: 'clockOut',
            before: { clockOut: null, openBreak: latest?.endedAt === null ? latest : null },
            after: { clockOut: after.clockOut },
          });
          return after.id;
        },
        read: answer('timeEntry', query),
      }),
  }),
);

builder.mutationField('startBreak', (t) =>
  t.prismaField({
    authScopes: { may: 'startBreak' },
    type: 'TimeEntry',
    description: `Starts a break in the viewer's open entry (at most ${MAX_BREAKS} per entry). Not clocked in is an InvalidStateError (CLOCKED_OUT); on a break already, ON_BREAK.`,
    errors: { types: errors, dataField: { name: 'timeEntry' } },
    args: { input: t.arg({ type: punchFields('StartBreakInput', 'break start') }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: PunchRules, value: args.input },
        once: (input) => ({ key: input.idempotencyKey, operation: 'startBreak', request: args.input }),
        change: async ({ tx, input, actor, tenant, audit }) => {
          const startedAt = punchTime(input.at, ['input', 'at']);
          await lockTime(tx, actor.id, tenant);
          const entry = await requireOpenEntry(tx, actor.id);
          const latest = entry.breaks.at(-1);
          if (latest && latest.endedAt === null) {
            throw new InvalidStateError(`You are on a break already, since ${instant(latest.startedAt)}.`, 'ON_BREAK');
          }
          if (entry.breaks.length >= MAX_BREAKS) {
            throw new InvalidStateError(`A time entry holds at most ${MAX_BREAKS} breaks.`, 'BREAK_LIMIT');
          }
          const earliest = latest?.endedAt ?? entry.clockIn;
          if (startedAt < earliest) {
            throw invalid(
              ['input', 'at'],
              `A break starts after ${latest ? 'your last break ended' : 'your clock-in'}, at ${instant(earliest)}.`,
            );
          }
          const pause = await tx.timeBreak.create({ data: { entryId: entry.id, startedAt } });
          await audit({
            ...entity('TimeBreak', { id: pause.id, organisationId: entry.organisationId }),
            action: 'startBreak',
            after: pause,
          });
          return entry.id;
        },
        read: answer('timeEntry', query),
      }),
  }),
);

builder.mutationField('endBreak', (t) =>
  t.prismaField({
    authScopes: { may: 'endBreak' },
    type: 'TimeEntry',
    description:
      "Ends the viewer's break. Not clocked in is an InvalidStateError (CLOCKED_OUT); not on a break, WORKING.",
    errors: { types: errors, dataField: { name: 'timeEntry' } },
    args: { input: t.arg({ type: punchFields('EndBreakInput', 'break end') }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: PunchRules, value: args.input },
        once: (input) => ({ key: input.idempotencyKey, operation: 'endBreak', request: args.input }),
        change: async ({ tx, input, actor, tenant, audit }) => {
          const endedAt = punchTime(input.at, ['input', 'at']);
          await lockTime(tx, actor.id, tenant);
          const entry = await requireOpenEntry(tx, actor.id);
          const pause = entry.breaks.at(-1);
          if (!pause || pause.endedAt !== null) throw new InvalidStateError('You are not on a break.', 'WORKING');
          if (endedAt <= pause.startedAt) {
            throw invalid(['input', 'at'], `A break ends after it began, at ${instant(pause.startedAt)}.`);
          }
          const after = await tx.timeBreak.update({ where: { id: pause.id }, data: { endedAt } });
          await audit({
            ...entity('TimeBreak', { id: pause.id, organisationId: entry.organisationId }),
            action: 'endBreak',
            before: pause,
            after,
          });
          return entry.id;
        },
        read: answer('timeEntry', query),
      }),
  }),
);

const BreakFields = builder.inputType('TimeBreakInput', {
  fields: (t) => ({
    startedAt: t.field({ type: 'DateTime' }),
    endedAt: t.field({ type: 'DateTime' }),
  }),
});

const CorrectTimeEntryFields = builder.inputType('CorrectTimeEntryInput', {
  description:
    "Only the fields given change; breaks, when given, replace all of the entry's breaks; notes null clears them. Setting clockOut on an open entry closes it (and its open break, at the same time).",
  fields: (t) => ({
    id: t.globalID({ for: TimeEntry }),
    clockIn: t.field({ type: 'DateTime', required: false }),
    clockOut: t.field({ type: 'DateTime', required: false }),
    breaks: t.field({ type: [BreakFields], required: false }),
    notes: t.string({ required: false }),
    reason: t.string({ description: 'Why the entry was wrong; kept in the audit trail.' }),
  }),
});
const CorrectTimeEntryRules = validateFields<typeof CorrectTimeEntryFields.$inferInput>({
  breaks: z.array(z.unknown()).max(MAX_BREAKS, `A time entry holds at most ${MAX_BREAKS} breaks.`).nullish(),
  notes: optionalText('Notes', 2000),
  reason: requiredText('Reason', 1000),
});

/** Breaks in order, each inside the entry and after the one before: every problem, at its break. */
function breakIssues(
  breaks: { startedAt: Date; endedAt: Date | null }[],
  clockIn: Date,
  clockOut: Date | null,
): Issue[] {
  const issues: Issue[] = [];
  let previousEnd: Date | null = null;
  breaks.forEach((pause, index) => {
    const path = ['input', 'breaks', String(index)];
    if (pause.endedAt && pause.endedAt <= pause.startedAt) {
      issues.push({ path: [...path, 'endedAt'], message: 'A break ends after it starts.' });
    } else if (pause.startedAt < clockIn || (clockOut && (pause.endedAt ?? clockOut) > clockOut)) {
      issues.push({ path, message: 'A break lies inside its entry, between clock-in and clock-out.' });
    } else if (previousEnd && pause.startedAt < previousEnd) {
      issues.push({ path: [...path, 'startedAt'], message: 'Breaks follow one another without overlapping.' });
    }
    previousEnd = pause.endedAt;
  });
  return issues;
}

builder.mutationField('correctTimeEntry', (t) =>
  t.prismaField({
    authScopes: { may: 'correctTimeEntry' },
    type: 'TimeEntry',
    description:
      'Corrects a time entry; the reason and the entry before are kept in the audit trail. An entry in an approved timesheet is an InvalidStateError (APPROVED).',
    errors: { types: errors, dataField: { name: 'timeEntry' } },
    args: { input: t.arg({ type: CorrectTimeEntryFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: CorrectTimeEntryRules, value: args.input },
        change: async ({ tx, input, tenant, audit }) => {
          const found = await tx.timeEntry.findUnique({ where: { id: input.id.id } });
          if (!found) throw new NotFoundError('TimeEntry');
          await lockTime(tx, found.userId, tenant);
          const before = await tx.timeEntry.findUniqueOrThrow({
            where: { id: found.id },
            include: { breaks: { orderBy: { startedAt: 'asc' } }, approval: true },
          });
          if (before.approval) {
            throw new InvalidStateError(
              `This entry is in the timesheet approved for ${day(before.approval.fromDate)} to ${day(before.approval.toDate)}: approved time cannot change.`,
              'APPROVED',
            );
          }
          const clockIn = wholeSeconds(input.clockIn ?? before.clockIn);
          const clockOut = input.clockOut ? wholeSeconds(input.clockOut) : before.clockOut;
          const latest = latestPunch();
          const issues: Issue[] = [];
          if (clockIn > latest)
            issues.push({ path: ['input', 'clockIn'], message: 'Clock-in cannot be in the future.' });
          if (clockOut && clockOut > latest) {
            issues.push({ path: ['input', 'clockOut'], message: 'Clock-out cannot be in the future.' });
          }
          if (clockOut && clockOut <= clockIn) {
            issues.push({
              path: ['input', 'clockOut'],
              message: `Clock-out must be after clock-in, ${instant(clockIn)}.`,
            });
          }
          const breaks = (input.breaks ?? before.breaks).map((pause) => ({
            startedAt: wholeSeconds(pause.startedAt),
            endedAt: pause.endedAt ? wholeSeconds(pause.endedAt) : clockOut,
          }));
          issues.push(...(issues.length > 0 ? [] : breakIssues(breaks, clockIn, clockOut)));
          if (issues.length > 0) throw new InputValidationError(issues);
          await refuseOverlap(tx, before.userId, clockIn, clockOut, 'clockIn', before.id);
          await refuseApproved(tx, before.userId, clockIn, clockOut, 'The corrected entry');
          await tx.timeBreak.deleteMany({ where: { entryId: before.id } });
          const entry = await tx.timeEntry.update({
            where: { id: before.id },
            data: {
              clockIn,
              clockOut,
              notes: input.notes,
              breaks: { createMany: { data: breaks } },
            },
            include: { breaks: { orderBy: { startedAt: 'asc' } } },
          });
          const { approval: _none, ...original } = before;
          await audit({
            ...entity('TimeEntry', entry),
            action: 'correct',
            before: original,
            after: { ...entry, reason: input.reason },
          });
          return entry.id;
        },
        read: answer('timeEntry', query),
      }),
  }),
);

const ApproveTimesheetFields = builder.inputType('ApproveTimesheetInput', {
  fields: (t) => ({
    userId: t.globalID({ for: User }),
    from: t.field({ type: 'Date', description: 'The first local day approved.' }),
    to: t.field({ type: 'Date', description: 'The last local day approved; the period must have ended.' }),
  }),
});

builder.mutationField('approveTimesheet', (t) =>
  t.prismaField({
    authScopes: { may: 'approveTimesheet' },
    type: 'TimesheetApproval',
    description:
      "Approves a user's timesheet for a period of local days that has ended, locking its entries against change. Someone else's only: an approval is a second pair of eyes. A period still clocked into, or one overlapping a period approved already, is an InvalidStateError (CLOCKED_IN, APPROVED).",
    errors: { types: errors, dataField: { name: 'timesheetApproval' } },
    args: { input: t.arg({ type: ApproveTimesheetFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: validateFields<typeof ApproveTimesheetFields.$inferInput>({}), value: args.input },
        change: async ({ tx, input, actor, tenant, audit }) => {
          const { from, to } = checkPeriod(input.from, input.to, {
            from: ['input', 'from'],
            to: ['input', 'to'],
          });
          if (input.userId.id === actor.id) {
            throw invalid(['input', 'userId'], 'Your own timesheet is approved by another manager or an admin.');
          }
          await lockTime(tx, input.userId.id, tenant);
          const [period] = await tx.$queryRaw<{ organisationId: string; name: string; startsAt: Date; endsAt: Date }[]>`
            SELECT u.organisation_id AS "organisationId", u.name,
              ${from}::date::timestamp AT TIME ZONE o.time_zone AS "startsAt",
              (${to}::date + 1)::timestamp AT TIME ZONE o.time_zone AS "endsAt"
            FROM auth.users u JOIN auth.organisations o ON o.id = u.organisation_id
            WHERE u.id = ${input.userId.id}::uuid`;
          const { organisationId, name, startsAt, endsAt } = period!;
          if (endsAt > new Date()) {
            throw invalid(
              ['input', 'to'],
              `A timesheet is approved once its period has ended: ${to} ends at ${instant(endsAt)}.`,
            );
          }
          const open = await tx.timeEntry.findFirst({
            where: { userId: input.userId.id, clockOut: null, clockIn: { lt: endsAt } },
          });
          if (open) {
            throw new InvalidStateError(
              `${name} is clocked in on the time entry ${describeEntry(open)}: they clock out, or a manager corrects the entry, before the period is approved.`,
              'CLOCKED_IN',
            );
          }
          const existing = await tx.timesheetApproval.findFirst({
            where: { userId: input.userId.id, startsAt: { lt: endsAt }, endsAt: { gt: startsAt } },
          });
          if (existing) {
            throw new InvalidStateError(
              `${name}'s timesheet is approved already for ${day(existing.fromDate)} to ${day(existing.toDate)}, on ${instant(existing.approvedAt)}.`,
              'APPROVED',
            );
          }
          const approval = await tx.timesheetApproval.create({
            data: {
              organisationId,
              userId: input.userId.id,
              fromDate: new Date(`${from}T00:00:00Z`),
              toDate: new Date(`${to}T00:00:00Z`),
              startsAt,
              endsAt,
              approvedById: actor.id,
            },
          });
          const locked = await tx.timeEntry.updateMany({
            where: { userId: input.userId.id, approvalId: null, clockIn: { lt: endsAt }, clockOut: { gt: startsAt } },
            data: { approvalId: approval.id },
          });
          await audit({
            ...entity('TimesheetApproval', approval),
            action: 'approve',
            after: { ...approval, entriesLocked: locked.count },
          });
          return approval.id;
        },
        read: answer('timesheetApproval', query),
      }),
  }),
);
