import { createServer } from 'node:http';
import { GraphQLScalarType, Kind, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import type { Db } from '../../src/db.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import type { EquipmentStatus } from '../../src/generated/prisma/enums.js';
import { organisationTenant } from '../../src/lib/tenancy.js';
import { overdue } from '../../src/modules/equipment/rules.js';
import { COUNTS } from '../../src/modules/organisation/organisation.type.js';
import { MAX_QUANTITY } from '../../src/modules/inventory/inventory.mutations.js';
import { addDays, checkPeriod, mondayOf } from '../../src/modules/timeclock/rules.js';
import { dayTotals, daysAndWeeks } from '../../src/modules/timeclock/timeclock.timesheet.js';

/** nodeLookup's answer, for the servers that answer from memory. */
export const fromMemory = { name: 'Pump 7', serialNumber: 'SN-1', status: 'ACTIVE' };
/** nodeLookup's row in hand-written SQL, for Prisma's `$queryRaw` and for `pg`. */
export const equipmentSql = ({ organisationId, equipmentId }: { organisationId: string; equipmentId: string }) =>
  [
    'SELECT name, serial_number AS "serialNumber", upper(status::text) AS status FROM assets.equipment WHERE id = $1::uuid AND organisation_id = $2::uuid',
    [equipmentId, organisationId],
  ] as const;

/** The part of OpsGraph's schema that the reference operations ask for. */
const typeDefs = /* GraphQL */ `
  scalar DateTime
  interface Node {
    id: ID!
  }
  enum EquipmentStatus {
    ACTIVE
    IN_MAINTENANCE
    RETIRED
  }
  enum EquipmentOrder {
    NAME_ASC
    NEXT_MAINTENANCE_ASC
  }
  input EquipmentFilter {
    status: [EquipmentStatus!]
    overdue: Boolean
  }
  type Equipment implements Node {
    id: ID!
    name: String!
    serialNumber: String!
    status: String!
    nextMaintenanceAt: DateTime
    maintenanceRecords(first: Int!): MaintenanceRecordConnection!
  }
  type EquipmentConnection {
    edges: [EquipmentEdge!]!
  }
  type EquipmentEdge {
    node: Equipment!
  }
  type MaintenanceRecordConnection {
    edges: [MaintenanceRecordEdge!]!
  }
  type MaintenanceRecordEdge {
    node: MaintenanceRecord!
  }
  type MaintenanceRecord {
    maintenanceDate: DateTime!
    performedBy: User!
  }
  type User {
    name: String!
    roles: [Role!]!
  }
  type Role {
    name: String!
  }
  type OrganisationSummary {
    equipmentCount: Int!
    overdueEquipmentCount: Int!
    lowStockItemCount: Int!
    openPurchaseOrderCount: Int!
  }
  type Organisation {
    summary: OrganisationSummary!
  }
  enum InventoryOrder {
    SKU_ASC
  }
  input InventoryFilter {
    lowStock: Boolean
  }
  type InventoryItem {
    sku: String!
    qty: Int!
    minQty: Int!
  }
  type InventoryItemConnection {
    edges: [InventoryItemEdge!]!
  }
  type InventoryItemEdge {
    node: InventoryItem!
  }
  type TimesheetDay {
    date: String!
    workedSeconds: Int!
    breakSeconds: Int!
    overtimeSeconds: Int!
    approved: Boolean!
  }
  type TimesheetWeek {
    startDate: String!
    endDate: String!
    workedSeconds: Int!
    overtimeSeconds: Int!
  }
  type Timesheet {
    timeZone: String!
    workedSeconds: Int!
    breakSeconds: Int!
    days: [TimesheetDay!]!
    weeks: [TimesheetWeek!]!
  }
  input AdjustStockInput {
    itemId: ID!
    delta: Int!
  }
  type AdjustStockSuccess {
    inventoryItem: InventoryItem!
  }
  type Query {
    node(id: ID!): Node
    equipment(first: Int!, after: String, filter: EquipmentFilter, orderBy: EquipmentOrder): EquipmentConnection!
    organisation: Organisation!
    inventoryItems(first: Int!, filter: InventoryFilter, orderBy: InventoryOrder): InventoryItemConnection!
    timesheet(userId: ID!, from: String!, to: String!): Timesheet
  }
  type Mutation {
    adjustStock(input: AdjustStockInput!): AdjustStockSuccess!
  }
`;

type EquipmentArgs = {
  first: number;
  after?: string;
  filter?: { status?: string[]; overdue?: boolean };
  orderBy?: 'NAME_ASC' | 'NEXT_MAINTENANCE_ASC';
};
type InventoryArgs = { first: number; filter?: { lowStock?: boolean }; orderBy?: 'SKU_ASC' };

/** The organisation the floor answers for, and the user its stock adjustments are made by. */
type FloorTarget = { organisationId: string; userId: string };

/** What the floor answers from: a resolver per root field (answering from memory needs only node). */
export type FloorQuery = {
  node: (id: string) => unknown;
  equipment?: (args: EquipmentArgs, fields: string[]) => unknown;
  summary?: (counts: string[]) => unknown;
  inventoryItems?: (args: InventoryArgs, fields: string[]) => unknown;
  timesheet?: (args: { userId: string; from: string; to: string }) => unknown;
  /** Adjusts the item's stock, answering with its id once the adjustment has committed. */
  adjustStock?: (input: { itemId: string; delta: number }) => Promise<string>;
  /** The item read back for adjustStock's answer. */
  inventoryItem?: (id: string, fields: string[]) => unknown;
};

const children = (nodes: readonly FieldNode[]) =>
  nodes.flatMap((node) => node.selectionSet?.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD) ?? []);

