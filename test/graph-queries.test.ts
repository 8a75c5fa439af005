import { beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './generated/index.js';
import type { EquipmentFilter, EquipmentOrder } from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, execute, globalId, otherOrganisation } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let rival: Awaited<ReturnType<typeof otherOrganisation>>;

beforeAll(async () => {
  people = await demo(database);
  rival = await otherOrganisation(database);
  await database.db.equipment.create({
    data: {
      organisationId: rival.organisationId,
      name: 'Rival Forklift',
      category: 'VEHICLE',
      serialNumber: 'FL20-0413',
    },
  });
});

describe('the organisation and its relations', () => {
  it('walks from the organisation down to roles and back up', async () => {
    const result = await data(
      graphql(/* GraphQL */ `
        query GraphOrganisationWalk {
          organisation {
            name
            summary {
              userCount
              equipmentCount
              overdueEquipmentCount
              inventoryItemCount
              lowStockItemCount
              openPurchaseOrderCount
            }
            equipment(first: 2, filter: { search: "forklift" }) {
              totalCount
              edges {
                node {
                  name
                  createdBy {
                    name
                  }
                  organisation {
                    name
                  }
                  maintenanceRecords(first: 1) {
                    totalCount
                    edges {
                      node {
                        performedBy {
                          name
                          roles {
                            name
                          }
                        }
                        equipment {
                          name
                        }
                      }
                    }
                  }
                }
              }
            }
            users(first: 50) {
              totalCount
            }
            suppliers(first: 10) {
              totalCount
            }
            purchaseOrders(first: 10) {
              totalCount
            }
            inventoryItems(first: 10) {
              totalCount
            }
          }
        }
      `),
      {},
      { as: people.admin },
    );
    const organisation = result.organisation;
    expect(organisation.name).toBe('Harbour Works Ltd');
    expect(organisation.summary).toEqual({
      userCount: 6,
      equipmentCount: 10,
      overdueEquipmentCount: 3,
      inventoryItemCount: 6,
      lowStockItemCount: 2,
      openPurchaseOrderCount: 4,
    });
    expect(organisation.equipment.totalCount).toBe(2);
    const forklift = organisation.equipment.edges[0]!.node;
    expect(forklift).toMatchObject({
      name: 'Forklift FL-20',
      createdBy: { name: 'Marek Nowak' },
      organisation: { name: 'Harbour Works Ltd' },
    });
    expect(forklift.maintenanceRecords.totalCount).toBe(4);
    expect(forklift.maintenanceRecords.edges[0]?.node).toMatchObject({
      performedBy: { name: 'Nina Petrova', roles: [{ name: 'WORKER' }] },
      equipment: { name: 'Forklift FL-20' },
    });
    expect(organisation.users.totalCount).toBe(7);
    expect(organisation.suppliers.totalCount).toBe(3);
    expect(organisation.purchaseOrders.totalCount).toBe(7);
    expect(organisation.inventoryItems.totalCount).toBe(6);
  });

  it('follows purchasing provenance in both directions', async () => {
    const result = await data(
      graphql(/* GraphQL */ `
        query GraphProvenance {
          purchaseOrders(first: 10, filter: { status: [RECEIVED] }) {
            edges {
              node {
                number
                supplier {
                  name
                }
                createdBy {
                  name
                }
                lines {
                  quantity
                  unitPrice
                  item {
                    sku
                  }
                  batch {
                    code
                  }
                }
                createdBatches(first: 5) {
                  edges {
                    node {
                      code
                      item {
                        sku
                      }
                      creationEvent {
                        sourcePurchaseOrder {
                          number
                        }
                        purchaseOrderLine {
                          quantity
                        }
                      }
                    }
                  }
                }
              }
            }
          }
          draft: purchaseOrders(first: 1, filter: { status: [DRAFT] }) {
            edges {
              node {
                number
                allocatedBatch {
                  code
                  allocatedTo(first: 5) {
                    edges {
                      node {
                        number
                      }
                    }
                  }
                }
              }
            }
          }
        }
      `),
      {},
      { as: people.manager },
    );
    const received = result.purchaseOrders.edges.map((edge) => edge.node);
    expect(received.map((order) => order.number)).toEqual(['PO-2026-0004', 'PO-2026-0003']);
    const latest = received[0]!;
    expect(latest.lines).toEqual([
      { quantity: 4, unitPrice: '42', item: { sku: 'AED-PAD-ADL' }, batch: { code: 'PO-2026-0004-1' } },
      { quantity: 30, unitPrice: '3.1', item: { sku: 'PPE-GLV-M' }, batch: { code: 'PO-2026-0004-2' } },
    ]);
    expect(latest.createdBatches.edges.map((edge) => edge.node)).toEqual([
      {
        code: 'PO-2026-0004-1',
        item: { sku: 'AED-PAD-ADL' },
        creationEvent: { sourcePurchaseOrder: { number: 'PO-2026-0004' }, purchaseOrderLine: { quantity: 4 } },
      },
      {
        code: 'PO-2026-0004-2',
        item: { sku: 'PPE-GLV-M' },
        creationEvent: { sourcePurchaseOrder: { number: 'PO-2026-0004' }, purchaseOrderLine: { quantity: 30 } },
      },
    ]);
    expect(result.draft.edges[0]?.node).toEqual({
      number: 'PO-2026-0008',
      allocatedBatch: { code: 'PO-2026-0003-1', allocatedTo: { edges: [{ node: { number: 'PO-2026-0008' } }] } },
    });
  });

  it('shows inventory with its ledger, batches and responsible user', async () => {
    const result = await data(
      graphql(/* GraphQL */ `
        query GraphInventory {
          inventoryItems(first: 10, filter: { lowStock: true }) {
            totalCount
            edges {
              node {
                sku
                qty
                minQty
                isLowStock
                responsibleUser {
                  name
                  responsibleItems(first: 1) {
                    totalCount
                  }
                }
                movements(first: 10) {
                  totalCount
                  edges {
                    node {
                      delta
                      reason
                      performedBy {
                        name
                      }
                    }
                  }
                }
              }
            }
          }
          byLocation: inventoryItems(first: 10, filter: { location: "Stores A1" }) {
            edges {
              node {
                sku
                batches(first: 5) {
                  totalCount
                  edges {
                    node {
                      code
                      quantity
                    }
                  }
                }
              }
            }
          }
        }
      `),
      {},
      { as: people.worker },
    );
    expect(result.inventoryItems.totalCount).toBe(2);
    const items = result.inventoryItems.edges.map((edge) => edge.node);
    expect(items.map((item) => [item.sku, item.qty, item.minQty, item.isLowStock])).toEqual([
      ['OIL-HYD-20L', 2, 2, true],
      ['DRL-BIT-SET', 5, 6, true],
    ]);
    for (const item of items) {
      const ledger = item.movements.edges.reduce((sum, edge) => sum + edge.node.delta, 0);
      expect(ledger).toBe(item.qty);
    }
    expect(items[0]?.responsibleUser).toEqual({ name: 'Esi Mensah', responsibleItems: { totalCount: 6 } });
    expect(result.byLocation.edges[0]?.node).toEqual({
      sku: 'FLT-AIR-500',
      batches: { totalCount: 1, edges: [{ node: { code: 'PO-2026-0003-1', quantity: 8 } }] },
    });
  });
});

