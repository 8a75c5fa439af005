import { builder } from '../../builder.js';
import { db } from '../../db.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { ChecklistItemKind, EquipmentCategory } from '../../generated/prisma/enums.js';
import { listSize } from '../../lib/query-cost.js';

builder.enumType(ChecklistItemKind, {
  name: 'ChecklistItemKind',
  description: 'YES_NO: yes passes, no fails. NUMBER: a reading, failed outside minValue..maxValue. TEXT: never fails.',
});

/** The most items one checklist version holds. */
export const MAX_CHECKLIST_ITEMS = 100;

export const ChecklistTemplate = builder.prismaNode('ChecklistTemplate', {
  authScopes: { may: 'readSafety' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  description:
    'The checklist equipment of one category is inspected with, and how often. Its items are in versions: an edit makes a new one.',
  fields: (t) => ({
    name: t.exposeString('name'),
    category: t.expose('category', { type: EquipmentCategory }),
    intervalDays: t.exposeInt('intervalDays', {
      description: 'Days of 24 hours from a passed inspection to the next one due.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    currentVersion: t.field({
      type: ChecklistTemplateVersion,
      description: 'The highest-numbered version: the one a new inspection answers.',
      select: (_args, _context, nestedSelection) => ({
        versions: nestedSelection({ orderBy: { number: 'desc' }, take: 1 }),
      }),
      resolve: (template) => template.versions[0]!,
    }),
    versions: t.relatedConnection('versions', {
      cursor: 'id',
      totalCount: true,
      description: 'Newest first.',
      query: { orderBy: [{ number: 'desc' }, { id: 'desc' }] },
    }),
  }),
});

export const ChecklistTemplateVersion = builder.prismaNode('ChecklistTemplateVersion', {
  authScopes: { may: 'readSafety' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  description: 'One version of a checklist: its items never change.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: 'From 1; the highest is current.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy'),
    template: t.relation('template'),
    items: t.relation('items', {
      description: 'In their order on the checklist.',
      query: { orderBy: { position: 'asc' }, take: MAX_CHECKLIST_ITEMS },
      extensions: listSize(MAX_CHECKLIST_ITEMS),
    }),
  }),
});

export const ChecklistItem = builder.prismaNode('ChecklistItem', {
  authScopes: { may: 'readSafety' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    position: t.exposeInt('position', { description: 'Its place on the checklist, from 1.' }),
    label: t.exposeString('label'),
    kind: t.expose('kind', { type: ChecklistItemKind }),
    critical: t.exposeBoolean('critical', { description: 'When it fails, the inspection fails.' }),
    minValue: t.expose('minValue', {
      type: 'Decimal',
      nullable: true,
      description: 'NUMBER: the lowest passing value.',
    }),
    maxValue: t.expose('maxValue', {
      type: 'Decimal',
      nullable: true,
      description: 'NUMBER: the highest passing value.',
    }),
    unit: t.exposeString('unit', { nullable: true, description: 'NUMBER: what the reading is in (bar, mm, °C).' }),
    version: t.relation('version'),
  }),
});

const byName = [{ name: 'asc' }, { id: 'asc' }] satisfies Prisma.ChecklistTemplateOrderByWithRelationInput[];

builder.queryField('checklistTemplates', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readSafety' },
    type: 'ChecklistTemplate',
    cursor: 'id',
    description: "The organisation's checklists, one per equipment category at most, by name.",
    totalCount: () => db.checklistTemplate.count(),
    resolve: (query) => db.checklistTemplate.findMany({ ...query, orderBy: byName }),
  }),
);
