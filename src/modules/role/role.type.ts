import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import { builder } from '../../builder.js';
import { tenantWhere } from '../../database/tenant-scope.js';
import { db } from '../../db.js';
import { RoleName } from '../../generated/prisma/enums.js';
import { listSize } from '../../lib/query-cost.js';
import { requireTenant } from '../../lib/tenancy.js';
import { User } from '../user/user.type.js';

builder.enumType(RoleName, { name: 'RoleName' });

export const Role = builder.prismaNode('Role', {
  authScopes: { signedIn: true },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    name: t.expose('name', { type: RoleName }),
    description: t.exposeString('description'),
  }),
});

const membersOfOrganisation = prismaConnectionHelpers(builder, 'UserRole', {
  cursor: 'userId_roleId',
  // id at least: a page asked only for its totalCount selects no field of the users.
  select: (nodeSelection) => ({ user: nodeSelection({ select: { id: true } }) }),
  resolveNode: (assignment) => assignment.user,
});

builder.prismaObjectField('Role', 'users', (t) =>
  t.connection(
    {
      type: User,
      description: "The viewer's organisation's users who have this role.",
      authScopes: { may: 'readUsers' },
      select: (args, context, nestedSelection) => {
        const ofOrganisation = tenantWhere('UserRole', requireTenant(context));
        return {
          _count: { select: { users: { where: ofOrganisation } } },
          users: {
            ...membersOfOrganisation.getQuery(args, context, nestedSelection),
            where: ofOrganisation,
            orderBy: [{ assignedAt: 'asc' }, { userId: 'asc' }],
          },
        };
      },
      resolve: (role, args, context) => ({
        ...membersOfOrganisation.resolve(role.users, args, context),
        totalCount: role._count.users,
      }),
    },
    { fields: (connection) => ({ totalCount: connection.int({ resolve: (result) => result.totalCount }) }) },
  ),
);

export const UserRole = builder.prismaNode('UserRole', {
  authScopes: { signedIn: true },
  name: 'RoleAssignment',
  description: 'A role held by a user: when it was assigned and by whom.',
  select: { userId: true, roleId: true },
  id: { resolve: (assignment) => `${assignment.userId}:${assignment.roleId}` },
  nullable: true,
  findUnique: (id) => {
    const [userId = '', roleId = ''] = id.split(':');
    return { userId_roleId: { userId, roleId } };
  },
  fields: (t) => ({
    assignedAt: t.expose('assignedAt', { type: 'DateTime' }),
    user: t.relation('user'),
    role: t.relation('role'),
    assignedBy: t.relation('assignedBy', { nullable: true }),
  }),
});

builder.queryField('roles', (t) =>
  t.prismaField({
    type: ['Role'],
    description: 'Every role, in order of authority.',
    extensions: listSize(Object.keys(RoleName).length),
    resolve: (query) => db.role.findMany({ ...query, orderBy: { name: 'asc' } }),
  }),
);
