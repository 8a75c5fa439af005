import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { isSuperadmin } from '../../lib/permissions.js';
import { RoleName } from '../../generated/prisma/enums.js';
import { forbidden, NotFoundError } from '../../lib/errors.js';
import { hashPassword } from '../../lib/passwords.js';
import { answer, entity, mutate, type Tx } from '../../lib/mutation.js';
import { requireViewer } from '../../lib/tenancy.js';
import { emailAddress, newPassword, optionalText, requiredText, validateFields } from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { sessionCache } from '../auth/session-cache.js';
import { auditableUser } from './organisation-user.js';
import { User } from './user.type.js';

const userFields = {
  email: emailAddress,
  name: requiredText('Name'),
  password: newPassword,
  phone: optionalText('Phone', 40),
  department: optionalText('Department', 100),
  notes: optionalText('Notes'),
};

const CreateUserFields = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    email: t.string(),
    name: t.string(),
    password: t.string(),
    phone: t.string({ required: false }),
    department: t.string({ required: false }),
    notes: t.string({ required: false }),
    roles: t.field({ type: [RoleName], required: false, description: 'Roles to assign; none when left out.' }),
  }),
});
const CreateUserRules = validateFields<typeof CreateUserFields.$inferInput>(userFields);

const UpdateUserFields = builder.inputType('UpdateUserInput', {
  description: 'Only the fields given change; phone, department or notes null clears it.',
  fields: (t) => ({
    id: t.globalID({ for: User }),
    email: t.string({ required: false }),
    name: t.string({ required: false }),
    phone: t.string({ required: false }),
    department: t.string({ required: false }),
    notes: t.string({ required: false }),
  }),
});
const UpdateUserRules = validateFields<typeof UpdateUserFields.$inferInput>(userFields);

/** Only a superadmin makes another superadmin: an admin's reach ends at their organisation. */
function checkGrant(context: Context, role: RoleName) {
  if (role === RoleName.SUPERADMIN && !isSuperadmin(requireViewer(context))) {
    throw forbidden('Only a superadmin can grant the SUPERADMIN role.');
  }
}

/** A user the viewer may change: one of the tenant's, and a superadmin only by a superadmin. */
export async function changeableUser(tx: Tx, context: Context, id: string) {
  const user = await tx.user.findUnique({
    where: { id },
    include: { roles: { where: { role: { name: RoleName.SUPERADMIN } }, select: { roleId: true } } },
  });
  if (!user) throw new NotFoundError('User');
  if (user.roles.length > 0 && !isSuperadmin(requireViewer(context))) {
    throw forbidden('Only a superadmin can change a superadmin.');
  }
  const { roles: _roles, ...row } = user;
  return row;
}

async function roleId(tx: Tx, name: RoleName) {
  return (await tx.role.findUniqueOrThrow({ where: { name }, select: { id: true } })).id;
}

builder.mutationField('createUser', (t) =>
  t.prismaField({
    authScopes: { may: 'createUser' },
    type: 'User',
    errors: { types: commonErrors, dataField: { name: 'user' } },
    args: { input: t.arg({ type: CreateUserFields }) },
    resolve: (query, _root, args, context) => {
      for (const role of args.input.roles ?? []) checkGrant(context, role);
      return mutate(context, {
        input: { rules: CreateUserRules, value: args.input },
        change: async ({ tx, input, actor, audit }) => {
          const user = await tx.user.create({
            data: {
              organisationId: actor.organisationId,
              email: input.email,
              name: input.name,
              passwordHash: await hashPassword(input.password),
              phone: input.phone,
              department: input.department,
              notes: input.notes,
            },
          });
          await audit({ ...entity('User', user), action: 'create', after: auditableUser(user) });
          for (const name of new Set(input.roles ?? [])) {
            await tx.userRole.create({
              data: { userId: user.id, roleId: await roleId(tx, name), assignedById: actor.id },
            });
            await audit({ ...entity('User', user), action: 'assignRole', after: { role: name } });
          }
          return user.id;
        },
        read: answer('user', query),
      });
    },
  }),
);

builder.mutationField('updateUser', (t) =>
  t.prismaField({
    authScopes: { may: 'updateUser' },
    type: 'User',
    errors: { types: commonErrors, dataField: { name: 'user' } },
    args: { input: t.arg({ type: UpdateUserFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: UpdateUserRules, value: args.input },
        change: async ({ tx, input, audit }) => {
          const before = await changeableUser(tx, context, input.id.id);
          const after = await tx.user.update({
            where: { id: before.id },
            data: {
              email: input.email ?? undefined,
              name: input.name ?? undefined,
              phone: input.phone,
              department: input.department,
              notes: input.notes,
            },
          });
          await audit({
            ...entity('User', after),
            action: 'update',
            before: auditableUser(before),
            after: auditableUser(after),
          });
          return after.id;
        },
        read: answer('user', query),
      }),
  }),
);

