import { RoleName } from '../../generated/prisma/enums.js';
import { entity, type Audit, type Tx } from '../../lib/mutation.js';
import { auditableUser } from '../user/organisation-user.js';

export type FirstAdmin = { email: string; name: string; passwordHash: string };

/**
 * A new organisation and, when given, its first admin, with their audit events under the new
 * organisation: the one way both `createOrganisation` and `npm run create-admin` start one.
 */
export async function startOrganisation(
  tx: Tx,
  audit: Audit,
  input: {
    name: string;
    workspaceFolderId?: string | null;
    timeZone?: string | null;
    currency?: string | null;
    admin?: FirstAdmin | null;
  },
) {
  const organisation = await tx.organisation.create({
    data: {
      name: input.name,
      workspaceFolderId: input.workspaceFolderId,
      timeZone: input.timeZone ?? undefined,
      currency: input.currency ?? undefined,
    },
  });
  const under = { organisationId: organisation.id };
  await audit({ ...entity('Organisation', { ...organisation, ...under }), action: 'create', after: organisation });
  if (!input.admin) return { organisation, admin: null };
  const role = await tx.role.findUniqueOrThrow({ where: { name: RoleName.ADMIN }, select: { id: true } });
  const admin = await tx.user.create({
    data: { ...under, ...input.admin, roles: { create: { roleId: role.id } } },
  });
  await audit({ ...entity('User', admin), action: 'create', after: auditableUser(admin) });
  await audit({ ...entity('User', admin), action: 'assignRole', after: { role: RoleName.ADMIN } });
  return { organisation, admin };
}
