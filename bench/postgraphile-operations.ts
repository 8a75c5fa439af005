import { TIMESHEET_MONTH, type OperationName } from './operations.js';

type Nodes<T> = { nodes: T[] };
const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());
const edges = <T, U>(connection: Nodes<T>, node: (value: T) => U) => ({
  edges: connection.nodes.map((value) => ({ node: node(value) })),
});
type Equipment = { name: string; serialNumber: string; status: string };

/** An operation whose answer has the shape T (as its document selects it), and its OpsGraph form. */
type Operation = { document: string; toOpsGraph: (data: unknown) => unknown };
const operation = <T>(document: string, toOpsGraph: (data: T) => unknown): Operation => ({
  document,
  toOpsGraph: (data) => toOpsGraph(data as T),
});

/**
 * PostGraphile keeps PostgreSQL's lower-case enum values and offers conditions only on indexed
 * columns (so not deleted_at: the benchmark data deletes nothing).
 *
 * The reference operations as a PostGraphile client writes them against its generated schema
 * (plus bench/postgraphile-setup.sql), and how each answer maps onto OpsGraph's, to compare them.
 */
export const postgraphileOperations: Record<OperationName, Operation> = {
  dashboard: operation(
    /* GraphQL */ `
      query dashboard($organisation: UUID!) {
        summary: benchDashboardSummary(organisation: $organisation) {
          nodes {
            equipmentCount
            overdueEquipmentCount
            lowStockItemCount
            openPurchaseOrderCount
          }
        }
        overdue: benchOverdueEquipment(organisation: $organisation, first: 10) {
          nodes {
            name
            nextMaintenanceAt
          }
        }
        lowStock: benchLowStockItems(organisation: $organisation, first: 10) {
          nodes {
            sku
            qty
            minQty
          }
        }
      }
    `,
    (data: {
      summary: Nodes<Record<string, number>>;
      overdue: Nodes<{ name: string; nextMaintenanceAt: string | null }>;
      lowStock: Nodes<{ sku: string; qty: number; minQty: number }>;
    }) => ({
      organisation: { summary: data.summary.nodes[0] },
      overdue: edges(data.overdue, (e) => ({ name: e.name, nextMaintenanceAt: iso(e.nextMaintenanceAt) })),
      lowStock: edges(data.lowStock, (item) => item),
    }),
  ),
  deepList: operation(
    /* GraphQL */ `
      query deepList($organisation: UUID!) {
        allAssetsEquipments(
          first: 20
          condition: { organisationId: $organisation }
          orderBy: [NAME_ASC, PRIMARY_KEY_ASC]
        ) {
          nodes {
            name
            assetsMaintenanceRecordsByEquipmentId(first: 10, orderBy: [MAINTENANCE_DATE_DESC, PRIMARY_KEY_DESC]) {
              nodes {
                maintenanceDate
                userByPerformedBy {
                  name
                  userRolesByUserId {
                    nodes {
                      roleByRoleId {
                        name
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    `,
    (data: {
      allAssetsEquipments: Nodes<{
        name: string;
        assetsMaintenanceRecordsByEquipmentId: Nodes<{
          maintenanceDate: string | null;
          userByPerformedBy: { name: string; userRolesByUserId: Nodes<{ roleByRoleId: { name: string } }> };
        }>;
      }>;
    }) => ({
      equipment: edges(data.allAssetsEquipments, (e) => ({
        name: e.name,
        maintenanceRecords: edges(e.assetsMaintenanceRecordsByEquipmentId, (record) => ({
          maintenanceDate: iso(record.maintenanceDate),
          performedBy: {
            name: record.userByPerformedBy.name,
            roles: record.userByPerformedBy.userRolesByUserId.nodes.map((assignment) => ({
              name: assignment.roleByRoleId.name.toUpperCase(),
            })),
          },
        })),
      })),
    }),
  ),
  filteredPage: operation(
    /* GraphQL */ `
      query filteredPage($organisation: UUID!, $after: Cursor!) {
        allAssetsEquipments(
          first: 20
          after: $after
          condition: { organisationId: $organisation, status: active }
          orderBy: [NAME_ASC, PRIMARY_KEY_ASC]
        ) {
          nodes {
            name
            serialNumber
            status
          }
        }
      }
    `,
    (data: { allAssetsEquipments: Nodes<Equipment> }) => ({
      equipment: edges(data.allAssetsEquipments, (e) => ({ ...e, status: e.status.toUpperCase() })),
    }),
  ),
  nodeLookup: operation(
    /* GraphQL */ `
      query nodeLookup($id: UUID!) {
        assetsEquipmentByRowId(rowId: $id) {
          name
          serialNumber
          status
        }
      }
    `,
    (data: { assetsEquipmentByRowId: Equipment }) => ({
      node: { ...data.assetsEquipmentByRowId, status: data.assetsEquipmentByRowId.status.toUpperCase() },
    }),
  ),
  adjustStock: operation(
    /* GraphQL */ `
      mutation adjustStock($itemId: UUID!) {
        createInventoryStockMovement(
          input: { inventoryStockMovement: { itemId: $itemId, delta: 1, reason: adjustment } }
        ) {
          inventoryStockMovement {
            inventoryInventoryItemByItemId {
              sku
            }
          }
        }
      }
    `,
    (data: {
      createInventoryStockMovement: { inventoryStockMovement: { inventoryInventoryItemByItemId: { sku: string } } };
    }) => ({
      adjustStock: {
        inventoryItem: {
          sku: data.createInventoryStockMovement.inventoryStockMovement.inventoryInventoryItemByItemId.sku,
        },
      },
    }),
  ),
  timesheet: operation(
    /* GraphQL */ `
      query timesheet($organisation: UUID!, $user: UUID!) {
        totals: benchTimesheet(organisation: $organisation, person: $user, firstDay: "${TIMESHEET_MONTH.from}", lastDay: "${TIMESHEET_MONTH.to}") {
          nodes {
            timeZone
            workedSeconds
            breakSeconds
          }
        }
        days: benchTimesheetDays(organisation: $organisation, person: $user, firstDay: "${TIMESHEET_MONTH.from}", lastDay: "${TIMESHEET_MONTH.to}") {
          nodes {
            date
            workedSeconds
            breakSeconds
            overtimeSeconds
            approved
          }
        }
        weeks: benchTimesheetWeeks(organisation: $organisation, person: $user, firstDay: "${TIMESHEET_MONTH.from}", lastDay: "${TIMESHEET_MONTH.to}") {
          nodes {
            startDate
            endDate
            workedSeconds
            overtimeSeconds
          }
        }
      }
    `,
    (data: {
      totals: Nodes<{ timeZone: string; workedSeconds: number; breakSeconds: number }>;
      days: Nodes<Record<string, unknown>>;
      weeks: Nodes<Record<string, unknown>>;
    }) => ({
      timesheet: data.totals.nodes[0]
        ? { ...data.totals.nodes[0], days: data.days.nodes, weeks: data.weeks.nodes }
        : null,
    }),
  ),
};

/** The PostGraphile cursor after the first $count rows of the filtered page's ordering. */
export const postgraphileCursorQuery = /* GraphQL */ `
  query cursorAfter($organisation: UUID!, $count: Int!) {
    allAssetsEquipments(
      first: $count
      condition: { organisationId: $organisation, status: active }
      orderBy: [NAME_ASC, PRIMARY_KEY_ASC]
    ) {
      pageInfo {
        endCursor
      }
    }
  }
`;
