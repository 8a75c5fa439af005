import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from '../../builder.js';
import { isCalendarDate } from '../../lib/validation.js';

// ISO 8601 with a UTC offset; a year of more than four digits needs its sign, as ISO requires.
const DATE_TIME =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Reads a DateTime, refusing what is not a real instant (2026-02-30, 24:00) rather than letting
 * JavaScript roll it over. A real instant in an absurd year parses here; the rules of the input it
 * is in refuse it (validation.ts), with the field's path.
 */
function parseDateTime(value: unknown): Date {
  const parts = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = (parts ?? [])
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const date = parts ? new Date(value as string) : undefined;
  if (
    !date ||
    Number.isNaN(date.getTime()) ||
    month! < 1 ||
    month! > 12 ||
    day! < 1 ||
    day! > daysIn(year!, month!) ||
    hour! > 23 ||
    minute! > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    throw new GraphQLError(
      'DateTime must be an ISO 8601 string with a UTC offset, such as 2026-01-31T09:30:00Z, of a day and time that exist (no 30 February).',
    );
  }
  return date;
}

builder.scalarType('DateTime', {
  description: 'An instant in time, as an ISO 8601 string with a UTC offset, such as 2026-01-31T09:30:00Z.',
  serialize: (value) => value.toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : undefined),
});

/** Reads a Date: a day that exists, between 1900 and 2199, as YYYY-MM-DD. */
function parseDate(value: unknown): string {
  if (!isCalendarDate(value)) {
    throw new GraphQLError(
      'Date must be a calendar date as YYYY-MM-DD, such as 2026-03-29, of a day that exists, between 1900 and 2199.',
    );
  }
  return value;
}

builder.scalarType('Date', {
  description: "A calendar date, YYYY-MM-DD, such as 2026-03-29: a local day in the organisation's time zone.",
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : value),
  parseValue: parseDate,
  parseLiteral: (node) => parseDate(node.kind === Kind.STRING ? node.value : undefined),
});

const DECIMAL = /^-?\d{1,10}(\.\d{1,2})?$/;

builder.scalarType('Decimal', {
  description: 'An exact decimal number with at most two decimal places, as a string such as "12.50".',
  serialize: (value) => value.toString(),
  parseValue: (value) => {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || !DECIMAL.test(text)) {
      throw new GraphQLError('Decimal must be a number with at most two decimal places, such as "12.50".');
    }
    return text;
  },
});

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literal(field.value)]));
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    default:
      return null;
  }
}

builder.scalarType('JSON', {
  description: 'A JSON value: a record as it was before or after a change.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literal,
});
