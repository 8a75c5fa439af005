import { builder } from '../../builder.js';
import { InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate } from '../../lib/mutation.js';
import { hashPassword } from '../../lib/passwords.js';
import {
  currencyCode,
  emailAddress,
  newPassword,
  optionalText,
  requiredText,
  timeZoneName,
  validateFields,
} from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { Organisation } from './organisation.type.js';
import { startOrganisation } from './start-organisation.js';

const organisationFields = {
  name: requiredText('Name'),
  workspaceFolderId: optionalText('Workspace folder id', 200),
  timeZone: timeZoneName,
  currency: currencyCode,
};

const FirstAdminFields = builder.inputType('FirstAdminInput', {
  fields: (t) => ({
    email: t.string(),
    name: t.string(),
    password: t.string(),
  }),
});
const FirstAdminRules = validateFields<typeof FirstAdminFields.$inferInput>({
  email: emailAddress,
  name: requiredText('Name'),
  password: newPassword,
});

const CreateOrganisationFields = builder.inputType('CreateOrganisationInput', {
  fields: (t) => ({
    name: t.string(),
    workspaceFolderId: t.string({ required: false }),
    timeZone: t.string({ required: false, description: 'IANA time zone name; UTC when not given.' }),
    currency: t.string({ required: false, description: 'ISO 4217 code of its prices; EUR when not given.' }),
    admin: t.field({
      type: FirstAdminFields,
      required: false,
      description: 'Its first user, with the ADMIN role, who then adds the others.',
    }),
  }),
});
const CreateOrganisationRules = validateFields<typeof CreateOrganisationFields.$inferInput>({
  ...organisationFields,
  admin: FirstAdminRules.nullable(),
});

const UpdateOrganisationFields = builder.inputType('UpdateOrganisationInput', {
  description: 'Only the fields given change; workspaceFolderId: null clears it.',
  fields: (t) => ({
    id: t.globalID({ for: Organisation }),
    name: t.string({ required: false }),
    workspaceFolderId: t.string({ required: false }),
    timeZone: t.string({ required: false, description: 'IANA time zone name, e.g. Europe/London.' }),
    currency: t.string({
      required: false,
      description: 'ISO 4217 code; changes only while the organisation has no purchase orders.',
    }),
  }),
});
const UpdateOrganisationRules = validateFields<typeof UpdateOrganisationFields.$inferInput>(organisationFields);

builder.mutationField('createOrganisation', (t) =>
  t.prismaField({
    authScopes: { may: 'createOrganisation' },
    type: 'Organisation',
    description: 'Starts an organisation, with its first admin when given (superadmins only).',
    errors: { types: commonErrors, dataField: { name: 'organisation' } },
    args: { input: t.arg({ type: CreateOrganisationFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: CreateOrganisationRules, value: args.input },
        change: async ({ tx, input, audit }) => {
          const admin = input.admin && {
            email: input.admin.email,
            name: input.admin.name,
            passwordHash: await hashPassword(input.admin.password),
          };
          const { organisation } = await startOrganisation(tx, audit, { ...input, admin });
          return organisation.id;
        },
        read: answer('organisation', query),
      }),
  }),
);

builder.mutationField('updateOrganisation', (t) =>
  t.prismaField({
    authScopes: { may: 'updateOrganisation' },
    type: 'Organisation',
    errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'organisation' } },
    args: { input: t.arg({ type: UpdateOrganisationFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: UpdateOrganisationRules, value: args.input },
        change: async ({ tx, input, audit }) => {
          const before = await tx.organisation.findFirst({ where: { id: input.id.id } });
          if (!before) throw new NotFoundError('Organisation');
          const currency = input.currency ?? before.currency;
          if (
            currency !== before.currency &&
            (await tx.purchaseOrder.findFirst({ where: { organisationId: before.id }, select: { id: true } }))
          ) {
            throw new InvalidStateError(
              `The currency stays ${before.currency}: the organisation's purchase orders are priced in it.`,
              before.currency,
            );
          }
          const after = await tx.organisation.update({
            where: { id: before.id },
            data: {
              name: input.name ?? undefined,
              workspaceFolderId: input.workspaceFolderId,
              timeZone: input.timeZone ?? undefined,
              currency,
            },
          });
          await audit({
            ...entity('Organisation', { ...after, organisationId: after.id }),
            action: 'update',
            before,
            after,
          });
          return after.id;
        },
        read: answer('organisation', query),
      }),
  }),
);
