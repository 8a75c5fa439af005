import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = Level | 'silent';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** An error as it is logged: what failed, where, and what caused it, down the cause chain. */
export type LoggedError = {
  type: string;
  code?: string | number;
  /** A database driver's classification of the failure (Prisma's driver adapters). */
  kind?: string;
  message: string;
  stack?: string;
  cause?: LoggedError;
  /** The errors an AggregateError gathers (e.g. one per address a connection was tried on). */
  errors?: LoggedError[];
};

const CAUSE_DEPTH = 5;

/**
 * Prisma's messages quote the call that failed: for a query it refuses, its arguments with their
 * values (db.ts asks for messages without a code frame). What is kept is which call failed and why,
 * the last paragraph.
 */
function withoutQuotedCall(message: string): string {
  const call = /^\s*Invalid `([^`]+)` invocation/.exec(message);
  if (!call) return message.trim();
  const reason = message
    .trim()
    .split(/\n\s*\n/)
    .at(-1)!
    .trim()
    .replace(/\s*\n\s*/g, ' ');
  return reason.startsWith('Invalid `')
    ? `Invalid \`${call[1]}\` invocation`
    : `Invalid \`${call[1]}\` invocation: ${reason}`;
}

type DriverCause = { kind?: string; originalCode?: string; originalMessage?: string; code?: string; message?: unknown };

/**
 * What a Prisma driver adapter reports of the database's error: its SQLSTATE and primary message,
 * never its DETAIL, which can quote the row that was refused.
 */
function driverCause(cause: DriverCause): LoggedError {
  const message = cause.originalMessage ?? cause.message;
  return {
    type: 'DriverAdapterError',
    kind: cause.kind,
    code: cause.originalCode ?? cause.code,
    message: typeof message === 'string' ? message : '',
  };
}

function code(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/**
 * The logger's `err` serializer. The message is whole (but for the arguments Prisma quotes), the
 * stack keeps its frames (its first lines repeat the message), and the cause chain follows: the
 * standard `cause`, and the database error a Prisma error carries in its `meta`.
 */
export function serializeError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) {
    if (typeof error === 'object' && error !== null && ('originalMessage' in error || 'kind' in error)) {
      return driverCause(error as DriverCause);
    }
    return { type: typeof error, message: String(error) };
  }
  const serialized: LoggedError = {
    type: error.name,
    code: code((error as { code?: unknown }).code),
    message: withoutQuotedCall(error.message),
    stack: error.stack
      ?.split('\n')
      .filter((line) => line.startsWith('    at '))
      .join('\n'),
  };
  if (depth >= CAUSE_DEPTH) return serialized;
  const fromMeta = (error as { meta?: { driverAdapterError?: { cause?: DriverCause } } }).meta?.driverAdapterError
    ?.cause;
  if (error.cause !== undefined) serialized.cause = serializeError(error.cause, depth + 1);
  else if (fromMeta) serialized.cause = driverCause(fromMeta);
  if (error instanceof AggregateError) serialized.errors = error.errors.map((one) => serializeError(one, depth + 1));
  return serialized;
}

/** A request's line, as a person reads it: method, path, status, time and operation on one line. */
function readableRequest(entry: Record<string, unknown>): Record<string, unknown> {
  if (entry.msg !== undefined || entry.status === undefined) return entry;
  const { method, path, status, durationMs, operationType, operation, trustedDocument, errors, ...rest } = entry;
  const named = trustedDocument === true ? `${String(operation)} (trusted)` : operation;
  const parts = [method, path, status, `${String(durationMs)} ms`, operationType, named];
  if (Array.isArray(errors)) parts.push(`errors: ${errors.map(String).join(', ')}`);
  const words = parts
    .filter((part) => part !== undefined)
    .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)));
  return { ...rest, msg: words.join(' ') };
}

type FlushableStream = DestinationStream & { flush?(callback: (error?: Error) => void): void };

/** Writes each line for a person: time, level and message, then the other fields on the same line. */
function pretty(destination: FlushableStream): FlushableStream {
  const format = prettyFactory({
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return {
    write: (line: string) => destination.write(format(readableRequest(JSON.parse(line) as Record<string, unknown>))),
    flush: destination.flush ? (callback) => destination.flush!(callback) : undefined,
  };
}

/**
 * One JSON object per line on stdout (or the given stream), for the log shipper to parse; or, in
 * development, lines for a person. Stdout is written in the background, in batches; flush() before
 * the process exits.
 */
export function createLogger(
  level: LogLevel,
  { format = 'json', destination }: { format?: LogFormat; destination?: DestinationStream } = {},
): Logger {
  const target: FlushableStream = destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level,
      base: { service: 'opsgraph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError },
    },
    format === 'pretty' ? pretty(target) : target,
  );
}
