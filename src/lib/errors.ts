import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { Prisma } from '../generated/prisma/client.js';
import { InputValidationError, notACursor } from './validation.js';

/** No valid sign-in: HTTP 401. */
export function unauthenticated(message = 'Sign in to use this API.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** Signed in, but not allowed to: HTTP 403. */
export function forbidden(message = 'Your role does not allow this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/** A row the viewer asked for does not exist, or belongs to another organisation. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(readonly entity: string) {
    super(`${entity} not found.`);
  }
}

/** A value must be unique and is already taken. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    readonly field: string,
    message = `Another record already has this ${field}.`,
  ) {
    super(message);
  }
}

/** The record is not in a state that allows the change. */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
  constructor(
    message: string,
    readonly currentState: string,
  ) {
    super(message);
  }
}

/** A stock change would take an item's quantity below zero. */
export class InsufficientStockError extends Error {
  override name = 'InsufficientStockError';
  constructor(
    readonly available: number,
    readonly requested: number,
  ) {
    super(`Only ${available} in stock; cannot remove ${requested}.`);
  }
}

const CONSTRAINT_FIELDS: Record<string, string> = {
  users_email_key: 'email',
  users_google_id_key: 'googleId',
  equipment_organisation_id_serial_number_key: 'serialNumber',
  inventory_items_organisation_id_sku_key: 'sku',
  suppliers_organisation_id_name_key: 'name',
  purchase_orders_organisation_id_number_key: 'number',
  batches_organisation_id_code_key: 'code',
  checklist_templates_organisation_id_category_key: 'category',
};

function uniqueField(error: Prisma.PrismaClientKnownRequestError): string {
  const meta = error.meta as
    | {
        target?: string[] | string;
        driverAdapterError?: { cause?: { constraint?: { fields?: string[]; index?: string } } };
      }
    | undefined;
  const constraint = meta?.driverAdapterError?.cause?.constraint;
  if (constraint?.index && CONSTRAINT_FIELDS[constraint.index]) return CONSTRAINT_FIELDS[constraint.index]!;
  const fields = constraint?.fields ?? (Array.isArray(meta?.target) ? meta.target : [meta?.target ?? 'value']);
  const field = fields.find((name) => name !== 'organisation_id' && name !== 'organisationId') ?? fields[0]!;
  return field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()).replaceAll('"', '');
}

/**
 * Rules PostgreSQL keeps that the API checks first with a message naming the records involved: a
 * request that slips past that check (a race, a bug) still gets a typed error, by the constraint
 * (unique index, exclusion constraint, CHECK or trigger) that refused it.
 */
const CONSTRAINT_ERRORS: Record<string, () => Error> = {
  time_entries_one_open_per_user: () =>
    new InvalidStateError('This user is clocked in already: clock out first.', 'CLOCKED_IN'),
  time_entries_no_overlap: () => new ConflictError('clockIn', 'Another time entry of this user overlaps this time.'),
  time_entries_approved_locked: () =>
    new InvalidStateError('This time is in an approved timesheet: it cannot change.', 'APPROVED'),
  time_entries_clock_out_after_clock_in: () =>
    new InputValidationError([{ path: [], message: 'Clock-out must be after clock-in.' }]),
  time_breaks_no_overlap: () => new ConflictError('breaks', 'Breaks of one time entry cannot overlap.'),
  time_breaks_end_after_start: () =>
    new InputValidationError([{ path: [], message: 'A break must end after it starts.' }]),
  time_breaks_within_entry: () =>
    new InputValidationError([{ path: [], message: 'A break must lie inside its time entry.' }]),
  timesheet_approvals_no_overlap: () =>
    new InvalidStateError('This period overlaps a timesheet approved already.', 'APPROVED'),
};

type DatabaseCause = {
  originalCode?: string;
  originalMessage?: string;
  constraint?: { index?: string };
};

/** The constraint a violation names: a unique index, or the one its message quotes. */
function violatedConstraint(cause: DatabaseCause | undefined): string | undefined {
  return cause?.constraint?.index ?? /constraint "(\w+)"/.exec(cause?.originalMessage ?? '')?.[1];
}

/**
 * The one place database errors become errors of the schema: a unique violation names its field,
 * a missing row is NOT_FOUND, a value PostgreSQL cannot take (a data exception, SQLSTATE class 22:
 * a malformed uuid, a number or date out of range) is invalid input, and a rule of CONSTRAINT_ERRORS
 * its own error. Anything else stays an internal error.
 */