describe('filters, ordering and derived fields', () => {
  const equipmentNames = async (filter?: EquipmentFilter, orderBy?: EquipmentOrder) => {
    const result = await data(
      graphql(/* GraphQL */ `
        query GraphEquipmentNames($filter: EquipmentFilter, $orderBy: EquipmentOrder) {
          equipment(first: 50, filter: $filter, orderBy: $orderBy) {
            totalCount
            edges {
              node {
                name
              }
            }
          }
        }
      `),
      { filter, orderBy },
      { as: people.admin },
    );
    return result.equipment.edges.map((edge) => edge.node.name);
  };

  it('filters equipment by status, category, name and overdue maintenance', async () => {
    expect(await equipmentNames({ status: ['RETIRED'] })).toEqual(['Pallet Jack PJ-2']);
    expect(await equipmentNames({ category: ['VEHICLE', 'MEDICAL'] })).toEqual([
      'Defibrillator AED Plus',
      'Forklift FL-20',
      'Forklift FL-25',
    ]);
    expect(await equipmentNames({ search: 'AC-5' })).toEqual(['Air Compressor AC-500']);
    expect(await equipmentNames({ overdue: true })).toEqual([
      'Air Compressor AC-500',
      'Forklift FL-25',
      'Torque Wrench TW-300',
    ]);
    expect(await equipmentNames({ overdue: false })).toHaveLength(7);
    expect((await equipmentNames(undefined, 'NAME_DESC'))[0]).toBe('Torque Wrench TW-300');
    expect((await equipmentNames(undefined, 'NEXT_MAINTENANCE_ASC'))[0]).toBe('Torque Wrench TW-300');
  });

  it('computes maintenance count, last maintenance and overdue per equipment', async () => {
    const result = await data(
      graphql(/* GraphQL */ `
        query GraphDerivedFields {
          equipment(first: 50) {
            edges {
              node {
                name
                maintenanceCount
                lastMaintenanceAt
                isOverdue
                maintenanceRecords(first: 1) {
                  edges {
                    node {
                      maintenanceDate
                    }
                  }
                }
              }
            }
          }
        }
      `),
      {},
      { as: people.admin },
    );
    const byName = Object.fromEntries(result.equipment.edges.map((edge) => [edge.node.name, edge.node]));
    expect(byName['Air Compressor AC-500']).toMatchObject({ maintenanceCount: 5, isOverdue: true });
    expect(byName['Air Compressor AC-500']?.lastMaintenanceAt).toBe(
      byName['Air Compressor AC-500']?.maintenanceRecords.edges[0]?.node.maintenanceDate,
    );
    expect(byName['Diagnostics Laptop']).toMatchObject({
      maintenanceCount: 0,
      lastMaintenanceAt: null,
      isOverdue: false,
    });
    expect(byName['Pallet Jack PJ-2']).toMatchObject({ maintenanceCount: 1, isOverdue: false });
  });

  it('filters purchase orders by status and date, and maintenance by date range', async () => {
    const orders = await data(
      graphql(/* GraphQL */ `
        query GraphRecentOrders($from: DateTime!) {
          purchaseOrders(first: 10, filter: { status: [DRAFT, SUBMITTED], ordered: { from: $from } }) {
            edges {
              node {
                number
                status
              }
            }
          }
        }
      `),
      { from: new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString() },
      { as: people.admin },
    );
    expect(orders.purchaseOrders.edges.map((edge) => edge.node)).toEqual([
      { number: 'PO-2026-0008', status: 'DRAFT' },
      { number: 'PO-2026-0007', status: 'DRAFT' },
    ]);
    const all = await data(
      graphql(/* GraphQL */ `
        query GraphRecordCount {
          maintenanceRecords(first: 1) {
            totalCount
          }
        }
      `),
      {},
      { as: people.admin },
    );
    const recent = await data(
      graphql(/* GraphQL */ `
        query GraphRecentRecords($from: DateTime!) {
          maintenanceRecords(first: 100, between: { from: $from }) {
            totalCount
            edges {
              node {
                maintenanceDate
              }
            }
          }
        }
      `),
      { from: new Date(Date.now() - 100 * 24 * 3600 * 1000).toISOString() },
      { as: people.admin },
    );
    expect(recent.maintenanceRecords.totalCount).toBeGreaterThan(0);
    expect(recent.maintenanceRecords.totalCount).toBeLessThan(all.maintenanceRecords.totalCount);
    const dates = recent.maintenanceRecords.edges.map((edge) => edge.node.maintenanceDate);
    expect([...dates].sort().reverse()).toEqual(dates);
  });
});

