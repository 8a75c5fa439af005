import { z } from 'zod';
import { builder } from '../../builder.js';
import type { ChecklistItem } from '../../generated/prisma/client.js';
import { ChecklistItemKind, EquipmentStatus, InspectionResult } from '../../generated/prisma/enums.js';
import { InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate, type Tx } from '../../lib/mutation.js';
import { tenantSql, type Tenant } from '../../lib/tenancy.js';
import {
  idempotencyKey,
  InputValidationError,
  optionalText,
  validateFields,
  type Issue,
} from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { Equipment } from '../equipment/equipment.type.js';
import { ChecklistItem as ChecklistItemNode, MAX_CHECKLIST_ITEMS } from './checklist.type.js';
import { Inspection } from './inspection.type.js';
import { lockEquipment, openCorrectiveAction } from './out-of-service.js';
import { itemFailure } from './rules.js';

const unusable: Partial<Record<EquipmentStatus, string>> = {
  [EquipmentStatus.OUT_OF_SERVICE]:
    'is out of service: it is inspected again once the maintenance that fixes it is recorded',
  [EquipmentStatus.RETIRED]: 'is retired',
};

builder.mutationField('startInspection', (t) =>
  t.prismaField({
    authScopes: { may: 'startInspection' },
    type: 'Inspection',
    description:
      "Starts the viewer's inspection of equipment with the current version of its category's checklist, or resumes the one in progress (which keeps the version it started with): a retry starts nothing twice.",
    errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'inspection' } },
    args: { equipmentId: t.arg.globalID({ for: Equipment }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        change: async ({ tx, actor, audit, unchanged }) => {
          const equipment = await tx.equipment.findFirst({ where: { id: args.equipmentId.id, deletedAt: null } });
          if (!equipment) throw new NotFoundError('Equipment');
          if (equipment.organisationId !== actor.organisationId) {
            throw new InputValidationError([
              { path: ['equipmentId'], message: 'Equipment is inspected by people of its own organisation.' },
            ]);
          }
          const refusal = unusable[equipment.status];
          if (refusal) throw new InvalidStateError(`${equipment.name} ${refusal}.`, equipment.status);
          const template = await tx.checklistTemplate.findFirst({
            where: { organisationId: equipment.organisationId, category: equipment.category },
            include: { versions: { orderBy: { number: 'desc' }, take: 1 } },
          });
          if (!template) throw new NotFoundError('ChecklistTemplate');
          // One in progress per inspector and equipment (a partial unique index): a second start,
          // even a concurrent one, inserts nothing and resumes the first.
          const [started] = await tx.inspection.createManyAndReturn({
            data: [
              {
                organisationId: equipment.organisationId,
                equipmentId: equipment.id,
                versionId: template.versions[0]!.id,
                inspectorId: actor.id,
              },
            ],
            skipDuplicates: true,
          });
          if (!started) {
            unchanged();
            const open = await tx.inspection.findFirstOrThrow({
              where: { equipmentId: equipment.id, inspectorId: actor.id, submittedAt: null },
            });
            return open.id;
          }
          await audit({ ...entity('Inspection', started), action: 'start', after: started });
          return started.id;
        },
        read: answer('inspection', query),
      }),
  }),
);

const AnswerFields = builder.inputType('InspectionAnswerInput', {
  description:
    "The answer to one checklist item, in the item's kind: yes for YES_NO, number for NUMBER, text for TEXT.",
  fields: (t) => ({
    itemId: t.globalID({ for: ChecklistItemNode }),
    yes: t.boolean({ required: false }),
    number: t.field({ type: 'Decimal', required: false }),
    text: t.string({ required: false }),
    note: t.string({ required: false, description: 'What the inspector saw, for any kind of item.' }),
  }),
});
type AnswerShape = typeof AnswerFields.$inferInput;

const SubmitInspectionFields = builder.inputType('SubmitInspectionInput', {
  fields: (t) => ({
    inspectionId: t.globalID({ for: Inspection }),
    answers: t.field({ type: [AnswerFields], description: 'One per item of the version it started with.' }),
    idempotencyKey: t.string({
      required: false,
      description:
        'Chosen by the client, e.g. a UUID: a retry with the same key and input answers with the submitted inspection instead of an error, and fails it (or opens its corrective action) once. Kept for 24 hours.',
    }),
  }),
});
const SubmitInspectionRules = validateFields<typeof SubmitInspectionFields.$inferInput>({
  answers: z
    .array(validateFields<AnswerShape>({ text: optionalText('Answer', 2000), note: optionalText('Note', 1000) }))
    .max(MAX_CHECKLIST_ITEMS, `A checklist has at most ${MAX_CHECKLIST_ITEMS} items.`),
  idempotencyKey,
});

const valueField = { YES_NO: 'yes', NUMBER: 'number', TEXT: 'text' } as const satisfies Record<
  ChecklistItemKind,
  keyof AnswerShape
>;
const kindName = { YES_NO: 'a yes/no', NUMBER: 'a number', TEXT: 'a text' } satisfies Record<ChecklistItemKind, string>;

type Checked = { item: ChecklistItem; answer: AnswerShape; failed: boolean };

/**
 * The answers checked against the version's items: each to an item of the version, once, with a
 * value of the item's kind, and every item answered. Every problem is reported at its answer.
 */
