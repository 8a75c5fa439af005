import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDb, type Db } from '../src/db.js';
import { useTestDatabase } from './helpers/database.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { graphql } from './generated/index.js';
import { app, bearer, demo, execute, globalId, respond } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let proxy: FaultProxy;
let throughProxy: Db;
let itemId: string;
let token: string;

const STATEMENT_TIMEOUT_MS = 1_000;

beforeAll(async () => {
  people = await demo(database);
  const [item] = await database.sql<{ id: string }>(
    'SELECT id FROM inventory.inventory_items WHERE organisation_id = $1 ORDER BY sku LIMIT 1',
    [people.organisationId],
  );
  itemId = item!.id;
  token = await bearer(people.employee);
  proxy = await startFaultProxy(database.url);
  // From here on the app reaches the database only through the proxy, which the tests cut.
  throughProxy = connectDb(proxy.url, {
    poolSize: 4,
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: 1_000,
  });
});

afterAll(async () => {
  await throughProxy?.$disconnect();
  await proxy?.close();
});

const qty = async () =>
  (await database.sql<{ qty: number }>('SELECT qty FROM inventory.inventory_items WHERE id = $1', [itemId]))[0]!.qty;

const adjust = (delta: number) =>
  execute(
    graphql(/* GraphQL */ `
      mutation OutageAdjust($input: AdjustStockInput!) {
        adjustStock(input: $input) {
          __typename
          ... on AdjustStockSuccess {
            inventoryItem {
              qty
            }
          }
        }
      }
    `),
    { input: { itemId: globalId('InventoryItem', itemId), delta } },
    { token },
  );

const list = () =>
  execute(
    graphql(/* GraphQL */ `
      query OutageList {
        inventoryItems(first: 3) {
          edges {
            node {
              sku
              qty
            }
          }
        }
      }
    `),
    {},
    { token },
  );

async function waitFor(condition: () => Promise<boolean>) {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

const retryable = (code: string) => ({
  data: null,
  errors: [
    expect.objectContaining({
      message: expect.stringMatching(/Retry/),
      extensions: expect.objectContaining({ code, retryable: true }),
    }),
  ],
});

describe('while the database is down', () => {
  it('answers at once with a retryable DATABASE_UNAVAILABLE (HTTP 503, Retry-After), writes nothing, and recovers by itself', async () => {
    expect((await list()).errors).toBeUndefined();
    const before = await qty();
    proxy.cut();
    try {
      expect(await list()).toMatchObject(retryable('DATABASE_UNAVAILABLE'));
      expect(await adjust(5)).toMatchObject(retryable('DATABASE_UNAVAILABLE'));
      const response = await respond(
        graphql(/* GraphQL */ `
          query OutageCount {
            inventoryItems(first: 1) {
              totalCount
            }
          }
        `),
        {},
        { token },
      );
      expect({ status: response.status, retryAfter: response.headers.get('retry-after') }).toEqual({
        status: 503,
        retryAfter: '1',
      });
      const ready = await app.fetch('http://localhost/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'unavailable',
        reason: expect.stringMatching(/^database unreachable/),
      });
    } finally {
      proxy.restore();
    }
    expect(await qty()).toBe(before);
    // The same process, with no restart: the pool opens new connections once the database is back.
    expect((await list()).errors).toBeUndefined();
    expect(await adjust(5)).toMatchObject({ data: { adjustStock: { inventoryItem: { qty: before + 5 } } } });
    expect((await app.fetch('http://localhost/ready')).status).toBe(200);
  });

  it('a connection cut in the middle of a write leaves no part of it behind', async () => {
    const before = await qty();
    const movements = await database.sql('SELECT count(*)::int AS n FROM inventory.stock_movements');
    // A row lock held elsewhere stops the writes inside their transactions; then the database goes.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM inventory.inventory_items WHERE id = $1 FOR UPDATE', [itemId]);
    const writes = Array.from({ length: 8 }, () => adjust(1));
    await waitFor(async () => {
      const [waiting] = await database.sql<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
      );
      return waiting!.n === 4;
    });
    proxy.cut();
    const results = await Promise.all(writes);
    await blocker.query('ROLLBACK');
    await blocker.end();
    proxy.restore();
    expect(results.map((result) => result.errors?.[0]?.extensions?.code)).toEqual(
      Array(8).fill('DATABASE_UNAVAILABLE'),
    );
    expect(await qty()).toBe(before);
    expect(await database.sql('SELECT count(*)::int AS n FROM inventory.stock_movements')).toEqual(movements);
    expect(await adjust(1)).toMatchObject({ data: { adjustStock: { inventoryItem: { qty: before + 1 } } } });
  });
});

