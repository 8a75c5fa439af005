import { z } from 'zod';

// Characters that show nothing: format characters (zero-width space, joiners, marks) and spaces.
const INVISIBLE = /[\p{Cf}\p{Z}\s]/gu;

/** A name or title: something a person can see, once trimmed. */
export const requiredText = (label: string, max = 200) =>
  z
    .string({ error: `${label} is required.` })
    .trim()
    .max(max, `${label} must be at most ${max} characters.`)
    .refine((text) => text.replace(INVISIBLE, '').length > 0, `${label} is required.`);

export const optionalText = (label: string, max = 2000) =>
  z.string().trim().max(max, `${label} must be at most ${max} characters.`).nullish();

/**
 * An IANA time zone name (Europe/London, America/New_York, UTC), in its canonical spelling: the
 * zone a local day or week is counted in. Offsets and abbreviations are refused: they have no
 * daylight-saving rules.
 */
export const timeZoneName = z
  .string()
  .trim()
  .transform((name, context) => {
    const canonical = /^(UTC|[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)+)$/i.test(name) && ianaZone(name);
    if (canonical) return canonical;
    context.addIssue({
      code: 'custom',
      message: 'Time zone must be an IANA time zone name, e.g. Europe/London or America/New_York.',
    });
    return z.NEVER;
  });

