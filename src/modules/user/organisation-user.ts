import { NotFoundError } from '../../lib/errors.js';
import type { User } from '../../generated/prisma/client.js';
import type { Tx } from '../../lib/mutation.js';

/**
 * A user a write refers to (who did the work, who is responsible), who must belong to the
 * organisation of the row written, whoever the viewer is: otherwise NotFoundError, as for a user
 * that does not exist.
 */
export async function colleague(tx: Pick<Tx, 'user'>, id: string, row: { organisationId: string }) {
  const user = await tx.user.findFirst({ where: { id, organisationId: row.organisationId } });
  if (!user) throw new NotFoundError('User');
  return user;
}

/** What an audit event may keep of a user: never the password hash. */
export function auditableUser({ passwordHash: _secret, ...user }: User) {
  return user;
}
