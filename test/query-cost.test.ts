import { beforeAll, describe, expect, it } from 'vitest';
import type { QueryEvent } from '../src/db.js';
import { backend } from './helpers/backend.js';
import { useTestDatabase } from './helpers/database.js';
import { bearer, data, demo } from './helpers/graphql.js';

const database = useTestDatabase();
let admin: string;
let employee: string;
let maintenanceRows: number;

const EXTRA_EQUIPMENT = 100;
const RECORDS_EACH = 40;

beforeAll(async () => {
  const people = await demo(database);
  admin = people.admin;
  employee = people.employee;
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

/** Runs a query and measures what it cost the database: statements sent, and rows they read. */
async function measure(
  query: string,
  variables: Record<string, unknown>,
): Promise<Cost & { result: Record<string, any> }> {
  const token = await bearer(admin);
  // Signed in already: the server may remember the session check (session-cache.ts).
  await data('{ viewer { id } }', {}, { token });
  database.statements.length = 0;
  const result = await data(query, variables, { token });
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

const deepQuery = /* GraphQL */ `
  query Deep($equipment: Int!, $records: Int!) {
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
`;

describe('nested selections cost what the page costs', () => {
  it('organisation → equipment → maintenance records → performed by → roles: same statements at 5 and 50, rows read by the page', async () => {
    const small = await measure(deepQuery, { equipment: 5, records: 5 });
    const large = await measure(deepQuery, { equipment: 50, records: 20 });

    expect(small.result.organisation.equipment.edges).toHaveLength(5);
    expect(large.result.organisation.equipment.edges).toHaveLength(50);
    const bulk = large.result.organisation.equipment.edges.find((edge: any) => edge.node.name === 'Bulk unit 001').node;
    expect(bulk.maintenanceRecords.edges).toHaveLength(20);
    expect(bulk.maintenanceRecords.totalCount).toBe(RECORDS_EACH);
    expect(bulk.maintenanceCount).toBe(RECORDS_EACH);
    expect(bulk.maintenanceRecords.edges[0].node.performedBy).toEqual({
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
    const dashboard = /* GraphQL */ `
      query Dashboard($n: Int!) {
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
    `;
    const small = await measure(dashboard, { n: 5 });
    const large = await measure(dashboard, { n: 50 });
    console.log(`[query cost] dashboard: ${small.statements} statements at 5, ${large.statements} at 50`);
    expect(small.statements).toBe(large.statements);
    expect(large.statements).toBeLessThanOrEqual(8);
  });

  it("the organisation's summary alone reads no organisation row; asking for its name does", async () => {
    const organisationReads = (cost: Cost) => cost.sql.filter((sql) => sql.includes('"auth"."organisations"')).length;
    const summaryOnly = await measure('{ organisation { summary { equipmentCount } } }', {});
    const withName = await measure('{ organisation { name summary { equipmentCount } } }', {});
    expect(organisationReads(summaryOnly)).toBe(0);
    expect(organisationReads(withName)).toBe(1);
    expect(summaryOnly.result.organisation.summary).toEqual(withName.result.organisation.summary);
    expect(withName.result.organisation.name).toEqual(expect.any(String));
    expect(summaryOnly.result.organisation.summary.equipmentCount).toBeGreaterThan(0);
  });

  it('the summary computes only the counts selected, through fragments too', async () => {
    const all = await measure(
      `{ organisation { summary { userCount equipmentCount overdueEquipmentCount inventoryItemCount lowStockItemCount openPurchaseOrderCount } } }`,
      {},
    );
    const some = await measure(
      `{ organisation { summary { equipmentCount ... on OrganisationSummary { lowStockItemCount } ...Orders } } }
       fragment Orders on OrganisationSummary { openPurchaseOrderCount }`,
      {},
    );
    const typename = await measure('{ organisation { summary { __typename } } }', {});
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
      await data('{ viewer { id } }', {}, { token });
      return database.statements.map((statement) => statement.query);
    };
    const first = await statementsFor();
    const second = await statementsFor();
    const sessionChecks = (sql: string[]) => sql.filter((query) => query.includes('"auth"."sessions"')).length;
    expect(sessionChecks(first)).toBe(1);
    expect(sessionChecks(second)).toBe(backend === 'postgres' ? 0 : 1);
  });
});
