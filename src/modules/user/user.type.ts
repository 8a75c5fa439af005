import { containing, searchText } from '../../lib/validation.js';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { db } from '../../db.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { RoleName } from '../../generated/prisma/enums.js';
import { listSize } from '../../lib/query-cost.js';
import { Role } from '../role/role.type.js';

/** A user's personal details are theirs, and their managers': not every colleague's. */
const ownOrManaged = (user: { id: string }, _args: object, context: Context) =>
  user.id === context.viewer?.id ? true : { may: 'readPersonalDetails' as const };

/** How a user signs in is theirs to know, and their admins'. */
const ownOrAdministered = (user: { id: string }, _args: object, context: Context) =>
  user.id === context.viewer?.id ? true : { may: 'readGoogleLink' as const };

export const User = builder.prismaNode('User', {
  authScopes: { signedIn: true },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    phone: t.exposeString('phone', { nullable: true, authScopes: ownOrManaged }),
    department: t.exposeString('department', { nullable: true }),
    notes: t.exposeString('notes', { nullable: true, authScopes: ownOrManaged }),
    isActive: t.exposeBoolean('isActive'),
    googleLinked: t.boolean({
      nullable: true,
      description:
        'Whether the user signs in with a Google account (loginWithGoogle); which Google account is kept in the audit trail only.',
      authScopes: ownOrAdministered,
      select: { googleId: true },
      resolve: (user) => user.googleId !== null,
    }),
    lastLoginAt: t.expose('lastLoginAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    organisation: t.relation('organisation'),
    roleAssignments: t.relation('roles', {
      query: { orderBy: { assignedAt: 'asc' } },
      extensions: listSize(Object.keys(RoleName).length),
    }),
    roles: t.field({
      type: [Role],
      extensions: listSize(Object.keys(RoleName).length),
      select: (_args, _context, nestedSelection) => ({
        roles: { orderBy: { assignedAt: 'asc' }, select: { role: nestedSelection(true) } },
      }),
      resolve: (user) => user.roles.map((assignment) => assignment.role),
    }),
  }),
});

export const UserFilter = builder.inputType('UserFilter', {
  fields: (t) => ({
    active: t.boolean({ required: false }),
    search: t.string({ required: false, validate: searchText, description: 'Part of the name or email, any case.' }),
  }),
});

function userWhere(filter: typeof UserFilter.$inferInput | null | undefined): Prisma.UserWhereInput {
  return {
    isActive: filter?.active ?? undefined,
    OR: filter?.search ? [{ name: containing(filter.search) }, { email: containing(filter.search) }] : undefined,
  };
}

const byName = [{ name: 'asc' }, { id: 'asc' }] satisfies Prisma.UserOrderByWithRelationInput[];

builder.prismaObjectField('Organisation', 'users', (t) =>
  t.relatedConnection('users', {
    authScopes: { may: 'readUsers' },
    cursor: 'id',
    totalCount: true,
    args: { filter: t.arg({ type: UserFilter, required: false }) },
    query: (args) => ({ where: userWhere(args.filter), orderBy: byName }),
  }),
);

builder.queryField('users', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readUsers' },
    type: 'User',
    cursor: 'id',
    args: { filter: t.arg({ type: UserFilter, required: false }) },
    totalCount: (_connection, args) => db.user.count({ where: userWhere(args.filter) }),
    resolve: (query, _root, args) =>
      db.user.findMany({
        ...query,
        where: userWhere(args.filter),
        orderBy: byName,
      }),
  }),
);

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The signed-in user, or null without a session.',
    resolve: (query, _root, _args, { viewer }) => {
      // Spread before branching: the plugin rejects a resolver that leaves its planned query unread.
      const planned = { ...query };
      return viewer ? db.user.findUnique({ ...planned, where: { id: viewer.id } }) : null;
    },
  }),
);
