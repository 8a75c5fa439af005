import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { builder } from '../../builder.js';
import { overdue } from '../equipment/rules.js';
import { lowStock } from '../inventory/rules.js';
import { openOrder } from '../purchasing/rules.js';
import { DUE_WITHIN_DAYS, inService, inspectionDue, openAction, openIncident } from '../safety/rules.js';
import type { Context } from '../../context.js';
import { db } from '../../db.js';
import { Prisma, type Organisation as OrganisationRow } from '../../generated/prisma/client.js';
import { requireViewer } from '../../lib/tenancy.js';

type Summary = {
  userCount: number;
  equipmentCount: number;
  overdueEquipmentCount: number;
  inventoryItemCount: number;
  lowStockItemCount: number;
  openPurchaseOrderCount: number;
  dueInspectionCount: number;
  overdueInspectionCount: number;
  openCorrectiveActionCount: number;
  openIncidentCount: number;
};

type Count = keyof Summary;

// The inspection due dates of the organisation's equipment in service, as the due list has them.
const inspected = Prisma.sql`(${inspectionDue.subjects(Prisma.sql`e.organisation_id = o.id AND ${inService.sql('e')}`)}) s`;

/** Each count as a subquery of the organisation o; now is when the counts are taken. */
export const COUNTS: Record<Count, (now: Date) => Prisma.Sql> = {
  userCount: () => Prisma.sql`(SELECT count(*)::int FROM auth.users u WHERE u.organisation_id = o.id AND u.is_active)`,
  equipmentCount: () =>
    Prisma.sql`(SELECT count(*)::int FROM assets.equipment e WHERE e.organisation_id = o.id AND e.deleted_at IS NULL)`,
  overdueEquipmentCount: () => Prisma.sql`(SELECT count(*)::int FROM assets.equipment e WHERE e.organisation_id = o.id
    AND ${overdue.sql('e')})`,
  inventoryItemCount:
    () => Prisma.sql`(SELECT count(*)::int FROM inventory.inventory_items i WHERE i.organisation_id = o.id
    AND i.deleted_at IS NULL)`,
  lowStockItemCount:
    () => Prisma.sql`(SELECT count(*)::int FROM inventory.inventory_items i WHERE i.organisation_id = o.id
    AND i.deleted_at IS NULL AND ${lowStock.sql('i')})`,
  openPurchaseOrderCount:
    () => Prisma.sql`(SELECT count(*)::int FROM procurement.purchase_orders p WHERE p.organisation_id = o.id
    AND ${openOrder.sql('p')})`,
  dueInspectionCount: (now) =>
    Prisma.sql`(SELECT count(*)::int FROM ${inspected} WHERE ${inspectionDue.dueSql(Prisma.sql`s.due_at`, now)})`,
  overdueInspectionCount: (now) =>
    Prisma.sql`(SELECT count(*)::int FROM ${inspected} WHERE ${inspectionDue.overdueSql(Prisma.sql`s.due_at`, now)})`,
  openCorrectiveActionCount:
    () => Prisma.sql`(SELECT count(*)::int FROM safety.corrective_actions a WHERE a.organisation_id = o.id
    AND ${openAction.sql('a')})`,
  openIncidentCount: () => Prisma.sql`(SELECT count(*)::int FROM safety.incidents n WHERE n.organisation_id = o.id
    AND ${openIncident.sql('n')})`,
};

const isCount = (name: string): name is Count => Object.hasOwn(COUNTS, name);

/** The names of the fields selected beneath the field being resolved, through fragments too. */
function selectedFields(info: GraphQLResolveInfo): Set<string> {
  const names = new Set<string>();
  const visit = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else visit(info.fragments[selection.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return names;
}

// The counts a request selects, for any number of organisations, in one statement: a count
// nobody asked for is not computed (the result then holds only the counts selected).
const summaries = createContextCache((_context: Context) => new Map<string, DataLoader<string, Summary>>());

function summaryLoader(context: Context, counts: Count[]): DataLoader<string, Summary> {
  const loaders = summaries(context);
  const key = counts.join();
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader(async (ids) => {
      const now = new Date();
      const columns = counts.map((count) => Prisma.sql`, ${COUNTS[count](now)} AS ${Prisma.raw(`"${count}"`)}`);
      const rows = await db.$queryRaw<(Summary & { id: string })[]>`
        SELECT o.id ${columns.length > 0 ? Prisma.join(columns, '') : Prisma.empty} FROM auth.organisations o WHERE o.id = ANY(${[...ids]}::uuid[])`;
      return ids.map((id) => rows.find((row) => row.id === id) ?? new Error(`organisation ${id} not found`));
    });
    loaders.set(key, loader);
  }
  return loader;
}

const OrganisationSummary = builder.simpleObject('OrganisationSummary', {
  description: 'Counts for a dashboard, computed in the database.',
  fields: (t) => ({
    userCount: t.int({ description: 'Active users.' }),
    equipmentCount: t.int({ description: 'Equipment not deleted.' }),
    overdueEquipmentCount: t.int({ description: `Equipment overdue: ${overdue.description}` }),
    inventoryItemCount: t.int(),
    lowStockItemCount: t.int({ description: `Items not deleted whose ${lowStock.description}` }),
    openPurchaseOrderCount: t.int({ description: `Purchase orders open: ${openOrder.description}` }),
    dueInspectionCount: t.int({
      description: `Equipment in service whose inspection is due within ${DUE_WITHIN_DAYS} days, not yet overdue. ${inspectionDue.description}`,
    }),
    overdueInspectionCount: t.int({
      description: 'Equipment in service whose inspection is overdue, or that never passed one.',
    }),
    openCorrectiveActionCount: t.int({ description: `Corrective actions open: ${openAction.description}` }),
    openIncidentCount: t.int({ description: `Incidents open: ${openIncident.description}` }),
  }),
});

export const Organisation = builder.prismaNode('Organisation', {
  authScopes: { may: 'readOrganisation' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    workspaceFolderId: t.exposeString('workspaceFolderId', { nullable: true }),
    timeZone: t.exposeString('timeZone', { description: 'IANA name: local days and weeks are counted in it.' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code of every price in the organisation.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    summary: t.field({
      type: OrganisationSummary,
      resolve: (organisation, _args, context, info) =>
        summaryLoader(context, [...selectedFields(info)].filter(isCount).sort()).load(organisation.id),
    }),
  }),
});

function selectsIdOnly(query: { select?: object; include?: object }): boolean {
  const fields = query.select ? Object.entries(query.select) : [];
  return !query.include && fields.length === 1 && fields[0]![0] === 'id' && fields[0]![1] === true;
}

builder.queryField('organisation', (t) =>
  t.prismaField({
    type: 'Organisation',
    description: "The viewer's organisation.",
    resolve: (query, _root, _args, context) => {
      const id = requireViewer(context).organisationId;
      // A dashboard asks for the summary alone, whose counts need only the id the session gave.
      if (selectsIdOnly(query)) return { id } as OrganisationRow;
      return db.organisation.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
