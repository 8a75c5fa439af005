import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kind, OperationTypeNode, parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import type { QueryEvent } from '../src/db.js';
import { createApp } from '../src/yoga.js';
import { backend } from './helpers/backend.js';
import { repoRoot } from './helpers/cli.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import {
  app,
  bearer,
  data,
  demo,
  expectTypename,
  globalId,
  graphql as sendString,
  respond,
  type GraphQLResponse,
  type TypedDocumentNode,
} from './helpers/graphql.js';

const database = useTestDatabase();
let admin: string;
let employee: string;
let worker: string;
let maintenanceRows: number;

const EXTRA_EQUIPMENT = 100;
const RECORDS_EACH = 40;

beforeAll(async () => {
  const people = await demo(database);
  admin = people.admin;
  employee = people.employee;
  worker = people.worker;
  await database.sql(
    `INSERT INTO assets.equipment (organisation_id, name, category, serial_number, created_by)
     SELECT $1, 'Bulk unit ' || lpad(g::text, 3, '0'), 'other', 'BULK-' || g, $2 FROM generate_series(1, ${EXTRA_EQUIPMENT}) g`,
    [people.organisationId, people.manager],
  );
  await database.sql(
    `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date)
     SELECT e.id, $1, now() - (g || ' days')::interval
     FROM assets.equipment e, generate_series(1, ${RECORDS_EACH}) g WHERE e.name LIKE 'Bulk unit %'`,
    [people.worker],
  );
  await database.sql('ANALYZE');
  const [{ n }] = (await database.sql<{ n: number }>(`SELECT count(*)::int AS n FROM assets.maintenance_records`)) as [
    { n: number },
  ];
  maintenanceRows = n;
});

type Cost = { statements: number; rowsRead: number; sql: string[] };

// Rows that scans fetched from tables and indexes (a bitmap heap scan's rows, not its index's twice).
function rowsReadBy(plan: {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: unknown[];
}): number {
  const type = plan['Node Type'];
  const own =
    /Scan/.test(type) && type !== 'Bitmap Index Scan' ? Math.round(plan['Actual Rows'] * plan['Actual Loops']) : 0;
  return own + (plan.Plans ?? []).reduce<number>((sum, child) => sum + rowsReadBy(child as typeof plan), 0);
}

const viewerId = graphql(/* GraphQL */ `
  query CostViewer {
    viewer {
      id
    }
  }
`);

