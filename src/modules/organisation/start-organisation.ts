import { RoleName } from '../../generated/prisma/enums.js';
import type { Audit, Tx } from '../../lib/mutation.js';

export type FirstAdmin = { email: string; name: string; passwordHash: string };

/**
 * A new organisation and, when given, its first admin, with their audit events under the new
 * organisation: the one way both `createOrganisation` and `npm run create-admin` start one.
 */
export async function startOrganisation(
  tx: Tx,
  audit: Audit,
  input: { name: string; workspaceFolderId?: string | null; admin?: FirstAdmin | null },
) {
  const organisation = await tx.organisation.create({
    data: { name: input.name, workspaceFolderId: input.workspaceFolderId },
  });
  const under = { organisationId: organisation.id };
  await audit({
    ...under,
    entityType: 'Organisation',
    entityId: organisation.id,
    action: 'create',
    after: organisation,
  });
  if (!input.admin) return { organisation, admin: null };
  const role = await tx.role.findUniqueOrThrow({ where: { name: RoleName.ADMIN }, select: { id: true } });
  const admin = await tx.user.create({
    data: { ...under, ...input.admin, roles: { create: { roleId: role.id } } },
  });
  const { passwordHash: _secret, ...auditable } = admin;
  await audit({ ...under, entityType: 'User', entityId: admin.id, action: 'create', after: auditable });
  await audit({
    ...under,
    entityType: 'User',
    entityId: admin.id,
    action: 'assignRole',
    after: { role: RoleName.ADMIN },
  });
  return { organisation, admin };
}
