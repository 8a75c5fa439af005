import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { connectDb, type Db } from '../src/db.js';
import { withClient, withDatabase } from '../src/schema-engine/pg-adapter.js';
import { serverUrl } from './helpers/backend.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import { bearer, demo, execute } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let token: string;
let routed: Db;
const replica = `opsgraph_replica_${randomUUID().replaceAll('-', '')}`;
const admin = (statement: string) =>
  withClient(withDatabase(serverUrl!, 'postgres'), (client) => client.query(statement));

beforeAll(async () => {
  people = await demo(database);
  token = await bearer(people.manager);
  // A replica that lags far behind: the migrated schema, none of the primary's rows.
  await admin(`CREATE DATABASE "${replica}" TEMPLATE "${inject('templateDatabase')}"`);
  routed = connectDb(database.url, { poolSize: 2, replicaUrls: [withDatabase(serverUrl!, replica)] });
});

afterAll(async () => {
  await routed?.$disconnect();
  await admin(`DROP DATABASE IF EXISTS "${replica}" WITH (FORCE)`);
});

describe('read replicas (DATABASE_REPLICA_URLS)', () => {
  it('reads go to the replica; sign-in checks, writes and read-after-write go to the primary', async () => {
    // The token's session exists only on the primary, and is accepted: session checks use the primary.
    const listed = await execute(
      graphql(/* GraphQL */ `
        query ReplicasEquipmentCount {
          equipment(first: 50) {
            totalCount
          }
        }
      `),
      {},
      { token },
    );
    expect(listed).toEqual({ data: { equipment: { totalCount: 0 } } });
    const [primaryCount] = await database.sql<{ n: number }>('SELECT count(*)::int AS n FROM assets.equipment');
    expect(primaryCount!.n).toBeGreaterThan(0);

    const created = await execute(
      graphql(/* GraphQL */ `
        mutation ReplicasCreateEquipment($input: CreateEquipmentInput!) {
          createEquipment(input: $input) {
            __typename
            ...MutationError
            ... on CreateEquipmentSuccess {
              equipment {
                name
                createdBy {
                  name
                }
              }
            }
          }
        }
      `),
      { input: { name: 'Replica-proof crane', category: 'MACHINERY', serialNumber: 'RP-1' } },
      { token },
    );
    // Read back in the write's transaction, on the primary: the replica has neither row.
    expect(created).toEqual({
      data: {
        createEquipment: {
          __typename: 'CreateEquipmentSuccess',
          equipment: { name: 'Replica-proof crane', createdBy: { name: 'Marek Nowak' } },
        },
      },
    });
    expect(await database.sql(`SELECT name FROM assets.equipment WHERE serial_number = 'RP-1'`)).toEqual([
      { name: 'Replica-proof crane' },
    ]);
  });
});
