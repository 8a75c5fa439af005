import { createServer } from 'node:http';
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import { createYoga } from 'graphql-yoga';
import type { Db } from '../../src/db.js';
import { EquipmentStatus, RoleName } from '../../src/generated/prisma/enums.js';
import type PrismaTypes from '../../src/generated/pothos-types.js';
import { getDatamodel } from '../../src/generated/pothos-types.js';
import type { TimesheetDayShape, TimesheetWeekShape } from '../../src/modules/timeclock/timeclock.timesheet.js';
import { equipmentOrders, equipmentPage, floorQuery, inventoryPage, selected } from './floor.js';

/**
 * The stack's own floor under OpsGraph: Yoga, Pothos and its Prisma and Relay plugins, with the
 * fields the reference operations read declared as OpsGraph declares them (prismaNode types
 * selecting their id, exposed columns, relations, a related connection paged by id, root
 * connections, plain object types for the timesheet), and none of OpsGraph: no scopes, validation,
 * error unions, sessions, tenant filter in the data layer, logs, metrics or limits. The benchmark's
 * organisation is written into each root where and into the node look-up, as bench/servers/floor.ts
 * does. What no Pothos plugin plans (the dashboard's counts, the timesheet's day totals, the stock
 * adjustment's statement) is floor.ts' own code.
 *
 * What OpsGraph executes beyond this is its own; what this executes beyond floor.ts' bare Yoga +
 * Prisma is the cost of building the schema with Pothos, which the stack fixes.
 */