function ianaZone(name: string): string | null {
  try {
    const zone = new Intl.DateTimeFormat('en-GB', { timeZone: name }).resolvedOptions().timeZone;
    return zone === 'UTC' || zone.includes('/') ? zone : null;
  } catch {
    return null;
  }
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** An ISO 4217 currency code, as prices are kept in: EUR, GBP, USD. */
export const currencyCode = z
  .string()
  .trim()
  .transform((code) => code.toUpperCase())
  .refine((code) => CURRENCIES.has(code), 'Currency must be an ISO 4217 code, e.g. EUR, GBP or USD.');

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date as YYYY-MM-DD, of a day that exists, between 1900 and 2199. */
export function isCalendarDate(value: unknown): value is string {
  const [year, month, day] = ((typeof value === 'string' && CALENDAR_DATE.exec(value)) || []).slice(1).map(Number);
  return (
    !!year &&
    year >= 1900 &&
    year <= 2199 &&
    !!month &&
    month <= 12 &&
    !!day &&
    day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
  );
}

/** A client's idempotency key: a UUID or any other 8 to 255 visible ASCII characters. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{8,255}$/, 'Idempotency key must be 8 to 255 visible ASCII characters, e.g. a UUID.')
  .nullish();

/** An account's email address (sign-in name): compared in any case, as PostgreSQL's citext does. */
export const emailAddress = z
  .email('Email must be an email address.')
  .max(254, 'Email must be at most 254 characters.');

const MIN_DISTINCT_PASSWORD_CHARACTERS = 5;

/** A new password: long rather than clever, but not one character over and over. */
export const newPassword = z
  .string()
  .min(12, 'Password must be at least 12 characters.')
  .max(200, 'Password must be at most 200 characters.')
  .refine(
    (password) => new Set(password.normalize('NFKC')).size >= MIN_DISTINCT_PASSWORD_CHARACTERS,
    `Password must use at least ${MIN_DISTINCT_PASSWORD_CHARACTERS} different characters.`,
  );

type Rule<T> = { check: (input: T) => boolean; message: string; path: string[] };

/**
 * Validates every field of an input object that is present (and then the cross-field rules) and
 * reports every problem at once, so a form can mark all its wrong fields in one round trip.
 * Values come out as the field schemas make them (trimmed text, for instance).
 */
export function validateFields<T extends object>(fields: { [K in keyof T]?: z.ZodType }, rules: Rule<T>[] = []) {
  return z.custom<T>().transform((input, context) => {
    const output = { ...input } as Record<string, unknown>;
    let valid = true;
    for (const [name, schema] of Object.entries(fields) as [string, z.ZodType][]) {
      const value = output[name];
      if (value === undefined) continue;
      const result = schema.safeParse(value);
      if (result.success) {
        output[name] = result.data;
        continue;
      }
      valid = false;
      for (const issue of result.error.issues) {
        context.addIssue({ code: 'custom', message: issue.message, path: [name, ...issue.path] });
      }
    }
    for (const rule of valid ? rules : []) {
      if (!rule.check(output as T)) {
        valid = false;
        context.addIssue({ code: 'custom', message: rule.message, path: rule.path });
      }
    }
    return valid ? (output as T) : z.NEVER;
  });
}

export type Issue = { path: string[]; message: string };

/** A mutation's input broke its rules; issues lists every problem, each at its input field. */
export class InputValidationError extends Error {
  override name = 'InputValidationError';
  constructor(readonly issues: Issue[]) {
    super(`The input is not valid: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
}

export const NOT_A_CURSOR = 'Not a cursor of this list: use a cursor the list gave.';

/** A page's after or before was not a cursor of that list (or names a row the viewer cannot see). */
export function notACursor(): InputValidationError {
  return new InputValidationError([{ path: [], message: NOT_A_CURSOR }]);
}

const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);
const DATE_RANGE_MESSAGE = 'Dates must fall between 1900-01-01 and 2199-12-31.';

/** An instant a record of this API can hold: operations dates, not the far past or future. */
export const saneDate = z
  .date()
  .refine((date) => date.getTime() >= EARLIEST && date.getTime() < LATEST, DATE_RANGE_MESSAGE)
  .nullish();

// Control characters but tab and line breaks: PostgreSQL cannot store NUL, and none of them belongs
// in a name, an email or a note.
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
const CONTROL_MESSAGE = 'Must not contain control characters.';

/** A row id as PostgreSQL's uuid type writes it. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A global id as the relay plugin hands it over: its row id must be a UUID (a role assignment's, two). */
function isMalformedGlobalId(value: object): boolean {
  const { typename, id } = value as { typename?: unknown; id?: unknown };
  if (typeof typename !== 'string' || typeof id !== 'string' || Object.keys(value).length !== 2) return false;
  return !id.split(':').every((part) => UUID.test(part));
}

/**
 * What no input may hold anywhere, whatever its own rules: dates outside the sane range, control
 * characters, an id that is not one this API issued.
 */
function storableIssues(value: unknown, path: string[]): Issue[] {
  if (value instanceof Date) return saneDate.safeParse(value).success ? [] : [{ path, message: DATE_RANGE_MESSAGE }];
  if (typeof value === 'string') return CONTROL.test(value) ? [{ path, message: CONTROL_MESSAGE }] : [];
  if (value === null || typeof value !== 'object') return [];
  if (isMalformedGlobalId(value)) return [{ path, message: 'Not an id this API issued.' }];
  return Object.entries(value).flatMap(([key, child]) => storableIssues(child, [...path, key]));
}

/** Text a query searches for: at most 200 visible characters, matched literally (no wildcards). */
export const searchText = z
  .string()
  .max(200, 'Search for at most 200 characters.')
  .refine((text) => !CONTROL.test(text), CONTROL_MESSAGE)
  .nullish();

/** A filter matching text that contains search literally, in any case: % and _ are no wildcards. */
export function containing(search: string) {
  return { contains: search.replace(/[\\%_]/g, (character) => `\\${character}`), mode: 'insensitive' as const };
}

/**
 * Checks a mutation's input against its rules, and all of it against what no input may hold
 * (storableIssues). The
 * mutation path (mutation.ts) runs it after authorization: a caller who may not run the mutation
 * learns nothing about its rules. argument names the argument checked (none: the arguments object).
 */
export async function validated<T>(rules: z.ZodType<T>, value: unknown, argument: string | null = 'input'): Promise<T> {
  const prefix = argument === null ? [] : [argument];
  const result = await rules.safeParseAsync(value);
  const ruled = result.success
    ? []
    : result.error.issues.map((issue) => ({ path: [...prefix, ...issue.path.map(String)], message: issue.message }));
  // A field the input's own rules refused already is reported once.
  const refused = new Set(ruled.map((issue) => issue.path.join('.')));
  const issues = [...ruled, ...storableIssues(value, prefix).filter((issue) => !refused.has(issue.path.join('.')))];
  if (issues.length === 0 && result.success) return result.data;
  throw new InputValidationError(issues);
}