builder.mutationField('deactivateUser', (t) =>
  t.prismaField({
    authScopes: { may: 'deactivateUser' },
    type: 'User',
    description: 'Stops a user from signing in and revokes their sessions; their history stays.',
    errors: { types: commonErrors, dataField: { name: 'user' } },
    args: { id: t.arg.globalID({ for: User }) },
    resolve: (query, _root, { id }, context) =>
      mutate(context, {
        change: async ({ tx, audit }) => {
          const before = await changeableUser(tx, context, id.id);
          const now = new Date();
          await tx.user.update({ where: { id: before.id }, data: { isActive: false, credentialsChangedAt: now } });
          await tx.session.updateMany({ where: { userId: before.id, revokedAt: null }, data: { revokedAt: now } });
          await audit({
            ...entity('User', before),
            action: 'deactivate',
            before: { isActive: before.isActive },
            after: { isActive: false },
          });
          return before.id;
        },
        read: answer('user', query),
      }).finally(() => sessionCache.forgetUser(id.id)),
  }),
);

builder.mutationField('reactivateUser', (t) =>
  t.prismaField({
    authScopes: { may: 'reactivateUser' },
    type: 'User',
    description: 'Lets a deactivated user sign in again (their old sessions stay ended).',
    errors: { types: commonErrors, dataField: { name: 'user' } },
    args: { id: t.arg.globalID({ for: User }) },
    resolve: (query, _root, { id }, context) =>
      mutate(context, {
        change: async ({ tx, audit }) => {
          const before = await changeableUser(tx, context, id.id);
          await tx.user.update({ where: { id: before.id }, data: { isActive: true } });
          await audit({
            ...entity('User', before),
            action: 'reactivate',
            before: { isActive: before.isActive },
            after: { isActive: true },
          });
          return before.id;
        },
        read: answer('user', query),
      }).finally(() => sessionCache.forgetUser(id.id)),
  }),
);

builder.mutationField('unlinkGoogle', (t) =>
  t.prismaField({
    authScopes: { may: 'unlinkGoogle' },
    type: 'User',
    description:
      "Unlinks a user's Google account: loginWithGoogle then links the Google account with the user's email again. Sessions and password stay; unlinking a user with no link changes nothing.",
    errors: { types: commonErrors, dataField: { name: 'user' } },
    args: { userId: t.arg.globalID({ for: User }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        change: async ({ tx, audit }) => {
          const user = await changeableUser(tx, context, args.userId.id);
          if (user.googleId !== null) await tx.user.update({ where: { id: user.id }, data: { googleId: null } });
          await audit({
            ...entity('User', user),
            action: 'unlinkGoogle',
            before: { googleId: user.googleId },
            after: { changed: user.googleId !== null },
          });
          return user.id;
        },
        read: answer('user', query),
      }),
  }),
);

for (const [field, assigning] of [
  ['assignRole', true],
  ['revokeRole', false],
] as const) {
  builder.mutationField(field, (t) =>
    t.prismaField({
      authScopes: { may: field },
      type: 'User',
      description: assigning
        ? 'Gives a user a role; assigning a role the user has already changes nothing.'
        : 'Takes a role from a user; revoking a role the user does not have changes nothing.',
      errors: { types: commonErrors, dataField: { name: 'user' } },
      args: { userId: t.arg.globalID({ for: User }), role: t.arg({ type: RoleName }) },
      resolve: (query, _root, args, context) => {
        checkGrant(context, args.role);
        return mutate(context, {
          change: async ({ tx, actor, audit }) => {
            const user = await changeableUser(tx, context, args.userId.id);
            const role = await roleId(tx, args.role);
            const { count } = assigning
              ? await tx.userRole.createMany({
                  data: [{ userId: user.id, roleId: role, assignedById: actor.id }],
                  skipDuplicates: true,
                })
              : await tx.userRole.deleteMany({ where: { userId: user.id, roleId: role } });
            if (count > 0) await tx.user.update({ where: { id: user.id }, data: { credentialsChangedAt: new Date() } });
            await audit({ ...entity('User', user), action: field, after: { role: args.role, changed: count > 0 } });
            return user.id;
          },
          read: answer('user', query),
        }).finally(() => sessionCache.forgetUser(args.userId.id));
      },
    }),
  );
}