/** The names of the fields selected under the field resolved, or under a path of fields beneath it. */
export function selected(info: GraphQLResolveInfo, ...path: string[]): string[] {
  let nodes = info.fieldNodes;
  for (const name of path) nodes = children(nodes).filter((field) => field.name.value === name);
  return children(nodes).map((field) => field.name.value);
}

/** A bare Yoga server over that schema: graphql-js resolvers, no plugins of our own. */
export function yoga(query: FloorQuery) {
  const schema = createSchema({
    typeDefs,
    resolvers: {
      DateTime: new GraphQLScalarType<Date, string>({
        name: 'DateTime',
        serialize: (value) => (value as Date).toISOString(),
      }),
      Node: { __resolveType: () => 'Equipment' },
      Query: {
        node: (_: unknown, { id }: { id: string }) => query.node(id),
        equipment: (_: unknown, args: EquipmentArgs, _context: unknown, info: GraphQLResolveInfo) =>
          query.equipment?.(args, selected(info, 'edges', 'node')),
        organisation: () => ({}),
        inventoryItems: (_: unknown, args: InventoryArgs, _context: unknown, info: GraphQLResolveInfo) =>
          query.inventoryItems?.(args, selected(info, 'edges', 'node')),
        timesheet: (_: unknown, args: { userId: string; from: string; to: string }) => query.timesheet?.(args),
      },
      Organisation: {
        summary: (_: unknown, _args: unknown, _context: unknown, info: GraphQLResolveInfo) =>
          query.summary?.(selected(info)),
      },
      Mutation: {
        adjustStock: async (_: unknown, { input }: { input: { itemId: string; delta: number } }) => ({
          id: await query.adjustStock?.(input),
        }),
      },
      AdjustStockSuccess: {
        inventoryItem: ({ id }: { id: string }, _args: unknown, _context: unknown, info: GraphQLResolveInfo) =>
          query.inventoryItem?.(id, selected(info)),
      },
    },
  });
  const yoga = createYoga({ schema, logging: false, landingPage: false, graphiql: false });
  return createServer((request, response) => void yoga(request, response));
}

const edges = <T, U>(nodes: T[], node: (value: T) => U) => ({ edges: nodes.map((value) => ({ node: node(value) })) });
/** The id inside a Relay global id ("Type:<uuid>", base64), or inside a Pothos cursor ("GPC:S:<uuid>"). */
const innerId = (value: string) => {
  const decoded = Buffer.from(value, 'base64').toString();
  return decoded.slice(decoded.lastIndexOf(':') + 1);
};
const only = (fields: string[]) => Object.fromEntries(fields.map((field) => [field, true]));

