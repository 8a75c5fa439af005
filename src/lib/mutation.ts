import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Context, Viewer } from '../context.js';
import { db, primary } from '../db.js';
import { Prisma } from '../generated/prisma/client.js';
import {
  answerLost,
  changeNotReadBack,
  commitUnanswered,
  ConflictError,
  NotFoundError,
  translateDatabaseError,
} from './errors.js';
import { requireViewer, withTenant, type Tenant } from './tenancy.js';
import { validated } from './validation.js';

export type Tx = Prisma.TransactionClient;

/** What a change records of itself: under the organisation of the row it changed. */
export type AuditEntry = {
  organisationId: string;
  action: string;
  entityType: string;
  entityId: string;
  before?: object | null;
  after?: object | null;
};

export type Audit = (entry: AuditEntry) => Promise<void>;

/** Who a change is recorded against. */
export type Actor = { id: string; organisationId: string };

/** What a mutation's own logic gets: its transaction, its checked input, and who asks. */
export type Change<I> = {
  tx: Tx;
  input: I;
  actor: Actor;
  tenant: Tenant;
  audit: Audit;
  /** Says the change found its work done already (an inspection resumed): it writes nothing, so audits nothing. */
  unchanged: () => void;
};

/** A mutation's idempotency key, with what identifies the request it was first used for. */
export type Once = { key: string | null | undefined; operation: string; request: unknown };

export type MutationSpec<I, T, K = string> = {
  /** The input and its rules: checked before the transaction, after authorization. */
  input?: { rules: z.ZodType<I>; value: unknown; argument?: string | null };
  /** A key a client may retry with: the first request changes, a retry reads back (24 hours). */
  once?: (input: I) => Once;
  /** The mutation's own logic: changes rows through tx and returns the id(s) of those to answer with. */
  change: (change: Change<I>) => Promise<K>;
  /** Reads the answer in the transaction (or, for a statement, just after it). */
  read: (client: Tx, id: K) => Promise<T>;
  /**
   * For a change that is one statement writing its own audit event: the transaction holds that
   * statement alone, and the answer is read once it has committed, so a hot row stays locked for
   * one statement and the commit. With a key, the key's transaction holds the read as well.
   */
  statement?: boolean;
};

/** How long a key is remembered: a retry after that is a new request. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
// Expired keys of any organisation removed by each keyed request, beyond its own.
const EXPIRED_KEYS_SWEPT = 20;

function json(value: object | null | undefined) {
  return value ? (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue) : Prisma.DbNull;
}

/**
 * The one path of every mutation: validation, then one transaction in the viewer's tenant that
 * makes the change, records its audit events (a change that records none is a bug and fails),
 * honours an idempotency key, and reads the answer back. Database errors become schema errors.
 */
export async function mutate<I, T, K = string>(context: Context, spec: MutationSpec<I, T, K>): Promise<T> {
  const viewer = requireViewer(context);
  return run(viewer, context.tenant!, spec);
}

/** mutate() for a change whose actor is known only once it runs (sign-in, refresh): in their tenant. */
export function mutateAs<T, K>(actor: Actor, tenant: Tenant, spec: MutationSpec<undefined, T, K>): Promise<T> {
  return withTenant(tenant, () => run(actor, tenant, spec));
}

async function run<I, T, K>(actor: Actor | Viewer, tenant: Tenant, spec: MutationSpec<I, T, K>): Promise<T> {
  const input = spec.input
    ? await validated(spec.input.rules, spec.input.value, spec.input.argument)
    : (undefined as I);
  const once = spec.once?.(input);
  const key = once?.key;
  const transaction = (body: (change: Change<I>) => Promise<{ id: K; result?: T; changed: boolean }>) =>
    inTransaction(actor, tenant, input, { auditsInStatement: spec.statement ?? false, keyed: Boolean(key) }, body);
  if (!spec.statement || key) {
    const { result } = await transaction(async (change) => {
      if (!key) {
        const id = await spec.change(change);
        return { id, result: await spec.read(change.tx, id), changed: true };
      }
      // A keyed change answers with one row, whose id the key remembers.
      const previous = (await claimKey(change.tx, actor, key, once)) as K | null;
      if (previous) return { id: previous, result: await spec.read(change.tx, previous), changed: false };
      const id = await spec.change(change);
      await change.tx.idempotencyKey.update({
        where: { organisationId_key: { organisationId: actor.organisationId, key } },
        data: { entityId: id as string },
      });
      return { id, result: await spec.read(change.tx, id), changed: true };
    });
    return result!;
  }
  const { id } = await transaction(async (change) => ({ id: await spec.change(change), changed: true }));
  try {
    return await spec.read(primary, id);
  } catch {
    throw changeNotReadBack();
  }
}

