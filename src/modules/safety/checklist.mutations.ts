import { z } from 'zod';
import { builder } from '../../builder.js';
import { Prisma } from '../../generated/prisma/client.js';
import { ChecklistItemKind, EquipmentCategory } from '../../generated/prisma/enums.js';
import { NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate, type Actor, type Audit, type Tx } from '../../lib/mutation.js';
import { tenantSql, type Tenant } from '../../lib/tenancy.js';
import { InputValidationError, optionalText, requiredText, validateFields } from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { ChecklistTemplate, MAX_CHECKLIST_ITEMS } from './checklist.type.js';

const ChecklistItemFields = builder.inputType('ChecklistItemInput', {
  fields: (t) => ({
    label: t.string({ description: 'A yes/no question is worded so that yes is safe: "Brakes hold?".' }),
    kind: t.field({ type: ChecklistItemKind }),
    critical: t.boolean({ required: false, description: 'When it fails, the inspection fails. false unless told.' }),
    minValue: t.field({ type: 'Decimal', required: false, description: 'NUMBER only: the lowest passing value.' }),
    maxValue: t.field({ type: 'Decimal', required: false, description: 'NUMBER only: the highest passing value.' }),
    unit: t.string({ required: false, description: 'NUMBER only: what the reading is in.' }),
  }),
});
type ItemShape = typeof ChecklistItemFields.$inferInput;

const isNumber = (item: ItemShape) => item.kind === ChecklistItemKind.NUMBER;

const ChecklistItemRules = validateFields<ItemShape>({ label: requiredText('Label'), unit: optionalText('Unit', 20) }, [
  {
    check: (item) => isNumber(item) || (item.minValue == null && item.maxValue == null && item.unit == null),
    message: 'Only a NUMBER item has a range or a unit.',
    path: ['kind'],
  },
  {
    check: (item) =>
      item.minValue == null || item.maxValue == null || new Prisma.Decimal(item.minValue).lte(item.maxValue),
    message: 'The lowest passing value cannot be above the highest.',
    path: ['maxValue'],
  },
  {
    check: (item) => !(item.kind === ChecklistItemKind.TEXT && item.critical),
    message: 'A TEXT item cannot be critical: text never fails.',
    path: ['critical'],
  },
]);

const checklistFields = {
  name: requiredText('Name'),
  intervalDays: z
    .number()
    .int('The interval is a whole number of days.')
    .min(1, 'The interval is at least 1 day.')
    .max(3650, 'The interval is at most 3650 days.'),
  items: z
    .array(ChecklistItemRules)
    .min(1, 'A checklist needs at least one item.')
    .max(MAX_CHECKLIST_ITEMS, `A checklist has at most ${MAX_CHECKLIST_ITEMS} items.`),
};

const CreateChecklistTemplateFields = builder.inputType('CreateChecklistTemplateInput', {
  fields: (t) => ({
    name: t.string(),
    category: t.field({ type: EquipmentCategory, description: 'The equipment it is for; one checklist per category.' }),
    intervalDays: t.int({ description: 'Days from a passed inspection to the next one due.' }),
    items: t.field({ type: [ChecklistItemFields], description: 'In their order on the checklist.' }),
  }),
});
const CreateChecklistTemplateRules = validateFields<typeof CreateChecklistTemplateFields.$inferInput>(checklistFields);

const UpdateChecklistTemplateFields = builder.inputType('UpdateChecklistTemplateInput', {
  description:
    'Only the fields given change. Items, when given, become a new version: inspections started before keep the version they started with.',
  fields: (t) => ({
    id: t.globalID({ for: ChecklistTemplate }),
    name: t.string({ required: false }),
    intervalDays: t.int({ required: false }),
    items: t.field({ type: [ChecklistItemFields], required: false }),
  }),
});
const UpdateChecklistTemplateRules = validateFields<typeof UpdateChecklistTemplateFields.$inferInput>(checklistFields);

/** Records a version of a template's items, numbered after the last one. */
async function addVersion(
  tx: Tx,
  template: { id: string; organisationId: string },
  actor: Actor,
  items: ItemShape[],
  audit: Audit,
) {
  if (actor.organisationId !== template.organisationId) {
    throw new InputValidationError([
      { path: ['input', 'items'], message: "A checklist's items are written by people of its own organisation." },
    ]);
  }
  const last = await tx.checklistTemplateVersion.aggregate({
    where: { templateId: template.id },
    _max: { number: true },
  });
  const version = await tx.checklistTemplateVersion.create({
    data: {
      templateId: template.id,
      number: (last._max.number ?? 0) + 1,
      createdById: actor.id,
      items: {
        create: items.map((item, index) => ({
          position: index + 1,
          label: item.label,
          kind: item.kind,
          critical: item.critical ?? false,
          minValue: item.minValue,
          maxValue: item.maxValue,
          unit: item.unit,
        })),
      },
    },
    include: { items: { orderBy: { position: 'asc' } } },
  });
  await audit({
    ...entity('ChecklistTemplateVersion', { id: version.id, organisationId: template.organisationId }),
    action: 'create',
    after: version,
  });
  return version;
}

/** Locks the template for the rest of the transaction, so that two edits number their versions in turn. */
async function lockTemplate(tx: Tx, id: string, tenant: Tenant) {
  const [locked] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM safety.checklist_templates WHERE id = ${id}::uuid AND ${tenantSql(tenant)} FOR UPDATE`;
  if (!locked) throw new NotFoundError('ChecklistTemplate');
  return tx.checklistTemplate.findUniqueOrThrow({ where: { id } });
}

builder.mutationField('createChecklistTemplate', (t) =>
  t.prismaField({
    authScopes: { may: 'createChecklistTemplate' },
    type: 'ChecklistTemplate',
    description: 'Creates the checklist of an equipment category, as its version 1.',
    errors: { types: commonErrors, dataField: { name: 'checklistTemplate' } },
    args: { input: t.arg({ type: CreateChecklistTemplateFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: CreateChecklistTemplateRules, value: args.input },
        change: async ({ tx, input, actor, audit }) => {
          const template = await tx.checklistTemplate.create({
            data: {
              organisationId: actor.organisationId,
              name: input.name,
              category: input.category,
              intervalDays: input.intervalDays,
            },
          });
          await audit({ ...entity('ChecklistTemplate', template), action: 'create', after: template });
          await addVersion(tx, template, actor, input.items, audit);
          return template.id;
        },
        read: answer('checklistTemplate', query),
      }),
  }),
);

builder.mutationField('updateChecklistTemplate', (t) =>
  t.prismaField({
    authScopes: { may: 'updateChecklistTemplate' },
    type: 'ChecklistTemplate',
    description: 'Renames a checklist, changes its interval, or gives it new items as a new version.',
    errors: { types: commonErrors, dataField: { name: 'checklistTemplate' } },
    args: { input: t.arg({ type: UpdateChecklistTemplateFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: UpdateChecklistTemplateRules, value: args.input },
        change: async ({ tx, input, actor, tenant, audit }) => {
          const before = await lockTemplate(tx, input.id.id, tenant);
          const after = await tx.checklistTemplate.update({
            where: { id: before.id },
            data: { name: input.name ?? undefined, intervalDays: input.intervalDays ?? undefined },
          });
          await audit({ ...entity('ChecklistTemplate', after), action: 'update', before, after });
          if (input.items) await addVersion(tx, after, actor, input.items, audit);
          return after.id;
        },
        read: answer('checklistTemplate', query),
      }),
  }),
);
