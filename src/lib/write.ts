import { createHash } from 'node:crypto';
import type { Context } from '../context.js';
import { db, primary } from '../db.js';
import { Prisma } from '../generated/prisma/client.js';
import { changeNotReadBack, ConflictError, translateDatabaseError } from './errors.js';
import { requireViewer } from './tenancy.js';

export type Tx = Prisma.TransactionClient;

export type AuditEntry = {
  action: string;
  entityType: string;
  entityId: string;
  before?: object | null;
  after?: object | null;
};

export type Audit = (entry: AuditEntry) => Promise<void>;

function json(value: object | null | undefined) {
  return value ? (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue) : Prisma.DbNull;
}

/** Who a change is recorded against. */
export type Actor = { id: string; organisationId: string };

/**
 * Runs a mutation as one transaction on behalf of the viewer. The change records what it did
 * through audit(), in the same transaction; a change that records nothing is a bug and fails.
 */
export function write<T>(context: Context, change: (tx: Tx, audit: Audit) => Promise<T>): Promise<T> {
  return writeAs(requireViewer(context), change);
}

/** write() for a mutation whose actor is known only once it runs (sign-in, refresh). */
export function writeAs<T>(actor: Actor, change: (tx: Tx, audit: Audit) => Promise<T>): Promise<T> {
  return transaction(actor, async (tx, audit) => ({ result: await change(tx, audit), audited: true }));
}

/** A mutation's idempotency key, with what identifies the request it was first used for. */
export type Once = { key: string | null | undefined; operation: string; request: unknown };

/** How long a key is remembered: a retry after that is a new request. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
// Expired keys of any organisation removed by each keyed request, beyond its own.
const EXPIRED_KEYS_SWEPT = 20;

/**
 * write() for a mutation a client may retry with an idempotency key. The first request with a key
 * makes the change; a retry with the same key and arguments (also one sent while the first is
 * still running: it waits for it) changes nothing and reads back the record the first changed.
 * The same key with other arguments is a ConflictError on idempotencyKey. A request that fails
 * keeps no key, so its retry runs afresh.
 */
export function writeOnce<T>(
  context: Context,
  once: Once,
  change: (tx: Tx, audit: Audit) => Promise<string>,
  read: (tx: Tx, id: string) => Promise<T>,
): Promise<T> {
  const actor = requireViewer(context);
  return transaction(actor, async (tx, audit) => {
    if (!once.key) return { result: await read(tx, await change(tx, audit)), audited: true };
    const { result, changed } = await underKey(tx, actor, once.key, once, () => change(tx, audit), read);
    return { result, audited: changed };
  });
}

/**
 * writeOnce() for a change made by one SQL statement that also inserts its own audit event.
 * Without a key the transaction holds that statement alone, and the record is read back once it
 * has committed: a hot row stays locked for one statement and the commit, not for the read as
 * well. The answer is then the record as it stands once the change has landed, with any change
 * that landed after it. With a key, the key's transaction holds the statement and the read.
 */
export async function writeStatementOnce<T>(
  context: Context,
  once: Once,
  statement: (tx: Tx, actor: Actor) => Promise<string>,
  read: (tx: Tx, id: string) => Promise<T>,
): Promise<T> {
  const actor = requireViewer(context);
  const key = once.key;
  if (key) {
    return transaction(actor, async (tx) => {
      const { result } = await underKey(tx, actor, key, once, () => statement(tx, actor), read);
      return { result, audited: false };
    });
  }
  const id = await transaction(actor, async (tx) => ({ result: await statement(tx, actor), audited: false }));
  try {
    return await read(primary, id);
  } catch {
    throw changeNotReadBack();
  }
}

/** Makes the change under once.key in tx, or reads back what the key's first request changed. */
async function underKey<T>(
  tx: Tx,
  actor: Actor,
  key: string,
  once: Once,
  change: () => Promise<string>,
  read: (tx: Tx, id: string) => Promise<T>,
): Promise<{ result: T; changed: boolean }> {
  const where = { organisationId: actor.organisationId, key };
  const previous = await claimKey(tx, actor.id, where, once);
  if (previous) return { result: await read(tx, previous), changed: false };
  const entityId = await change();
  await tx.idempotencyKey.update({ where: { organisationId_key: where }, data: { entityId } });
  return { result: await read(tx, entityId), changed: true };
}

/** Takes the key for this request, or returns what the earlier request with it changed. */
async function claimKey(
  tx: Tx,
  userId: string,
  where: { organisationId: string; key: string },
  once: Once,
): Promise<string | null> {
  const requestHash = createHash('sha256')
    .update(JSON.stringify([once.operation, userId, once.request]))
    .digest('hex');
  // This key if it has expired, and a few other expired keys, so that the table does not grow.
  const expiry = new Date(Date.now() - IDEMPOTENCY_KEY_TTL_MS);
  await tx.$executeRaw`
    DELETE FROM audit.idempotency_keys
    WHERE created_at < ${expiry} AND (
      (organisation_id = ${where.organisationId}::uuid AND key = ${where.key})
      OR (organisation_id, key) IN (
        SELECT organisation_id, key FROM audit.idempotency_keys WHERE created_at < ${expiry}
        ORDER BY created_at LIMIT ${EXPIRED_KEYS_SWEPT} FOR UPDATE SKIP LOCKED))`;
  // ON CONFLICT DO NOTHING: while another transaction holds the key, this waits for it to end.
  const claimed = await tx.idempotencyKey.createMany({
    data: [{ ...where, operation: once.operation, requestHash }],
    skipDuplicates: true,
  });
  if (claimed.count === 1) return null;
  const existing = await tx.idempotencyKey.findUniqueOrThrow({ where: { organisationId_key: where } });
  if (existing.requestHash !== requestHash || !existing.entityId) {
    throw new ConflictError(
      'idempotencyKey',
      'This idempotency key was used for a different request: send a new key with a new request.',
    );
  }
  return existing.entityId;
}

async function transaction<T>(
  actor: Actor,
  body: (tx: Tx, audit: Audit) => Promise<{ result: T; audited: boolean }>,
): Promise<T> {
  try {
    return await db.$transaction(async (tx) => {
      let audited = 0;
      const { result, audited: mustAudit } = await body(tx, async (entry) => {
        audited += 1;
        await tx.auditEvent.create({
          data: {
            organisationId: actor.organisationId,
            actorId: actor.id,
            action: entry.action,
            entityType: entry.entityType,
            entityId: entry.entityId,
            before: json(entry.before),
            after: json(entry.after),
          },
        });
      });
      // A change that records nothing is a bug; only a replayed request changes nothing.
      if (mustAudit && audited === 0) throw new Error('a mutation wrote no audit event');
      return result;
    });
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/**
 * A mutation's planned query for reading back what it wrote. When the client selects none of the
 * record's fields (only __typename, or only the error branches) the plan selects nothing, which
 * Prisma refuses; then the default row is read.
 */
export function readBack<T extends object>(query: T): T {
  const { select, ...rest } = query as T & { select?: object };
  return select && Object.keys(select).length === 0 ? (rest as T) : query;
}
