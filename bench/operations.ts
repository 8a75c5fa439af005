/** The month whose timesheet the timesheet operation reads (bench/generate.ts clocks its weeks). */
export const TIMESHEET_MONTH = { from: '2026-11-01', to: '2026-11-30' };

/** The six reference operations a real client sends, as GraphQL documents for OpsGraph. */
export const operations = {
  dashboard: {
    document: /* GraphQL */ `
      query dashboard {
        organisation {
          summary {
            equipmentCount
            overdueEquipmentCount
            lowStockItemCount
            openPurchaseOrderCount
          }
        }
        overdue: equipment(first: 10, filter: { overdue: true }, orderBy: NEXT_MAINTENANCE_ASC) {
          edges {
            node {
              name
              nextMaintenanceAt
            }
          }
        }
        lowStock: inventoryItems(first: 10, filter: { lowStock: true }, orderBy: SKU_ASC) {
          edges {
            node {
              sku
              qty
              minQty
            }
          }
        }
      }
    `,
  },
  deepList: {
    document: /* GraphQL */ `
      query deepList {
        equipment(first: 20) {
          edges {
            node {
              name
              maintenanceRecords(first: 10) {
                edges {
                  node {
                    maintenanceDate
                    performedBy {
                      name
                      roles {
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
  },
  filteredPage: {
    document: /* GraphQL */ `
      query filteredPage($after: String!) {
        equipment(first: 20, after: $after, filter: { status: [ACTIVE] }, orderBy: NAME_ASC) {
          edges {
            node {
              name
              serialNumber
              status
            }
          }
        }
      }
    `,
  },
  nodeLookup: {
    document: /* GraphQL */ `
      query nodeLookup($id: ID!) {
        node(id: $id) {
          ... on Equipment {
            name
            serialNumber
            status
          }
        }
      }
    `,
  },
  adjustStock: {
    document: /* GraphQL */ `
      mutation adjustStock($itemId: ID!) {
        adjustStock(input: { itemId: $itemId, delta: 1 }) {
          ... on AdjustStockSuccess {
            inventoryItem {
              sku
            }
          }
        }
      }
    `,
  },
  timesheet: {
    document: /* GraphQL */ `
      query timesheet($userId: ID!) {
        timesheet(userId: $userId, from: "${TIMESHEET_MONTH.from}", to: "${TIMESHEET_MONTH.to}") {
          timeZone
          workedSeconds
          breakSeconds
          days {
            date
            workedSeconds
            breakSeconds
            overtimeSeconds
            approved
          }
          weeks {
            startDate
            endDate
            workedSeconds
            overtimeSeconds
          }
        }
      }
    `,
  },
} as const;

export type OperationName = keyof typeof operations;