export function createPothosPrismaServer(db: Db, target: { organisationId: string; userId: string }) {
  const { organisationId } = target;
  const floor = floorQuery(db, target);
  const builder = new SchemaBuilder<{
    PrismaTypes: PrismaTypes;
    DefaultFieldNullability: false;
    DefaultInputFieldRequiredness: true;
    DefaultEdgesNullability: false;
    DefaultNodeNullability: false;
    Scalars: { DateTime: { Input: Date; Output: Date } };
  }>({
    plugins: [PrismaPlugin, RelayPlugin],
    defaultFieldNullability: false,
    defaultInputFieldRequiredness: true,
    prisma: { client: db, dmmf: getDatamodel(), filterConnectionTotalCount: true, onUnusedQuery: null },
    relay: { clientMutationId: 'omit', cursorType: 'String' },
    // Required by the scope-auth plugin's option types, which OpsGraph's builder brings into the
    // program; the plugin is not registered here, so nothing reads it.
    scopeAuth: { authScopes: () => ({}) },
  });
  builder.queryType({});
  builder.scalarType('DateTime', {
    serialize: (value) => value.toISOString(),
    parseValue: (value) => new Date(String(value)),
  });
  const Status = builder.enumType(EquipmentStatus, { name: 'EquipmentStatus' });
  const Name = builder.enumType(RoleName, { name: 'RoleName' });
  const Role = builder.prismaNode('Role', {
    select: { id: true },
    id: { field: 'id' },
    nullable: true,
    fields: (t) => ({ name: t.expose('name', { type: Name }) }),
  });
  builder.prismaNode('User', {
    select: { id: true },
    id: { field: 'id' },
    nullable: true,
    fields: (t) => ({
      name: t.exposeString('name'),
      roles: t.field({
        type: [Role],
        select: (_args, _context, nestedSelection) => ({
          roles: { orderBy: { assignedAt: 'asc' }, select: { role: nestedSelection(true) } },
        }),
        resolve: (user) => user.roles.map((assignment) => assignment.role),
      }),
    }),
  });
  builder.prismaNode('MaintenanceRecord', {
    select: { id: true },
    id: { field: 'id' },
    nullable: true,
    fields: (t) => ({
      maintenanceDate: t.expose('maintenanceDate', { type: 'DateTime' }),
      performedBy: t.relation('performedBy'),
    }),
  });
  builder.prismaNode('Equipment', {
    select: { id: true },
    id: { field: 'id' },
    findUnique: (id) => ({ id, organisationId }),
    nullable: true,
    fields: (t) => ({
      name: t.exposeString('name'),
      serialNumber: t.exposeString('serialNumber'),
      status: t.expose('status', { type: Status }),
      nextMaintenanceAt: t.expose('nextMaintenanceAt', { type: 'DateTime', nullable: true }),
      maintenanceRecords: t.relatedConnection('maintenanceRecords', {
        cursor: 'id',
        totalCount: true,
        query: { orderBy: [{ maintenanceDate: 'desc' }, { id: 'desc' }] },
      }),
    }),
  });
  const Filter = builder.inputType('EquipmentFilter', {
    fields: (t) => ({
      status: t.field({ type: [Status], required: false }),
      overdue: t.boolean({ required: false }),
    }),
  });
  const Order = builder.enumType('EquipmentOrder', {
    values: Object.keys(equipmentOrders) as (keyof typeof equipmentOrders)[],
  });
  builder.queryField('equipment', (t) =>
    t.prismaConnection({
      type: 'Equipment',
      cursor: 'id',
      args: {
        filter: t.arg({ type: Filter, required: false }),
        orderBy: t.arg({ type: Order, required: false }),
      },
      resolve: (query, _root, args) => db.equipment.findMany({ ...query, ...equipmentPage(organisationId, args) }),
    }),
  );
  builder.prismaNode('InventoryItem', {
    select: { id: true },
    id: { field: 'id' },
    nullable: true,
    fields: (t) => ({ sku: t.exposeString('sku'), qty: t.exposeInt('qty'), minQty: t.exposeInt('minQty') }),
  });
  const InventoryFilter = builder.inputType('InventoryFilter', {
    fields: (t) => ({ lowStock: t.boolean({ required: false }) }),
  });
  const InventoryOrder = builder.enumType('InventoryOrder', { values: ['SKU_ASC'] as const });
  builder.queryField('inventoryItems', (t) =>
    t.prismaConnection({
      type: 'InventoryItem',
      cursor: 'id',
      args: {
        filter: t.arg({ type: InventoryFilter, required: false }),
        orderBy: t.arg({ type: InventoryOrder, required: false }),
      },
      resolve: (page, _root, args) =>
        db.inventoryItem.findMany({ ...page, ...inventoryPage(db, organisationId, args) }),
    }),
  );
  const Summary = builder.objectRef<Record<string, number>>('OrganisationSummary').implement({
    fields: (t) => ({
      equipmentCount: t.exposeInt('equipmentCount'),
      overdueEquipmentCount: t.exposeInt('overdueEquipmentCount'),
      lowStockItemCount: t.exposeInt('lowStockItemCount'),
      openPurchaseOrderCount: t.exposeInt('openPurchaseOrderCount'),
    }),
  });
  const Organisation = builder.objectRef<object>('Organisation').implement({
    fields: (t) => ({
      summary: t.field({
        type: Summary,
        resolve: (_organisation, _args, _context, info) =>
          floor.summary(selected(info)) as Promise<Record<string, number>>,
      }),
    }),
  });
  builder.queryField('organisation', (t) => t.field({ type: Organisation, resolve: () => ({}) }));
  const Day = builder.objectRef<TimesheetDayShape>('TimesheetDay').implement({
    fields: (t) => ({
      date: t.exposeString('date'),
      workedSeconds: t.exposeInt('workedSeconds'),
      breakSeconds: t.exposeInt('breakSeconds'),
      overtimeSeconds: t.exposeInt('overtimeSeconds'),
      approved: t.exposeBoolean('approved'),
    }),
  });
  const Week = builder.objectRef<TimesheetWeekShape>('TimesheetWeek').implement({
    fields: (t) => ({
      startDate: t.exposeString('startDate'),
      endDate: t.exposeString('endDate'),
      workedSeconds: t.exposeInt('workedSeconds'),
      overtimeSeconds: t.exposeInt('overtimeSeconds'),
    }),
  });
  type Sheet = {
    timeZone: string;
    workedSeconds: number;
    breakSeconds: number;
    days: TimesheetDayShape[];
    weeks: TimesheetWeekShape[];
  };
  const Timesheet = builder.objectRef<Sheet>('Timesheet').implement({
    fields: (t) => ({
      timeZone: t.exposeString('timeZone'),
      workedSeconds: t.exposeInt('workedSeconds'),
      breakSeconds: t.exposeInt('breakSeconds'),
      days: t.field({ type: [Day], resolve: (sheet) => sheet.days }),
      weeks: t.field({ type: [Week], resolve: (sheet) => sheet.weeks }),
    }),
  });
  builder.queryField('timesheet', (t) =>
    t.field({
      type: Timesheet,
      nullable: true,
      args: { userId: t.arg.id(), from: t.arg.string(), to: t.arg.string() },
      resolve: (_root, args) => floor.timesheet({ ...args, userId: String(args.userId) }) as Promise<Sheet | null>,
    }),
  );
  builder.mutationType({});
  const AdjustStockInput = builder.inputType('AdjustStockInput', {
    fields: (t) => ({ itemId: t.id(), delta: t.int() }),
  });
  const AdjustStockSuccess = builder.objectRef<{ id: string }>('AdjustStockSuccess').implement({
    fields: (t) => ({
      inventoryItem: t.prismaField({
        type: 'InventoryItem',
        resolve: (page, { id }) => db.inventoryItem.findUniqueOrThrow({ ...page, where: { id, organisationId } }),
      }),
    }),
  });
  builder.mutationField('adjustStock', (t) =>
    t.field({
      type: AdjustStockSuccess,
      args: { input: t.arg({ type: AdjustStockInput }) },
      resolve: async (_root, { input }) => ({
        id: await floor.adjustStock({ ...input, itemId: String(input.itemId) }),
      }),
    }),
  );
  const yoga = createYoga({ schema: builder.toSchema(), logging: false, landingPage: false, graphiql: false });
  return createServer((request, response) => void yoga(request, response));
}