export function translateDatabaseError(error: unknown): unknown {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return error;
  const cause = (error.meta as { driverAdapterError?: { cause?: DatabaseCause } })?.driverAdapterError?.cause;
  const constraint = violatedConstraint(cause);
  if (constraint && cause?.originalCode?.startsWith('23') && Object.hasOwn(CONSTRAINT_ERRORS, constraint)) {
    return CONSTRAINT_ERRORS[constraint]!();
  }
  if (cause?.originalCode?.startsWith('22')) {
    const reason = cause.originalMessage?.split('\n')[0]?.slice(0, 200) ?? 'a value is out of range';
    return new InputValidationError([{ path: [], message: `A value cannot be stored or looked up: ${reason}.` }]);
  }
  switch (error.code) {
    case 'P2002': {
      const field = uniqueField(error);
      // Sign-in emails are unique across organisations: the refusal says no more than that.
      return field === 'email'
        ? new ConflictError(field, 'This email address cannot be used for an account here: choose another.')
        : new ConflictError(field);
    }
    case 'P2025':
      return new NotFoundError(String((error.meta as { modelName?: string } | undefined)?.modelName ?? 'Record'));
    default:
      return error;
  }
}

/**
 * The change committed, but reading its record back failed (the database went away in between).
 * Unlike a retryable error, this one tells the client that the change was made: it must not be
 * sent again, or it would be made twice.
 */
export function changeNotReadBack(): GraphQLError {
  return new GraphQLError(
    'The change was made, but reading it back failed. Do not send it again: query the record instead.',
    { extensions: { code: 'CHANGE_NOT_READ_BACK', retryable: false } },
  );
}

/**
 * The connection went away while the change committed, so whether it was made is unknown. With an
 * idempotency key a retry is safe, and answers with the change if it was made; without one a retry
 * could make it twice, so the client must look first.
 */
export function commitUnanswered(keyed: boolean): GraphQLError {
  return keyed
    ? new GraphQLError(
        'The database connection was lost while the change committed. Send the request again with the same idempotency key: it answers with the change if it was made.',
        {
          extensions: {
            code: 'DATABASE_UNAVAILABLE',
            retryable: true,
            http: { status: 503, headers: { 'retry-after': '1' } },
          },
        },
      )
    : new GraphQLError(
        'The database connection was lost while the change committed: it may or may not have been made. Do not send it again before querying the record.',
        { extensions: { code: 'CHANGE_OUTCOME_UNKNOWN', retryable: false } },
      );
}

/** Sign-in failed; deliberately silent on whether the account exists. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

/** Too many failed sign-in checks for an account or from an address: wait before trying again. */
export class TooManyAttemptsError extends Error {
  override name = 'TooManyAttemptsError';
  constructor(
    readonly retryAfterSeconds: number,
    attempts = 'password attempts',
  ) {
    super(`Too many failed ${attempts}: try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`);
  }
}

/** Sign in with Google was asked for, but this server has no Google client ids configured. */
export function googleSignInNotConfigured(): GraphQLError {
  return new GraphQLError('Sign in with Google is not configured on this server: sign in with email and password.', {
    extensions: { code: 'GOOGLE_SIGN_IN_NOT_CONFIGURED' },
  });
}

/**
 * Google's keys could not be fetched (its JWKS URL unreachable, slow or answering nonsense), so an
 * ID token cannot be checked: nothing was changed, and the client should retry.
 */
export function googleKeysUnavailable(): GraphQLError {
  return new GraphQLError(
    "Google's signing keys cannot be fetched right now; nothing was changed. Retry in a moment.",
    {
      extensions: {
        code: 'GOOGLE_KEYS_UNAVAILABLE',
        retryable: true,
        http: { status: 503, headers: { 'retry-after': '5' } },
      },
    },
  );
}

type DriverCause = { kind?: string; code?: string };

// Prisma's codes for: server unreachable, timed out, closed the connection, no pooled connection
// in time, transaction not started in time.
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
// PostgreSQL's: shutting down or starting up (57P01-57P03), connection exceptions (08…), too many
// connections (53300), serialization failure and deadlock (40001, 40P01: the transaction was rolled back).
const UNAVAILABLE_SQLSTATE = /^(57P0[123]|08...|53300|40001|40P01)$/;
const STATEMENT_TIMEOUT = '57014';
// pg's own messages when it loses or cannot get a connection.
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