describe('pagination', () => {
  it('pages forwards and backwards with cursors, in a stable order', async () => {
    const page = async (args: { first?: number; after?: string | null; last?: number; before?: string | null }) =>
      (
        await data(
          graphql(/* GraphQL */ `
            query GraphEquipmentPage($first: Int, $after: String, $last: Int, $before: String) {
              equipment(first: $first, after: $after, last: $last, before: $before) {
                edges {
                  cursor
                  node {
                    name
                  }
                }
                pageInfo {
                  hasNextPage
                  hasPreviousPage
                  startCursor
                  endCursor
                }
              }
            }
          `),
          args,
          { as: people.admin },
        )
      ).equipment;
    const names = (connection: Awaited<ReturnType<typeof page>>) => connection.edges.map((edge) => edge.node.name);
    const all = names(await page({ first: 10 }));
    const first = await page({ first: 4 });
    expect(names(first)).toEqual(all.slice(0, 4));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page({ first: 4, after: first.pageInfo.endCursor });
    expect(names(second)).toEqual(all.slice(4, 8));
    const back = await page({ last: 2, before: second.pageInfo.startCursor });
    expect(names(back)).toEqual(all.slice(2, 4));
  });

  it("pages a row's related list with its edges' cursors, and gives no cursor for an empty page", async () => {
    const [busiest] = await database.db.$queryRaw<{ id: string }[]>`
      SELECT equipment_id AS id FROM assets.maintenance_records GROUP BY equipment_id ORDER BY count(*) DESC LIMIT 1`;
    const page = async (first: number, after: string | null) => {
      const { node } = await data(
        graphql(/* GraphQL */ `
          query GraphRecordsPage($id: ID!, $first: Int!, $after: String) {
            node(id: $id) {
              ... on Equipment {
                maintenanceRecords(first: $first, after: $after) {
                  edges {
                    cursor
                    node {
                      id
                    }
                  }
                  pageInfo {
                    hasNextPage
                    startCursor
                    endCursor
                  }
                }
              }
            }
          }
        `),
        { id: globalId('Equipment', busiest!.id), first, after },
        { as: people.admin },
      );
      if (!node || !('maintenanceRecords' in node)) throw new Error(`no equipment ${busiest!.id}`);
      return node.maintenanceRecords;
    };
    const whole = await page(100, null);
    const all = whole.edges.map((edge) => edge.node.id);
    expect(all.length).toBeGreaterThan(2);
    const paged: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { edges, pageInfo } = await page(2, after);
      expect(pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      paged.push(...edges.map((edge) => edge.node.id));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(paged).toEqual(all);
    const past = await page(2, whole.pageInfo.endCursor);
    expect(past).toEqual({ edges: [], pageInfo: { hasNextPage: false, startCursor: null, endCursor: null } });
  });

  it('refuses a page larger than the maximum with a clear error', async () => {
    const result = await execute(
      graphql(/* GraphQL */ `
        query GraphPageTooLarge {
          equipment(first: 101) {
            edges {
              node {
                name
              }
            }
          }
        }
      `),
      {},
      { as: people.admin },
    );
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.message).toContain('first can be at most 100');
    const nested = await execute(
      graphql(/* GraphQL */ `
        query GraphNestedPageTooLarge {
          organisation {
            equipment(last: 500) {
              edges {
                node {
                  name
                }
              }
            }
          }
        }
      `),
      {},
      { as: people.admin },
    );
    expect(nested.errors?.[0]?.message).toContain('last can be at most 100');
  });

  it('answers a page asked only for its totalCount', async () => {
    const result = await data(
      graphql(/* GraphQL */ `
        query GraphTotalsOnly {
          roles {
            name
            users(first: 5) {
              totalCount
            }
          }
          purchaseOrders(first: 5) {
            edges {
              node {
                createdBatches(first: 5) {
                  totalCount
                }
              }
            }
          }
        }
      `),
      {},
      { as: people.admin },
    );
    expect(result.roles).toContainEqual({ name: 'ADMIN', users: { totalCount: 1 } });
    expect(result.purchaseOrders.edges.map((edge) => edge.node.createdBatches.totalCount)).toContain(2);
  });
});

