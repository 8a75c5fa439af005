import { primary } from '../../db.js';
import { Prisma } from '../../generated/prisma/client.js';
import { TooManyAttemptsError } from '../../lib/errors.js';
import type { Tx } from '../../lib/mutation.js';

const WINDOW = Prisma.raw(`interval '15 minutes'`);
const MAX_CHECKS_PER_ACCOUNT = 5;
const MAX_CHECKS_PER_ADDRESS = 20;

/**
 * Whose sign-in is about to be checked: an account's user or an email no account has (by
 * password), or a Google account (by a Google ID token whose signature has been verified).
 */
export type Account = { userId: string } | { email: string } | { googleSubject: string };

type Counter = { key: string; attempts: number; windowStartedAt: Date; retryAfterSeconds: number };

/** A sign-in check that was counted: a failure leaves it counted, a success settles it. */
export type Attempt = { account?: Counter; address?: Counter };

function accountKey(account: Account): Prisma.Sql {
  // An unknown email is folded by PostgreSQL, as the citext column folds it, so every spelling
  // that would match one account shares one counter.
  if ('userId' in account) return Prisma.sql`${`user:${account.userId}`}::text`;
  if ('googleSubject' in account) return Prisma.sql`${`google:${account.googleSubject}`}::text`;
  return Prisma.sql`'email:' || lower(${account.email}::text)`;
}

/**
 * Counts a sign-in check against its account and (for sign-in) its client address, before it
 * runs. One upsert per key counts and reads the count under the row's lock, so however many checks
 * run at once, at most the limit of them get through in a window. A check refused here counts
 * against neither key. A Google ID token that failed verification names no account anyone proved:
 * it counts against its address alone (account null).
 */
export async function countAttempt(
  account: Account | null,
  address?: string,
  attempts = 'password attempts',
): Promise<Attempt> {
  const addressKey = address === undefined ? undefined : `address:${address}`;
  const keys = [
    ...(account === null ? [] : [accountKey(account)]),
    ...(addressKey === undefined ? [] : [Prisma.sql`${addressKey}::text`]),
  ];
  // Every statement takes an account's row before an address's, so that two never deadlock.
  const counters = await primary.$queryRaw<Counter[]>`
    INSERT INTO auth.password_throttles AS t (key, attempts, window_started_at)
    VALUES ${Prisma.join(keys.map((key) => Prisma.sql`(${key}, 1, now())`))}
    ON CONFLICT (key) DO UPDATE SET
      attempts = CASE WHEN t.window_started_at > now() - ${WINDOW} THEN t.attempts + 1 ELSE 1 END,
      window_started_at = CASE WHEN t.window_started_at > now() - ${WINDOW} THEN t.window_started_at ELSE now() END
    RETURNING key, attempts, window_started_at AS "windowStartedAt",
      greatest(1, ceil(extract(epoch FROM window_started_at + ${WINDOW} - now())))::int AS "retryAfterSeconds"`;
  const attempt = {
    account: counters.find((counter) => counter.key !== addressKey),
    address: counters.find((counter) => counter.key === addressKey),
  };
  const refused = [
    attempt.account && attempt.account.attempts > MAX_CHECKS_PER_ACCOUNT ? attempt.account : undefined,
    attempt.address && attempt.address.attempts > MAX_CHECKS_PER_ADDRESS ? attempt.address : undefined,
  ].filter((counter) => counter !== undefined);
  if (refused.length > 0) {
    await uncount(primary, [attempt.account, attempt.address]);
    throw new TooManyAttemptsError(Math.max(...refused.map((counter) => counter.retryAfterSeconds)), attempts);
  }
  return attempt;
}

/** Takes back one count from each counter, unless its window has started again since. */
async function uncount(client: Tx, counters: (Counter | undefined)[]) {
  // One row per statement: a single UPDATE of both could take them in the other order.
  for (const counter of counters) {
    if (!counter) continue;
    await client.passwordThrottle.updateMany({
      where: { key: counter.key, windowStartedAt: counter.windowStartedAt, attempts: { gt: 0 } },
      data: { attempts: { decrement: 1 } },
    });
  }
}

/** A check that succeeded: the account's failures are forgiven, and the address is not charged. */
export async function settleSuccess(tx: Tx, attempt: Attempt): Promise<void> {
  if (attempt.account) await tx.passwordThrottle.deleteMany({ where: { key: attempt.account.key } });
  await uncount(tx, [attempt.address]);
}
