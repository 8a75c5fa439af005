import type { Context } from '../context.js';
import { db } from '../db.js';
import { Prisma } from '../generated/prisma/client.js';
import { translateDatabaseError } from './errors.js';
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
export async function writeAs<T>(actor: Actor, change: (tx: Tx, audit: Audit) => Promise<T>): Promise<T> {
  try {
    return await db.$transaction(async (tx) => {
      let audited = 0;
      const result = await change(tx, async (entry) => {
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
      if (audited === 0) throw new Error('a mutation wrote no audit event');
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