function checkedAnswers(items: ChecklistItem[], answers: AnswerShape[], version: number): Checked[] {
  const issues: Issue[] = [];
  const byId = new Map(items.map((item) => [item.id, item]));
  const answered = new Map<string, number>();
  const checked: Checked[] = [];
  answers.forEach((answer, index) => {
    const at = (field: string) => ['input', 'answers', String(index), field];
    const item = byId.get(answer.itemId.id);
    if (!item) {
      issues.push({
        path: at('itemId'),
        message: `Not an item of the checklist this inspection answers (version ${version}).`,
      });
      return;
    }
    if (answered.has(item.id)) {
      issues.push({
        path: at('itemId'),
        message: `"${item.label}" is answered already, at answers.${answered.get(item.id)}.`,
      });
      return;
    }
    answered.set(item.id, index);
    const expected = valueField[item.kind];
    // Blank text is no answer.
    const given = (['yes', 'number', 'text'] as const).filter((field) => answer[field] != null && answer[field] !== '');
    for (const field of given.filter((field) => field !== expected)) {
      issues.push({
        path: at(field),
        message: `"${item.label}" takes ${kindName[item.kind]} answer: give ${expected}, not ${field}.`,
      });
    }
    if (!given.includes(expected)) {
      issues.push({ path: at(expected), message: `"${item.label}" needs ${kindName[item.kind]} answer.` });
      return;
    }
    const failed = itemFailure.matches(item, { yesValue: answer.yes, numberValue: answer.number });
    checked.push({ item, answer, failed });
  });
  for (const item of items) {
    if (!answered.has(item.id)) {
      issues.push({ path: ['input', 'answers'], message: `Item ${item.position}, "${item.label}", is not answered.` });
    }
  }
  if (issues.length > 0) throw new InputValidationError(issues);
  return checked;
}

function allowed({ minValue, maxValue }: ChecklistItem): string {
  if (minValue !== null && maxValue !== null) return `allowed ${minValue.toString()} to ${maxValue.toString()}`;
  return minValue !== null ? `allowed at least ${minValue.toString()}` : `allowed at most ${String(maxValue)}`;
}

/** How a failed item reads in its corrective action and audit event. */
function failure({ item, answer }: Checked): string {
  const given =
    item.kind === ChecklistItemKind.YES_NO
      ? 'no'
      : `${answer.number}${item.unit ? ` ${item.unit}` : ''}, ${allowed(item)}`;
  return `${item.position}. ${item.label}${item.critical ? ' (critical)' : ''}: ${given}`;
}

/** Locks the inspection for the rest of the transaction: a submission and its retries run in turn. */
async function lockInspection(tx: Tx, id: string, tenant: Tenant) {
  const [locked] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM safety.inspections WHERE id = ${id}::uuid AND ${tenantSql(tenant)} FOR UPDATE`;
  if (!locked) throw new NotFoundError('Inspection');
  return tx.inspection.findUniqueOrThrow({ where: { id }, include: { version: true } });
}

builder.mutationField('submitInspection', (t) =>
  t.prismaField({
    authScopes: { may: 'submitInspection' },
    type: 'Inspection',
    description:
      "Submits the viewer's inspection with an answer to every item of its version. Its result is computed: it fails when a critical item fails (no to a yes/no question, a number outside its range), and then its equipment goes out of service with a corrective action open, in the same transaction.",
    errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'inspection' } },
    args: { input: t.arg({ type: SubmitInspectionFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: SubmitInspectionRules, value: args.input },
        once: (input) => ({ key: input.idempotencyKey, operation: 'submitInspection', request: input }),
        change: async ({ tx, input, actor, tenant, audit }) => {
          const inspection = await lockInspection(tx, input.inspectionId.id, tenant);
          if (inspection.inspectorId !== actor.id) {
            throw new InvalidStateError('Only the inspector who started an inspection submits it.', 'STARTED');
          }
          if (inspection.submittedAt) {
            throw new InvalidStateError(
              `This inspection was submitted at ${inspection.submittedAt.toISOString()}; start a new one.`,
              inspection.result!,
            );
          }
          const items = await tx.checklistItem.findMany({
            where: { versionId: inspection.versionId },
            orderBy: { position: 'asc' },
          });
          const checked = checkedAnswers(items, input.answers, inspection.version.number);
          await tx.inspectionAnswer.createMany({
            data: checked.map(({ item, answer, failed }) => ({
              inspectionId: inspection.id,
              itemId: item.id,
              yesValue: answer.yes,
              numberValue: answer.number,
              textValue: answer.text,
              note: answer.note,
              failed,
            })),
          });
          const result = itemFailure.result(checked.map(({ item, failed }) => ({ failed, critical: item.critical })));
          // The database's clock, as for started_at: submitted_at is never before it.
          await tx.$executeRaw`
            UPDATE safety.inspections
            SET submitted_at = now(), result = ${result.toLowerCase()}::safety.inspection_result, updated_at = now()
            WHERE id = ${inspection.id}::uuid`;
          const { version: _version, ...before } = inspection;
          const submitted = await tx.inspection.findUniqueOrThrow({ where: { id: inspection.id } });
          await audit({
            ...entity('Inspection', submitted),
            action: 'submit',
            before,
            after: { ...submitted, failedItems: checked.filter(({ failed }) => failed).map(failure) },
          });
          if (result === InspectionResult.FAIL) {
            const equipment = await lockEquipment(tx, inspection.equipmentId, tenant);
            const failed = checked
              .filter(({ failed }) => failed)
              .sort((a, b) => Number(b.item.critical) - Number(a.item.critical));
            await openCorrectiveAction(tx, equipment, submitted, `Failed: ${failed.map(failure).join('; ')}`, audit);
          }
          return inspection.id;
        },
        read: answer('inspection', query),
      }),
  }),
);
