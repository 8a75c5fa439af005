import { NotFoundError } from '../../lib/errors.js';
import type { Tx } from '../../lib/write.js';

/**
 * A user a client referred to, if it belongs to the organisation (any, for undefined); otherwise
 * NotFoundError, as for a user that does not exist.
 */
export async function organisationUser(tx: Pick<Tx, 'user'>, id: string, organisationId: string | undefined) {
  const user = await tx.user.findFirst({ where: { id, organisationId } });
  if (!user) throw new NotFoundError('User');
  return user;
}