describe('nodes and tenancy', () => {
  it('refetches any node by its global id', async () => {
    const listed = await data(
      graphql(/* GraphQL */ `
        query GraphFirstEquipmentAndViewer {
          equipment(first: 1) {
            edges {
              node {
                id
                name
              }
            }
          }
          viewer {
            id
          }
        }
      `),
      {},
      { as: people.admin },
    );
    const equipment = listed.equipment.edges[0]!.node;
    const viewer = listed.viewer!;
    const fetched = await data(
      graphql(/* GraphQL */ `
        query GraphNodes($ids: [ID!]!) {
          nodes(ids: $ids) {
            id
            ... on Equipment {
              name
            }
            ... on User {
              email
            }
          }
        }
      `),
      { ids: [equipment.id, viewer.id] },
      { as: people.admin },
    );
    expect(fetched.nodes).toEqual([
      { id: equipment.id, name: equipment.name },
      { id: viewer.id, email: 'ada@harbourworks.example' },
    ]);
  });

  it("treats another organisation's rows as missing: node is null, lists never include them", async () => {
    const foreign = await database.db.equipment.findFirstOrThrow({ where: { organisationId: rival.organisationId } });
    const result = await data(
      graphql(/* GraphQL */ `
        query GraphForeignNodes($id: ID!, $org: ID!, $user: ID!) {
          node(id: $id) {
            id
          }
          org: node(id: $org) {
            id
          }
          user: node(id: $user) {
            id
          }
          equipment(first: 50, filter: { search: "Rival" }) {
            totalCount
          }
        }
      `),
      {
        id: globalId('Equipment', foreign.id),
        org: globalId('Organisation', rival.organisationId),
        user: globalId('User', rival.admin),
      },
      { as: people.admin },
    );
    expect(result).toEqual({ node: null, org: null, user: null, equipment: { totalCount: 0 } });
    const theirs = await data(
      graphql(/* GraphQL */ `
        query GraphTheirEquipment {
          equipment(first: 5) {
            totalCount
            edges {
              node {
                name
                serialNumber
              }
            }
          }
        }
      `),
      {},
      { as: rival.admin },
    );
    expect(theirs.equipment).toEqual({
      totalCount: 1,
      edges: [{ node: { name: 'Rival Forklift', serialNumber: 'FL20-0413' } }],
    });
  });

  it('answers viewer-bound queries only for a signed-in viewer', async () => {
    const viewer = graphql(/* GraphQL */ `
      query GraphAnonymousViewer {
        viewer {
          id
        }
      }
    `);
    expect(await data(viewer)).toEqual({ viewer: null });
    const anonymous = await execute(
      graphql(/* GraphQL */ `
        query GraphAnonymousOrganisation {
          organisation {
            name
          }
        }
      `),
    );
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