async function inTransaction<I, T, K>(
  actor: Actor,
  tenant: Tenant,
  input: I,
  { auditsInStatement, keyed }: { auditsInStatement: boolean; keyed: boolean },
  body: (change: Change<I>) => Promise<{ id: K; result?: T; changed: boolean }>,
) {
  let committing = false;
  try {
    return await db.$transaction(async (tx) => {
      let audited = 0;
      let unchanged = false;
      const audit: Audit = async (entry) => {
        audited += 1;
        await tx.auditEvent.create({
          data: {
            organisationId: entry.organisationId,
            actorId: actor.id,
            action: entry.action,
            entityType: entry.entityType,
            entityId: entry.entityId,
            before: json(entry.before),
            after: json(entry.after),
          },
        });
      };
      const outcome = await body({
        tx,
        input,
        actor: { id: actor.id, organisationId: actor.organisationId },
        tenant,
        audit,
        unchanged: () => {
          unchanged = true;
        },
      });
      // A change that records nothing is a bug; only a replayed request, or one whose work was done, changes nothing.
      if (outcome.changed && !unchanged && !auditsInStatement && audited === 0) {
        throw new Error('a mutation wrote no audit event');
      }
      committing = true;
      return outcome;
    });
  } catch (error) {
    if (committing && answerLost(error)) throw commitUnanswered(keyed);
    throw translateDatabaseError(error);
  }
}

/** Takes the key for this request, or returns what the earlier request with it changed. */
async function claimKey(tx: Tx, actor: Actor, key: string, once: Once | undefined): Promise<string | null> {
  const where = { organisationId: actor.organisationId, key };
  const requestHash = createHash('sha256')
    .update(JSON.stringify([once?.operation, actor.id, once?.request]))
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
    data: [{ ...where, operation: once?.operation ?? '', requestHash }],
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

/** The fields of an audit entry that name the row changed, and so the organisation it belongs to. */
export function entity(entityType: string, row: { id: string; organisationId: string }) {
  return { entityType, entityId: row.id, organisationId: row.organisationId };
}

/**
 * A planned query to read a mutation's answer with. When the client selects none of the record's
 * fields (only __typename, or only the error branches) the plan selects nothing, which Prisma
 * refuses; then the default row is read.
 */
export function planned<Q extends { select?: object }>(query: Q): Q {
  const { select, ...rest } = query;
  return select && Object.keys(select).length === 0 ? (rest as Q) : query;
}

type Readable = { findUniqueOrThrow(args: object): Promise<unknown> };
type Row<M extends keyof Tx> = Tx[M] extends { findUniqueOrThrow(args: never): Prisma.PrismaPromise<infer R> }
  ? R
  : never;

/** Reads a mutation's answer: the row of a model by id, as the client's selection plans it. */
export function answer<M extends keyof Tx>(model: M, query: { select?: object; include?: object }) {
  const plan = planned(query);
  return (client: Tx, id: string) =>
    (client[model] as unknown as Readable).findUniqueOrThrow({ ...plan, where: { id } }) as Promise<Row<M>>;
}

type SoftDeletable = {
  findFirst(args: { where: object }): Promise<{ id: string; organisationId: string } | null>;
  update(args: {
    where: { id: string };
    data: { deletedAt: Date | null };
  }): Promise<{ id: string; organisationId: string }>;
};

/**
 * The change that soft-deletes a row (deleting) or brings a soft-deleted one back: either way the
 * row keeps its history, and the audit event its before and after.
 */
export function softDeletion(
  model: 'equipment' | 'inventoryItem' | 'supplier',
  entityType: string,
  id: string,
  deleting: boolean,
) {
  return async ({ tx, audit }: Change<unknown>) => {
    const rows = tx[model] as unknown as SoftDeletable;
    const before = await rows.findFirst({ where: { id, deletedAt: deleting ? null : { not: null } } });
    if (!before) throw new NotFoundError(entityType);
    const after = await rows.update({ where: { id: before.id }, data: { deletedAt: deleting ? new Date() : null } });
    await audit({ ...entity(entityType, after), action: deleting ? 'delete' : 'restore', before, after });
    return after.id;
  };
}
