import { builder } from '../../builder.js';
import { NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate } from '../../lib/mutation.js';
import { optionalText, requiredText, validateFields } from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { Organisation } from './organisation.type.js';

const organisationFields = {
  name: requiredText('Name'),
  workspaceFolderId: optionalText('Workspace folder id', 200),
};

const CreateOrganisationFields = builder.inputType('CreateOrganisationInput', {
  fields: (t) => ({
    name: t.string(),
    workspaceFolderId: t.string({ required: false }),
  }),
});
const CreateOrganisationRules = validateFields<typeof CreateOrganisationFields.$inferInput>(organisationFields);

const UpdateOrganisationFields = builder.inputType('UpdateOrganisationInput', {
  description: 'Only the fields given change; workspaceFolderId: null clears it.',
  fields: (t) => ({
    id: t.globalID({ for: Organisation }),
    name: t.string({ required: false }),
    workspaceFolderId: t.string({ required: false }),
  }),
});
const UpdateOrganisationRules = validateFields<typeof UpdateOrganisationFields.$inferInput>(organisationFields);

builder.mutationField('createOrganisation', (t) =>
  t.prismaField({
    authScopes: { may: 'createOrganisation' },
    type: 'Organisation',
    description: 'Starts an organisation (superadmins only); `npm run create-admin` also makes its first admin.',
    errors: { types: commonErrors, dataField: { name: 'organisation' } },
    args: { input: t.arg({ type: CreateOrganisationFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: CreateOrganisationRules, value: args.input },
        change: async ({ tx, input, audit }) => {
          const organisation = await tx.organisation.create({
            data: { name: input.name, workspaceFolderId: input.workspaceFolderId },
          });
          await audit({
            ...entity('Organisation', { ...organisation, organisationId: organisation.id }),
            action: 'create',
            after: organisation,
          });
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
    errors: { types: commonErrors, dataField: { name: 'organisation' } },
    args: { input: t.arg({ type: UpdateOrganisationFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: UpdateOrganisationRules, value: args.input },
        change: async ({ tx, input, audit }) => {
          const before = await tx.organisation.findFirst({ where: { id: input.id.id } });
          if (!before) throw new NotFoundError('Organisation');
          const after = await tx.organisation.update({
            where: { id: before.id },
            data: { name: input.name ?? undefined, workspaceFolderId: input.workspaceFolderId },
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