// pg's own messages when a connection it was using goes away.
const LOST_CONNECTION_MESSAGES = /Connection terminated|Client has encountered a connection error/;

/** The driver adapter's account of a failure: wrapped by Prisma, or thrown as is (a COMMIT's). */
function driverCause(error: Error): DriverCause | undefined {
  if (error.name === 'DriverAdapterError') return (error as { cause?: DriverCause }).cause;
  return (error as { meta?: { driverAdapterError?: { cause?: DriverCause } } }).meta?.driverAdapterError?.cause;
}

/**
 * Whether a statement failed without the database's answer: the connection went away (reset,
 * closed, or PgBouncer's "server conn crashed?") while it ran, so it may have taken effect or not.
 */
export function answerLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const cause = driverCause(error);
  return (
    cause?.kind === 'ConnectionClosed' ||
    (cause?.code !== undefined && cause.code.startsWith('08')) ||
    LOST_CONNECTION_MESSAGES.test(error.message)
  );
}

/**
 * A database failure the client should retry, as the error it gets: DATABASE_UNAVAILABLE while
 * PostgreSQL is down, restarting or saturated, TIMEOUT when a statement ran past the configured
 * statement timeout. Either way nothing was written, and the answer is 503 with a Retry-After hint.
 */
export function retryableDatabaseError(error: unknown): GraphQLError | undefined {
  if (!(error instanceof Error)) return undefined;
  const cause = driverCause(error);
  const prismaCode = (error as { code?: unknown }).code;
  const extensions = (code: string) => ({
    code,
    retryable: true,
    http: { status: 503, headers: { 'retry-after': '1' } },
  });
  if (cause?.code === STATEMENT_TIMEOUT) {
    return new GraphQLError('The database took too long to answer; nothing was changed. Retry the request.', {
      extensions: extensions('TIMEOUT'),
    });
  }
  const unavailable =
    (typeof prismaCode === 'string' && UNAVAILABLE_PRISMA_CODES.has(prismaCode)) ||
    (cause?.kind !== undefined && UNAVAILABLE_KINDS.has(cause.kind)) ||
    (cause?.code !== undefined && UNAVAILABLE_SQLSTATE.test(cause.code)) ||
    DRIVER_MESSAGES.test(error.message);
  if (!unavailable) return undefined;
  return new GraphQLError('The database is unavailable right now; nothing was changed. Retry in a moment.', {
    extensions: extensions('DATABASE_UNAVAILABLE'),
  });
}

/** Input refused outside a mutation's error union (a query's arguments): BAD_USER_INPUT, with its issues. */
export function badInput(error: unknown): GraphQLError | undefined {
  if (error instanceof PothosValidationError && /\bcursor\b/i.test(error.message)) return badInput(notACursor());
  if (!(error instanceof InputValidationError)) {
    const translated = translateDatabaseError(error);
    return translated instanceof InputValidationError ? badInput(translated) : undefined;
  }
  return new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', issues: error.issues } });
}

/** A subscription refused: the connection or the user holds as many as are allowed. */
export function tooManySubscriptions(holder: 'connection' | 'user', max: number): GraphQLError {
  const where = holder === 'connection' ? 'on this connection' : 'for your account on this server';
  return new GraphQLError(
    `At most ${max} subscriptions may be open ${where}: end one (or open another connection) first.`,
    { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', max } },
  );
}

/**
 * A subscription ended because its client did not read its events: more than maxQueued were
 * waiting. The client should subscribe again and refetch what it shows, as events were dropped.
 */
export function subscriberTooSlow(maxQueued: number): GraphQLError {
  return new GraphQLError(
    `This subscription ended: more than ${maxQueued} events waited for the client to read them. Subscribe again, and refetch what you show.`,
    { extensions: { code: 'SUBSCRIBER_TOO_SLOW', maxQueued } },
  );
}

/**
 * Live updates cannot be given or go on right now (the server lost its database listener, or is
 * stopping): subscribe again in a moment, to this or another instance, and refetch what you show.
 */
export function liveUpdatesUnavailable(reason: string): GraphQLError {
  return new GraphQLError(`Live updates are unavailable: ${reason}. Subscribe again in a moment.`, {
    extensions: {
      code: 'LIVE_UPDATES_UNAVAILABLE',
      retryable: true,
      http: { status: 503, headers: { 'retry-after': '1' } },
    },
  });
}