describe('a change that committed just before the database went away', () => {
  it('answers CHANGE_NOT_READ_BACK, not retryable: the adjustment is made once and must not be resent', async () => {
    const before = await qty();
    const movements = await database.sql('SELECT count(*)::int AS n FROM inventory.stock_movements');
    proxy.cutAfterCommit();
    const result = await adjust(1);
    proxy.restore();
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: 'The change was made, but reading it back failed. Do not send it again: query the record instead.',
        extensions: { code: 'CHANGE_NOT_READ_BACK', retryable: false },
      }),
    ]);
    expect(await qty()).toBe(before + 1);
    const [{ n }] = (await database.sql<{ n: number }>('SELECT count(*)::int AS n FROM inventory.stock_movements')) as [
      { n: number },
    ];
    expect(n).toBe((movements[0] as { n: number }).n + 1);
    expect(await adjust(1)).toMatchObject({ data: { adjustStock: { inventoryItem: { qty: before + 2 } } } });
  });
});

describe('a change whose COMMIT went unanswered', () => {
  it('answers CHANGE_OUTCOME_UNKNOWN without a key, not retryable: it may have been made', async () => {
    const before = await qty();
    proxy.loseCommitAnswer();
    const result = await adjust(1);
    expect(result.errors).toEqual([
      expect.objectContaining({
        message:
          'The database connection was lost while the change committed: it may or may not have been made. Do not send it again before querying the record.',
        extensions: { code: 'CHANGE_OUTCOME_UNKNOWN', retryable: false },
      }),
    ]);
    expect(await qty()).toBe(before + 1);
  });

  it('with a key, answers retryable DATABASE_UNAVAILABLE: the retry answers with the change, made once', async () => {
    const before = await qty();
    const input = { itemId: globalId('InventoryItem', itemId), delta: 2, idempotencyKey: 'commit-unanswered' };
    const keyed = () =>
      execute(
        graphql(/* GraphQL */ `
          mutation OutageKeyedAdjust($input: AdjustStockInput!) {
            adjustStock(input: $input) {
              ... on AdjustStockSuccess {
                inventoryItem {
                  qty
                }
              }
            }
          }
        `),
        { input },
        { token },
      );
    proxy.loseCommitAnswer();
    expect((await keyed()).errors).toEqual([
      expect.objectContaining({
        message:
          'The database connection was lost while the change committed. Send the request again with the same idempotency key: it answers with the change if it was made.',
        extensions: expect.objectContaining({ code: 'DATABASE_UNAVAILABLE', retryable: true }),
      }),
    ]);
    expect(await keyed()).toEqual({ data: { adjustStock: { inventoryItem: { qty: before + 2 } } } });
    expect(await qty()).toBe(before + 2);
  });
});

describe('statement timeout', () => {
  it('a statement held up past DATABASE_STATEMENT_TIMEOUT_MS is cancelled: TIMEOUT, retryable, nothing written', async () => {
    const before = await qty();
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM inventory.inventory_items WHERE id = $1 FOR UPDATE', [itemId]);
      expect(await adjust(1)).toMatchObject(retryable('TIMEOUT'));
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await qty()).toBe(before);
    expect(await adjust(1)).toMatchObject({ data: { adjustStock: { inventoryItem: { qty: before + 1 } } } });
  });
});