/** Runs a query and measures what it cost the database: statements sent, and rows they read. */
async function measure<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<Cost & { result: R }> {
  const token = await bearer(admin);
  // Signed in already: the server may remember the session check (session-cache.ts).
  await data(viewerId, {}, { token });
  database.statements.length = 0;
  const result = await data(document, variables, { token });
  const sent: QueryEvent[] = [...database.statements];
  let rowsRead = 0;
  for (const statement of sent) {
    const [explained] = await database.sql<{ 'QUERY PLAN': [{ Plan: Parameters<typeof rowsReadBy>[0] }] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${statement.query}`,
      JSON.parse(statement.params) as unknown[],
    );
    rowsRead += rowsReadBy(explained!['QUERY PLAN'][0].Plan);
  }
  return { statements: sent.length, rowsRead, sql: sent.map((statement) => statement.query), result };
}

const deepQuery = graphql(/* GraphQL */ `
  query CostDeep($equipment: Int!, $records: Int!) {
    organisation {
      equipment(first: $equipment) {
        totalCount
        edges {
          node {
            name
            maintenanceCount
            lastMaintenanceAt
            maintenanceRecords(first: $records) {
              totalCount
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
  }
`);

describe('nested selections cost what the page costs', () => {
  it('organisation → equipment → maintenance records → performed by → roles: same statements at 5 and 50, rows read by the page', async () => {
    const small = await measure(deepQuery, { equipment: 5, records: 5 });
    const large = await measure(deepQuery, { equipment: 50, records: 20 });

    expect(small.result.organisation.equipment.edges).toHaveLength(5);
    expect(large.result.organisation.equipment.edges).toHaveLength(50);
    const bulk = large.result.organisation.equipment.edges.find((edge) => edge.node.name === 'Bulk unit 001')!.node;
    expect(bulk.maintenanceRecords.edges).toHaveLength(20);
    expect(bulk.maintenanceRecords.totalCount).toBe(RECORDS_EACH);
    expect(bulk.maintenanceCount).toBe(RECORDS_EACH);
    expect(bulk.maintenanceRecords.edges[0]?.node.performedBy).toEqual({
      name: 'Wes Carter',
      roles: [{ name: 'WORKER' }],
    });

    console.log(
      `[query cost] deep query: page 5x5 ${small.statements} statements, ${small.rowsRead} rows read; ` +
        `page 50x20 ${large.statements} statements, ${large.rowsRead} rows read; maintenance table ${maintenanceRows} rows`,
    );
    // The viewer lookup (unless remembered), the whole planned tree in one statement, one batched aggregate.
    expect(small.statements).toBe(large.statements);
    expect(large.statements).toBeLessThanOrEqual(3);
    // A page of 5 x 5 reads a fraction of the maintenance table; every row read serves the page.
    expect(small.rowsRead).toBeLessThan(maintenanceRows / 4);
    expect(large.rowsRead).toBeGreaterThan(small.rowsRead * 4);
    expect(small.sql.join('\n')).toMatch(/LEFT JOIN LATERAL/);
  });

  it('the dashboard: summary counts, overdue equipment and low stock in a bounded number of statements', async () => {
    const dashboard = graphql(/* GraphQL */ `
      query CostDashboard($n: Int!) {
        organisation {
          summary {
            equipmentCount
            overdueEquipmentCount
            lowStockItemCount
            openPurchaseOrderCount
          }
        }
        overdue: equipment(first: $n, filter: { overdue: true }, orderBy: NEXT_MAINTENANCE_ASC) {
          totalCount
          edges {
            node {
              name
              nextMaintenanceAt
              lastMaintenanceAt
              createdBy {
                name
              }
            }
          }
        }
        lowStock: inventoryItems(first: $n, filter: { lowStock: true }) {
          totalCount
          edges {
            node {
              sku
              qty
              minQty
              responsibleUser {
                name
              }
              movements(first: 3) {
                edges {
                  node {
                    delta
                  }
                }
              }
            }
          }
        }
      }
    `);
    const small = await measure(dashboard, { n: 5 });
    const large = await measure(dashboard, { n: 50 });
    console.log(`[query cost] dashboard: ${small.statements} statements at 5, ${large.statements} at 50`);
    expect(small.statements).toBe(large.statements);
    expect(large.statements).toBeLessThanOrEqual(8);
  });

  it("the organisation's summary alone reads no organisation row; asking for its name does", async () => {
    const organisationReads = (cost: Cost) => cost.sql.filter((sql) => sql.includes('"auth"."organisations"')).length;
    const summaryOnly = await measure(
      graphql(/* GraphQL */ `
        query CostSummaryOnly {
          organisation {
            summary {
              equipmentCount
            }
          }
        }
      `),
      {},
    );
    const withName = await measure(
      graphql(/* GraphQL */ `
        query CostSummaryWithName {
          organisation {
            name
            summary {
              equipmentCount
            }
          }
        }
      `),
      {},
    );
    expect(organisationReads(summaryOnly)).toBe(0);
    expect(organisationReads(withName)).toBe(1);
    expect(summaryOnly.result.organisation.summary).toEqual(withName.result.organisation.summary);
    expect(withName.result.organisation.name).toEqual(expect.any(String));
    expect(summaryOnly.result.organisation.summary.equipmentCount).toBeGreaterThan(0);
  });

  it('the summary computes only the counts selected, through fragments too', async () => {
    const all = await measure(
      graphql(/* GraphQL */ `
        query CostAllCounts {
          organisation {
            summary {
              userCount
              equipmentCount
              overdueEquipmentCount
              inventoryItemCount
              lowStockItemCount
              openPurchaseOrderCount
            }
          }
        }
      `),
      {},
    );
    const some = await measure(
      graphql(/* GraphQL */ `
        query CostSomeCounts {
          organisation {
            summary {
              equipmentCount
              ... on OrganisationSummary {
                lowStockItemCount
              }
              ...CostOrders
            }
          }
        }

        fragment CostOrders on OrganisationSummary {
          openPurchaseOrderCount
        }
      `),
      {},
    );
    const typename = await measure(
      graphql(/* GraphQL */ `
        query CostTypenameOnly {
          organisation {
            summary {
              __typename
            }
          }
        }
      `),
      {},
    );
    const summarySql = (cost: Cost) => cost.sql.find((sql) => sql.includes('FROM auth.organisations o'))!;
    expect(summarySql(all).match(/count\(\*\)/g)).toHaveLength(6);
    expect(summarySql(some).match(/count\(\*\)/g)).toHaveLength(3);
    expect(summarySql(typename)).not.toContain('count(*)');
    const { equipmentCount, lowStockItemCount, openPurchaseOrderCount } = all.result.organisation.summary;
    expect(some.result.organisation.summary).toEqual({ equipmentCount, lowStockItemCount, openPurchaseOrderCount });
    expect(typename.result.organisation.summary).toEqual({ __typename: 'OrganisationSummary' });
  });

  it('a signed-in request checks its session once; later ones are remembered on PostgreSQL (embedded: every time)', async () => {
    // A user no other test here signs in as, so that their session has not been checked yet.
    const token = await bearer(employee);
    const statementsFor = async () => {
      database.statements.length = 0;
      await data(viewerId, {}, { token });
      return database.statements.map((statement) => statement.query);
    };
    const first = await statementsFor();
    const second = await statementsFor();
    const sessionChecks = (sql: string[]) => sql.filter((query) => query.includes('"auth"."sessions"')).length;
    expect(sessionChecks(first)).toBe(1);
    expect(sessionChecks(second)).toBe(backend === 'postgres' ? 0 : 1);
  });
});

// The documents below probe the cost limit, most of them to be refused: strings, as an attacker writes them.
const costly = (result: GraphQLResponse) => {
  expect(result.data ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', maxCost: 25_000 });
  return result.errors![0]!.extensions!.cost as number;
};

// The issue's reproduction: a worker's 1.6 KB query, once costed 15,502 and accepted.
const workerAttack = /* GraphQL */ `
  query ($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Equipment {
        maintenanceRecords(first: 100) {
          edges {
            node {
              id
              performedBy {
                maintenanceRecordsPerformed(first: 50) {
                  edges {
                    node {
                      id
                      notes
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

describe('the cost limit counts the query as it will run', () => {
  let equipmentId: string;

  beforeAll(async () => {
    const [unit] = (await database.sql<{ id: string }>(
      `SELECT id FROM assets.equipment WHERE name = 'Bulk unit 001'`,
    )) as [{ id: string }];
    equipmentId = globalId('Equipment', unit.id);
  });

  it("nodes(ids:) counts every id: the worker's query with one id runs, with the same id 20 times it is refused", async () => {
    type Nodes = { nodes: { maintenanceRecords: { edges: unknown[] } }[] };
    const one = await data<Nodes>(workerAttack, { ids: [equipmentId] }, { as: worker });
    expect(one.nodes[0]?.maintenanceRecords.edges).toHaveLength(RECORDS_EACH);

    const cost = costly(await sendString(workerAttack, { ids: Array(20).fill(equipmentId) }, { as: worker }));
    expect(cost).toBeGreaterThan(20 * 100 * 50);
  });

  it('a plain list counts its declared size: 50 orders × 200 lines × 100 movements is refused', async () => {
    const query = /* GraphQL */ `
      {
        purchaseOrders(first: 50) {
          edges {
            node {
              number
              lines {
                quantity
                item {
                  movements(first: 100) {
                    edges {
                      node {
                        delta
                        reason
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    `;
    expect(costly(await sendString(query, {}, { as: employee }))).toBeGreaterThan(50 * 200 * 100);
  });

  it('a connection whose edges sit in a fragment counts its page (20 without first), as written inline', async () => {
    const record = 'id notes maintenanceDate performedBy { name roles { name description } }';
    const inline = `{ equipment(first: 100) { edges { node { maintenanceRecords { edges { node { ${record} } } } } } } }`;
    const fragments = /* GraphQL */ `
      {
        equipment(first: 100) {
          ...EquipmentPage
        }
      }
      fragment EquipmentPage on QueryEquipmentConnection {
        ... on QueryEquipmentConnection {
          edges {
            node {
              maintenanceRecords {
                ...RecordPage
              }
            }
          }
        }
      }
      fragment RecordPage on EquipmentMaintenanceRecordsConnection {
        edges {
          node {
            ${record}
          }
        }
      }
    `;
    const expected = costly(await sendString(inline, {}, { as: admin }));
    expect(costly(await sendString(fragments, {}, { as: admin }))).toBe(expected);
  });

  it('variables and their defaults apply: $n = 100 is refused unless the request asks for less', async () => {
    const query = /* GraphQL */ `
      query ($n: Int = 100) {
        equipment(first: $n) {
          edges {
            node {
              id
              maintenanceRecords(first: $n) {
                edges {
                  node {
                    id
                    notes
                  }
                }
              }
            }
          }
        }
      }
    `;
    costly(await sendString(query, {}, { as: admin }));
    const small = await data<{ equipment: { edges: unknown[] } }>(query, { n: 5 }, { as: admin });
    expect(small.equipment.edges).toHaveLength(5);
  });

  it('an abstract selection costs its costliest member, and skipped fields nothing', async () => {
    const query = /* GraphQL */ `
      query ($ids: [ID!]!, $skip: Boolean!) {
        nodes(ids: $ids) @skip(if: $skip) {
          ... on User {
            name
          }
          ... on Equipment {
            maintenanceRecords(first: 100) {
              edges {
                node {
                  id
                  notes
                  performedBy {
                    name
                  }
                }
              }
            }
          }
        }
        viewer {
          id
        }
      }
    `;
    const ids = Array.from({ length: 50 }, (_, index) => globalId('Equipment', String(index)));
    // nodes: 1 + 50 × Equipment's 502 (maintenanceRecords 1 + edges 1 + 100 × 5); viewer { id }: 2.
    expect(costly(await sendString(query, { ids, skip: false }, { as: admin }))).toBe(1 + 50 * 502 + 2);
    const skipped = await data<{ viewer: { id: string } }>(query, { ids, skip: true }, { as: admin });
    expect(skipped.viewer.id).toEqual(expect.any(String));
  });

  it('holds a list to its declared size: at most 100 validation issues', async () => {
    const [{ supplier, item }] = (await database.sql<{ supplier: string; item: string }>(
      `SELECT (SELECT id FROM procurement.suppliers LIMIT 1) AS supplier, (SELECT id FROM inventory.inventory_items LIMIT 1) AS item`,
    )) as [{ supplier: string; item: string }];
    const lines = Array.from({ length: 150 }, () => ({
      itemId: globalId('InventoryItem', item),
      quantity: 0,
      unitPrice: '1',
    }));
    const result = await data(
      graphql(/* GraphQL */ `
        mutation CostManyLines($input: CreatePurchaseOrderInput!) {
          createPurchaseOrder(input: $input) {
            __typename
            ... on InputValidationError {
              message
              issues {
                path
                message
              }
            }
          }
        }
      `),
      { input: { number: 'PO-MANY', supplierId: globalId('Supplier', supplier), lines } },
      { as: admin },
    );
    const invalid = expectTypename(result.createPurchaseOrder, 'InputValidationError');
    expect(invalid.message).toContain('input.lines.149.quantity');
    expect(invalid.issues).toHaveLength(100);
    expect(invalid.issues[0]?.path).toEqual(['input', 'lines', '0', 'quantity']);
  });

  it('accepts the example operations (the dashboard among them) as they are sent, with their defaults', async () => {
    const dir = join(repoRoot, 'operations');
    let queries = 0;
    for (const file of (await readdir(dir)).filter((name) => name.endsWith('.graphql'))) {
      const source = await readFile(join(dir, file), 'utf8');
      for (const definition of parse(source).definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== OperationTypeNode.QUERY) continue;
        const required = definition.variableDefinitions?.some((variable) => variable.type.kind === Kind.NON_NULL_TYPE);
        if (required) continue;
        queries++;
        const response = await app.fetch('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await bearer(admin)}` },
          body: JSON.stringify({ query: source, operationName: definition.name!.value }),
        });
        const result = (await response.json()) as GraphQLResponse;
        expect({ operation: definition.name!.value, errors: result.errors }).toEqual({
          operation: definition.name!.value,
          errors: undefined,
        });
      }
    }
    expect(queries).toBeGreaterThanOrEqual(4);
  });
});

describe('the load guard ends a request that loads too much, whatever its cost', () => {
  const limits = testConfig().limits;
  const appWith = (overrides: Partial<typeof limits>) => {
    const guarded = createApp(testConfig({ limits: { ...limits, ...overrides } }));
    return async <R>(document: TypedDocumentNode<R, Record<string, never>>) => {
      const { status, headers, result } = await respond(document, {}, { app: guarded, as: admin });
      return { status, retryAfter: headers.get('retry-after'), ...result };
    };
  };
  // Within the cost limit (about 6,000 fields), but 100 equipment with 20 records each: about 250 kB of rows.
  const heavy = graphql(/* GraphQL */ `
    query CostHeavy {
      equipment(first: 100, filter: { search: "Bulk unit" }) {
        edges {
          node {
            id
            name
            maintenanceRecords(first: 20) {
              edges {
                node {
                  id
                  notes
                  maintenanceDate
                }
              }
            }
          }
        }
      }
    }
  `);
  // About 5 kB of rows.
  const medium = graphql(/* GraphQL */ `
    query CostMedium {
      equipment(first: 100, filter: { search: "Bulk unit" }) {
        edges {
          node {
            id
            name
          }
        }
      }
    }
  `);
  const light = graphql(/* GraphQL */ `
    query CostLight {
      equipment(first: 5) {
        edges {
          node {
            id
            name
          }
        }
      }
    }
  `);

  it('answers RESPONSE_TOO_LARGE past GRAPHQL_MAX_LOAD_BYTES, and the next request as usual', async () => {
    const ask = appWith({ maxLoadBytes: 50_000 });
    expect((await data(heavy, {}, { as: admin })).equipment.edges).toHaveLength(100);

    const refused = await ask(heavy);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors).toEqual([
      {
        message:
          'The request loaded more than 50000 bytes from the database, its limit: ask for smaller pages (first/last) or fewer nested lists.',
        extensions: { code: 'RESPONSE_TOO_LARGE', maxBytes: 50_000 },
      },
    ]);

    const next = await ask(light);
    expect(next.errors).toBeUndefined();
    expect(next.data?.equipment.edges).toHaveLength(5);
  });

  it("counts each request's load on its own, however they interleave", async () => {
    const ask = appWith({ maxLoadBytes: 50_000 });
    const [refused, ...answered] = await Promise.all([ask(heavy), ask(light), ask(medium), ask(light)]);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RESPONSE_TOO_LARGE');
    for (const result of answered) expect(result.errors).toBeUndefined();
  });

  it('stops what a cost model that missed it would let through', async () => {
    const ask = appWith({ maxCost: 10_000_000, maxLoadBytes: 50_000 });
    const heavier = graphql(/* GraphQL */ `
      query CostHeavier {
        equipment(first: 100, filter: { search: "Bulk unit" }) {
          edges {
            node {
              id
              name
              maintenanceRecords(first: 100) {
                edges {
                  node {
                    id
                    notes
                    maintenanceDate
                  }
                }
              }
            }
          }
        }
      }
    `);
    const result = await ask(heavier);
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['RESPONSE_TOO_LARGE']);
  });

  it('answers SERVER_BUSY (503, retryable) past what all requests in flight may hold, and gives it back when they end', async () => {
    const ask = appWith({ maxLoadBytes: 1_000_000, maxLoadBytesInFlight: 12_000 });
    const busy = await ask(heavy);
    expect(busy).toMatchObject({
      status: 503,
      retryAfter: '1',
      errors: [{ extensions: { code: 'SERVER_BUSY', retryable: true } }],
    });
    // Each loads about 5 kB: together they would pass 12 kB if an ended request kept its share.
    for (let request = 0; request < 4; request++) {
      const answered = await ask(medium);
      expect(answered.errors).toBeUndefined();
      expect(answered.data?.equipment.edges).toHaveLength(100);
    }
  });
});