export const equipmentOrders = {
  NAME_ASC: [{ name: 'asc' }, { id: 'asc' }],
  NEXT_MAINTENANCE_ASC: [{ nextMaintenanceAt: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
} satisfies Record<string, Prisma.EquipmentOrderByWithRelationInput[]>;

/** What an equipment page is filtered and ordered by, as either floor's schema hands it over. */
type EquipmentPageArgs = {
  filter?: { status?: readonly string[] | null; overdue?: boolean | null } | null;
  orderBy?: keyof typeof equipmentOrders | null;
};

/**
 * The organisation's equipment the filter keeps (an empty status list keeps any, as OpsGraph's
 * filter does), in the order asked for.
 */
export function equipmentPage(organisationId: string, { filter, orderBy }: EquipmentPageArgs) {
  const where: Prisma.EquipmentWhereInput[] = [{ deletedAt: null }];
  if (filter?.status?.length) where.push({ status: { in: filter.status as EquipmentStatus[] } });
  if (filter?.overdue) where.push(overdue.where());
  return { where: { organisationId, AND: where }, orderBy: equipmentOrders[orderBy ?? 'NAME_ASC'] };
}

/** The organisation's inventory items the filter keeps, by sku. */
export function inventoryPage(
  db: Db,
  organisationId: string,
  { filter }: { filter?: { lowStock?: boolean | null } | null },
) {
  const where: Prisma.InventoryItemWhereInput[] = [{ deletedAt: null }];
  if (filter?.lowStock) where.push({ qty: { lte: db.inventoryItem.fields.minQty } });
  return {
    where: { organisationId, AND: where },
    orderBy: [{ sku: 'asc' }, { id: 'asc' }] satisfies Prisma.InventoryItemOrderByWithRelationInput[],
  };
}

/**
 * The floor under OpsGraph: Yoga making the Prisma calls OpsGraph's plans make, each selecting
 * what the document asks for, in the benchmark's organisation (OpsGraph's tenant filter written
 * into each where), with no sessions, scopes, logs or metrics:
 * - nodeLookup: the row by id and organisation (with `raw`, by `$queryRaw`, Prisma's cheapest path);
 * - deepList: its one nested findMany, the inner page size fixed at the document's 10;
 * - filteredPage: a findMany from the cursor's row; dashboard: the summary's counts in one
 *   `$queryRaw` (only those selected) and the two filtered findManys;
 * - timesheet: the period checked, then OpsGraph's own day totals (one `$queryRaw`) folded into
 *   days and weeks by its own code;
 * - adjustStock: what OpsGraph must do for a correct adjustment, no less. In a transaction, one
 *   statement locks the item (which orders concurrent adjustments), inserts the movement if the
 *   stock stays in bounds (the ledger trigger applies it) and the audit event OpsGraph records;
 *   after the commit, the item is read back for the answer. The transaction is an interactive one
 *   (BEGIN, the statement, COMMIT): Prisma's batch form sends a batch of one statement without a
 *   transaction, which a cut connection can leave committed unanswered (BENCHMARKS.md).
 */
export function createYogaPrismaServer(db: Db, target: FloorTarget, options: { raw?: boolean } = {}) {
  return yoga(floorQuery(db, target, options));
}

/**
 * The floor's Prisma calls, by root field. bench/servers/pothos-floor.ts makes the ones that no
 * Pothos plugin plans through these too.
 */
export function floorQuery(
  db: Db,
  { organisationId, userId }: FloorTarget,
  { raw = false } = {},
): Required<FloorQuery> {
  const tenant = organisationTenant(organisationId);
  return {
    node: async (globalId) => {
      const equipmentId = innerId(globalId);
      if (!raw)
        return db.equipment.findFirst({
          where: { id: equipmentId, organisationId },
          select: { name: true, serialNumber: true, status: true },
        });
      const [text, values] = equipmentSql({ organisationId, equipmentId });
      const [row] = await db.$queryRawUnsafe<unknown[]>(text, ...values);
      return row ?? null;
    },
    equipment: async ({ first, after, ...args }, fields) => {
      const page = {
        ...equipmentPage(organisationId, args),
        take: first,
        ...(after ? { cursor: { id: innerId(after) }, skip: 1 } : {}),
      };
      if (!fields.includes('maintenanceRecords'))
        return edges(await db.equipment.findMany({ ...page, select: only(fields) }), (row) => row);
      const equipment = await db.equipment.findMany({
        ...page,
        select: {
          name: true,
          maintenanceRecords: {
            orderBy: [{ maintenanceDate: 'desc' }, { id: 'desc' }],
            take: 10,
            select: {
              maintenanceDate: true,
              performedBy: {
                select: {
                  name: true,
                  roles: { orderBy: { assignedAt: 'asc' }, select: { role: { select: { name: true } } } },
                },
              },
            },
          },
        },
      });
      return edges(equipment, ({ name, maintenanceRecords }) => ({
        name,
        maintenanceRecords: edges(maintenanceRecords, ({ maintenanceDate, performedBy }) => ({
          maintenanceDate,
          performedBy: { name: performedBy.name, roles: performedBy.roles.map(({ role }) => role) },
        })),
      }));
    },
    summary: async (counts) => {
      const now = new Date();
      const columns = counts.map(
        (count) => Prisma.sql`, ${COUNTS[count as keyof typeof COUNTS](now)} AS ${Prisma.raw(`"${count}"`)}`,
      );
      const [summary] = await db.$queryRaw<unknown[]>`
        SELECT o.id ${Prisma.join(columns, '')} FROM auth.organisations o WHERE o.id = ${organisationId}::uuid`;
      return summary;
    },
    inventoryItems: async ({ first, ...args }, fields) => {
      const items = await db.inventoryItem.findMany({
        ...inventoryPage(db, organisationId, args),
        take: first,
        select: only(fields),
      });
      return edges(items, (item) => item);
    },
    timesheet: async (args) => {
      const { from, to } = checkPeriod(args.from, args.to, { from: ['from'], to: ['to'] });
      const rows = await dayTotals(db, tenant, {
        userIds: [innerId(args.userId)],
        first: mondayOf(from),
        last: addDays(mondayOf(to), 6),
      });
      if (rows.length === 0) return null;
      const { days, weeks } = daysAndWeeks(rows, from, to);
      return {
        timeZone: rows[0]!.timeZone,
        workedSeconds: days.reduce((total, day) => total + day.workedSeconds, 0),
        breakSeconds: days.reduce((total, day) => total + day.breakSeconds, 0),
        days,
        weeks,
      };
    },
    adjustStock: async ({ itemId, delta }) => {
      const [item] = await db.$transaction(
        (tx) => tx.$queryRaw<{ id: string; movementId: string | null }[]>`
          WITH item AS (
            SELECT id, organisation_id, qty FROM inventory.inventory_items
            WHERE id = ${innerId(itemId)}::uuid AND deleted_at IS NULL AND organisation_id = ${organisationId}::uuid
            FOR UPDATE
          ), movement AS (
            INSERT INTO inventory.stock_movements (item_id, delta, reason, note, performed_by)
            SELECT id, ${delta}, 'adjustment'::inventory.stock_movement_reason, NULL, ${userId}::uuid
            FROM item WHERE qty + ${delta}::bigint BETWEEN 0 AND ${MAX_QUANTITY}
            RETURNING id
          ), event AS (
            INSERT INTO audit.audit_events (organisation_id, actor_id, action, entity_type, entity_id, before, after)
            SELECT item.organisation_id, ${userId}::uuid, 'adjustStock', 'InventoryItem', item.id,
              jsonb_build_object('qty', item.qty),
              jsonb_build_object('qty', item.qty + ${delta}, 'movementId', movement.id)
            FROM item JOIN movement ON true
          )
          SELECT item.id, movement.id AS "movementId" FROM item LEFT JOIN movement ON true`,
      );
      if (!item?.movementId) throw new Error('the item was not found, or the stock would leave its bounds');
      return item.id;
    },
    inventoryItem: (id, fields) =>
      db.inventoryItem.findUniqueOrThrow({ where: { id, organisationId }, select: only(fields) }),
  };
}
