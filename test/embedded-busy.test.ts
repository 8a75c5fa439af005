import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../src/database/open.js';
import { DEMO_ADMIN_EMAIL } from '../src/database/seed.js';
import { graphql } from './generated/index.js';
import { bearer, execute } from './helpers/graphql.js';
import { testConfig } from './helpers/config.js';

// The embedded database has one connection. A transaction holding it makes every other request
// wait; each waits at most DATABASE_TRANSACTION_WAIT_MS and fails retryable, and once the
// connection is free the same requests succeed, without a restart.
let dataDir: string;
let database: OpenDatabase;
let token: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-busy-'));
  database = await openDatabase(testConfig({ dataDir, transactionWaitMs: 500 }), () => {});
  const admin = await database.db.user.findFirstOrThrow({ where: { email: DEMO_ADMIN_EMAIL } });
  token = await bearer(admin.id);
});

afterAll(async () => {
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const viewer = () =>
  execute(
    graphql(/* GraphQL */ `
      query BusyViewer {
        viewer {
          email
        }
      }
    `),
    {},
    { token },
  );
const createEquipment = (serialNumber: string) =>
  execute(
    graphql(/* GraphQL */ `
      mutation BusyCreateEquipment($input: CreateEquipmentInput!) {
        createEquipment(input: $input) {
          __typename
        }
      }
    `),
    { input: { name: 'Pump', serialNumber, category: 'MACHINERY' } },
    { token },
  );

describe('the embedded database behind a long transaction', () => {
  it('answers requests queued behind it retryable after the configured wait, then serves them again', async () => {
    let finish!: () => void;
    // A generous bound: without the wait limit the queued requests would succeed once it ends.
    const held = new Promise<void>((resolve) => {
      finish = resolve;
      setTimeout(resolve, 30_000);
    });
    const long = database.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        await held;
      },
      { timeout: 60_000 },
    );

    const [read, write] = await Promise.all([viewer(), createEquipment('BUSY-1')]);
    for (const answer of [read, write]) {
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true });
    }
    finish();
    await long;

    expect(await viewer()).toEqual({ data: { viewer: { email: DEMO_ADMIN_EMAIL } } });
    expect((await createEquipment('BUSY-2')).data).toEqual({
      createEquipment: { __typename: 'CreateEquipmentSuccess' },
    });
  });
});
