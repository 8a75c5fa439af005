import type { OperationName } from './operations.js';

type Nodes<T> = { nodes: T[] };
const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());
const edges = <T, U>(connection: Nodes<T>, node: (value: T) => U) => ({
  edges: connection.nodes.map((value) => ({ node: node(value) })),
});

/**
 * PostGraphile keeps PostgreSQL's lower-case enum values and offers conditions only on indexed
 * columns (so not deleted_at: the benchmark data deletes nothing).
 *
 * The reference operations as a PostGraphile client writes them against its generated schema
 * (plus bench/postgraphile-setup.sql), and how each answer maps onto OpsGraph's, to compare them.
 */
export const postgraphileOperations: Record<OperationName, { document: string; toOpsGraph: (data: any) => unknown }> = {
  dashboard: {
    document: /* GraphQL */ `
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
    toOpsGraph: (data) => ({
      organisation: { summary: data.summary.nodes[0] },
      overdue: edges(data.overdue, (e: any) => ({ name: e.name, nextMaintenanceAt: iso(e.nextMaintenanceAt) })),
      lowStock: edges(data.lowStock, (item: any) => item),
    }),
  },
  deepList: {
    document: /* GraphQL */ `
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
    toOpsGraph: (data) => ({
      equipment: edges(data.allAssetsEquipments, (e: any) => ({
        name: e.name,
        maintenanceRecords: edges(e.assetsMaintenanceRecordsByEquipmentId, (record: any) => ({
          maintenanceDate: iso(record.maintenanceDate),
          performedBy: {
            name: record.userByPerformedBy.name,
            roles: record.userByPerformedBy.userRolesByUserId.nodes.map((assignment: any) => ({
              name: assignment.roleByRoleId.name.toUpperCase(),
            })),
          },
        })),
      })),
    }),
  },
  filteredPage: {
    document: /* GraphQL */ `
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
    toOpsGraph: (data) => ({
      equipment: edges(data.allAssetsEquipments, (e: any) => ({ ...e, status: e.status.toUpperCase() })),
    }),
  },
  nodeLookup: {
    document: /* GraphQL */ `
      query nodeLookup($id: UUID!) {
        assetsEquipmentByRowId(rowId: $id) {
          name
          serialNumber
          status
        }
      }
    `,
    toOpsGraph: (data) => ({
      node: { ...data.assetsEquipmentByRowId, status: data.assetsEquipmentByRowId.status.toUpperCase() },
    }),
  },
  adjustStock: {
    document: /* GraphQL */ `
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
    toOpsGraph: (data) => ({
      adjustStock: {
        inventoryItem: {
          sku: data.createInventoryStockMovement.inventoryStockMovement.inventoryInventoryItemByItemId.sku,
        },
      },
    }),
  },
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
