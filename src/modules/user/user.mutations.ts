import { z } from 'zod';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { isSuperadmin } from '../../lib/permissions.js';
import type { User as UserRow } from '../../generated/prisma/client.js';
import { RoleName } from '../../generated/prisma/enums.js';
import { forbidden } from '../../lib/errors.js';
import { hashPassword } from '../../lib/passwords.js';
import { organisationOf, requireViewer } from '../../lib/tenancy.js';
import { newPassword, optionalText, requiredText, validated, validateFields } from '../../lib/validation.js';
import { readBack, write, type Tx } from '../../lib/write.js';
import { commonErrors } from '../common/errors.type.js';
import { organisationUser } from './organisation-user.js';
import { sessionCache } from '../auth/session-cache.js';
import { User } from './user.type.js';

const email = z.email('Email must be an email address.').max(254, 'Email must be at most 254 characters.');

const userFields = {
  email,
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

/** What an audit event may keep of a user: never the password hash. */
function auditable({ passwordHash: _secret, ...user }: UserRow) {
  return user;
}

/** Only a superadmin makes another superadmin: an admin's reach ends at their organisation. */
function checkGrant(context: Context, role: RoleName) {
  if (role === RoleName.SUPERADMIN && !isSuperadmin(requireViewer(context))) {
    throw forbidden('Only a superadmin can grant the SUPERADMIN role.');
  }
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
    resolve: async (query, _root, args, context) => {
      for (const role of args.input.roles ?? []) checkGrant(context, role);
      const input = await validated(CreateUserRules, args.input);
      const passwordHash = await hashPassword(input.password);
      return write(context, async (tx, audit) => {
        const viewer = requireViewer(context);
        const user = await tx.user.create({
          data: {
            organisationId: viewer.organisationId,
            email: input.email,
            name: input.name,
            passwordHash,
            phone: input.phone,
            department: input.department,
            notes: input.notes,
          },
        });
        await audit({ action: 'create', entityType: 'User', entityId: user.id, after: auditable(user) });
        for (const name of new Set(input.roles ?? [])) {
          await tx.userRole.create({
            data: { userId: user.id, roleId: await roleId(tx, name), assignedById: viewer.id },
          });
          await audit({ action: 'assignRole', entityType: 'User', entityId: user.id, after: { role: name } });
        }
        return tx.user.findUniqueOrThrow({ ...readBack(query), where: { id: user.id } });
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
      write(context, async (tx, audit) => {
        const input = await validated(UpdateUserRules, args.input);
        const before = await organisationUser(tx, input.id.id, organisationOf(context));
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
          action: 'update',
          entityType: 'User',
          entityId: after.id,
          before: auditable(before),
          after: auditable(after),
        });
        return tx.user.findUniqueOrThrow({ ...readBack(query), where: { id: after.id } });
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
      write(context, async (tx, audit) => {
        const before = await organisationUser(tx, id.id, organisationOf(context));
        const now = new Date();
        await tx.user.update({ where: { id: before.id }, data: { isActive: false, credentialsChangedAt: now } });
        await tx.session.updateMany({ where: { userId: before.id, revokedAt: null }, data: { revokedAt: now } });
        await audit({
          action: 'deactivate',
          entityType: 'User',
          entityId: before.id,
          before: { isActive: before.isActive },
          after: { isActive: false },
        });
        return tx.user.findUniqueOrThrow({ ...readBack(query), where: { id: before.id } });
      }).finally(() => sessionCache.forgetUser(id.id)),
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
      resolve: (query, _root, args, context) =>
        write(context, async (tx, audit) => {
          if (assigning) checkGrant(context, args.role);
          const viewer = requireViewer(context);
          const user = await organisationUser(tx, args.userId.id, viewer.organisationId);
          const role = await roleId(tx, args.role);
          const { count } = assigning
            ? await tx.userRole.createMany({
                data: [{ userId: user.id, roleId: role, assignedById: viewer.id }],
                skipDuplicates: true,
              })
            : await tx.userRole.deleteMany({ where: { userId: user.id, roleId: role } });
          if (count > 0) await tx.user.update({ where: { id: user.id }, data: { credentialsChangedAt: new Date() } });
          await audit({
            action: field,
            entityType: 'User',
            entityId: user.id,
            after: { role: args.role, changed: count > 0 },
          });
          return tx.user.findUniqueOrThrow({ ...readBack(query), where: { id: user.id } });
        }).finally(() => sessionCache.forgetUser(args.userId.id)),
    }),
  );
}
