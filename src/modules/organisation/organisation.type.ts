import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { builder } from '../../builder.js';
import { overdue } from '../equipment/rules.js';
import { lowStock } from '../inventory/rules.js';
import { openOrder } from '../purchasing/rules.js';
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
};

type Count = keyof Summary;

const COUNTS: Record<Count, Prisma.Sql> = {
  userCount: Prisma.sql`(SELECT count(*)::int FROM auth.users u WHERE u.organisation_id = o.id AND u.is_active)`,
  equipmentCount: Prisma.sql`(SELECT count(*)::int FROM assets.equipment e WHERE e.organisation_id = o.id AND e.deleted_at IS NULL)`,
  overdueEquipmentCount: Prisma.sql`(SELECT count(*)::int FROM assets.equipment e WHERE e.organisation_id = o.id
    AND ${overdue.sql('e')})`,
  inventoryItemCount: Prisma.sql`(SELECT count(*)::int FROM inventory.inventory_items i WHERE i.organisation_id = o.id
    AND i.deleted_at IS NULL)`,
  lowStockItemCount: Prisma.sql`(SELECT count(*)::int FROM inventory.inventory_items i WHERE i.organisation_id = o.id
    AND i.deleted_at IS NULL AND ${lowStock.sql('i')})`,
  openPurchaseOrderCount: Prisma.sql`(SELECT count(*)::int FROM procurement.purchase_orders p WHERE p.organisation_id = o.id
    AND ${openOrder.sql('p')})`,
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
      const columns = counts.map((count) => Prisma.sql`, ${COUNTS[count]} AS ${Prisma.raw(`"${count}"`)}`);
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
