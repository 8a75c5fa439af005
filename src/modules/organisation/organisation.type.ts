import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { db } from '../../db.js';
import { Prisma, type Organisation as OrganisationRow } from '../../generated/prisma/client.js';
import { organisationOf, requireViewer } from '../../lib/tenancy.js';

type Summary = {
  userCount: number;
  equipmentCount: number;
  overdueEquipmentCount: number;
  inventoryItemCount: number;
  lowStockItemCount: number;
  openPurchaseOrderCount: number;
};

// Every count the dashboard shows, for any number of organisations, in one statement.
const summaries = createContextCache(
  (_context: Context) =>
    new DataLoader<string, Summary>(async (ids) => {
      const rows = await db.$queryRaw<(Summary & { id: string })[]>(Prisma.sql`
        SELECT o.id,
          (SELECT count(*)::int FROM auth.users u WHERE u.organisation_id = o.id AND u.is_active) AS "userCount",
          (SELECT count(*)::int FROM assets.equipment e WHERE e.organisation_id = o.id AND e.deleted_at IS NULL) AS "equipmentCount",
          (SELECT count(*)::int FROM assets.equipment e WHERE e.organisation_id = o.id AND e.deleted_at IS NULL
             AND e.status <> 'retired' AND e.next_maintenance_at < now()) AS "overdueEquipmentCount",
          (SELECT count(*)::int FROM inventory.inventory_items i WHERE i.organisation_id = o.id AND i.deleted_at IS NULL) AS "inventoryItemCount",
          (SELECT count(*)::int FROM inventory.inventory_items i WHERE i.organisation_id = o.id AND i.deleted_at IS NULL
             AND i.qty <= i.min_qty) AS "lowStockItemCount",
          (SELECT count(*)::int FROM procurement.purchase_orders p WHERE p.organisation_id = o.id
             AND p.status IN ('draft', 'submitted', 'approved')) AS "openPurchaseOrderCount"
        FROM auth.organisations o WHERE o.id = ANY(${[...ids]}::uuid[])`);
      return ids.map((id) => rows.find((row) => row.id === id) ?? new Error(`organisation ${id} not found`));
    }),
);

const OrganisationSummary = builder.simpleObject('OrganisationSummary', {
  description: 'Counts for a dashboard, computed in the database.',
  fields: (t) => ({
    userCount: t.int({ description: 'Active users.' }),
    equipmentCount: t.int({ description: 'Equipment not deleted.' }),
    overdueEquipmentCount: t.int({ description: 'Equipment in service whose next maintenance is past.' }),
    inventoryItemCount: t.int(),
    lowStockItemCount: t.int({ description: 'Items whose quantity is at or below their minimum.' }),
    openPurchaseOrderCount: t.int({ description: 'Purchase orders drafted, submitted or approved.' }),
  }),
});

export const Organisation = builder.prismaNode('Organisation', {
  authScopes: { may: 'readOrganisation' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  // Another organisation's id finds nothing: node(id) answers null, as for a missing row.
  findUnique: (id, context) => ({ id, AND: [{ id: organisationOf(context) }] }),
  fields: (t) => ({
    name: t.exposeString('name'),
    workspaceFolderId: t.exposeString('workspaceFolderId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    summary: t.field({
      type: OrganisationSummary,
      resolve: (organisation, _args, context) => summaries(context).load(organisation.id),
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
