import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from './helpers/database.js';
import type { FormattedExecutionResult } from 'graphql';
import { graphql } from './generated/index.js';
import type { AdjustStockInput } from './generated/graphql.js';
import { bearer, data, demo, execute, expectTypename } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let token: string;

beforeAll(async () => {
  people = await demo(database);
  token = await bearer(people.manager);
});

const createItem = async (sku: string, initialQty: number): Promise<string> => {
  const { createInventoryItem } = await data(
    graphql(/* GraphQL */ `
      mutation ConcurrencyCreateItem($input: CreateInventoryItemInput!) {
        createInventoryItem(input: $input) {
          __typename
          ...MutationError
          ... on CreateInventoryItemSuccess {
            inventoryItem {
              id
            }
          }
        }
      }
    `),
    { input: { sku, name: sku, location: 'Stores Z', initialQty } },
    { token },
  );
  return expectTypename(createInventoryItem, 'CreateInventoryItemSuccess').inventoryItem.id;
};

const adjustStock = graphql(/* GraphQL */ `
  mutation ConcurrencyAdjust($input: AdjustStockInput!) {
    adjustStock(input: $input) {
      __typename
      ...MutationError
      ... on AdjustStockSuccess {
        inventoryItem {
          id
          qty
        }
      }
    }
  }
`);

const adjust = (input: AdjustStockInput) => execute(adjustStock, { input }, { token });

/** The quantity after an adjustment that must succeed. */
const qtyAfter = async (input: AdjustStockInput) =>
  expectTypename((await adjust(input)).data?.adjustStock, 'AdjustStockSuccess').inventoryItem.qty;

/** As a client does: sends the request, and sends it again with the same key while the answer is retryable. */
async function withRetries<R>(
  send: () => Promise<FormattedExecutionResult<R>>,
): Promise<{ result: FormattedExecutionResult<R>; retries: number }> {
  for (let retries = 0; ; retries += 1) {
    const result = await send();
    if (result.errors?.[0]?.extensions?.retryable !== true) return { result, retries };
  }
}

async function ledger(itemId: string) {
  const [row] = await database.sql<{ qty: number; sum: number; movements: number; audits: number }>(
    `SELECT i.qty,
            (SELECT coalesce(sum(delta), 0)::int FROM inventory.stock_movements m WHERE m.item_id = i.id) AS sum,
            (SELECT count(*)::int FROM inventory.stock_movements m WHERE m.item_id = i.id) AS movements,
            (SELECT count(*)::int FROM audit.audit_events a WHERE a.entity_id = i.id AND a.action = 'adjustStock') AS audits
     FROM inventory.inventory_items i WHERE i.id = $1`,
    [Buffer.from(itemId, 'base64').toString().split(':')[1]],
  );
  return row!;
}

describe('concurrent stock adjustments', () => {
  it('200 concurrent adjustStock calls on one item: the exact quantity, a ledger that sums to it, one audit event each', async () => {
    const item = await createItem('RACE-200', 100);
    // 120 additions of 1 to 3 and 80 removals of 1, interleaved; stock never nears zero.
    const deltas = Array.from({ length: 200 }, (_, index) => (index % 5 < 3 ? (index % 3) + 1 : -1));
    const expected = 100 + deltas.reduce((total, delta) => total + delta, 0);
    const answers = await Promise.all(
      deltas.map((delta) => {
        const idempotencyKey = randomUUID();
        return withRetries(() => adjust({ itemId: item, delta, idempotencyKey }));
      }),
    );
    expect(answers.filter(({ result }) => result.data?.adjustStock?.__typename === 'AdjustStockSuccess')).toHaveLength(
      200,
    );
    expect(await ledger(item)).toEqual({ qty: expected, sum: expected, movements: 201, audits: 200 });
  });
});

describe('idempotency keys', () => {
  it('adjustStock sent ten times at once with one key is applied once; every answer is the item', async () => {
    const item = await createItem('ONCE-1', 10);
    const idempotencyKey = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => adjust({ itemId: item, delta: 5, idempotencyKey })),
    );
    expect(results.map((result) => result.data?.adjustStock)).toEqual(
      Array(10).fill({ __typename: 'AdjustStockSuccess', inventoryItem: { id: item, qty: 15 } }),
    );
    expect(await ledger(item)).toEqual({ qty: 15, sum: 15, movements: 2, audits: 1 });
    // A retry later still changes nothing; it answers with the item as it is now.
    await adjust({ itemId: item, delta: -2, idempotencyKey: randomUUID() });
    expect(await qtyAfter({ itemId: item, delta: 5, idempotencyKey })).toBe(13);
    expect(await ledger(item)).toEqual({ qty: 13, sum: 13, movements: 3, audits: 2 });
  });

  it('refuses a key reused for another request, and a malformed key', async () => {
    const item = await createItem('ONCE-2', 10);
    const idempotencyKey = randomUUID();
    await adjust({ itemId: item, delta: 1, idempotencyKey });
    expect((await adjust({ itemId: item, delta: 2, idempotencyKey })).data?.adjustStock).toEqual({
      __typename: 'ConflictError',
      message: 'This idempotency key was used for a different request: send a new key with a new request.',
      field: 'idempotencyKey',
    });
    expect((await adjust({ itemId: item, delta: 1, idempotencyKey: 'short' })).data?.adjustStock).toMatchObject({
      __typename: 'InputValidationError',
      issues: [
        {
          path: ['input', 'idempotencyKey'],
          message: 'Idempotency key must be 8 to 255 visible ASCII characters, e.g. a UUID.',
        },
      ],
    });
    expect(await ledger(item)).toEqual({ qty: 11, sum: 11, movements: 2, audits: 1 });
  });

  it('a refused change keeps no key: its retry runs afresh', async () => {
    const item = await createItem('ONCE-3', 1);
    const idempotencyKey = randomUUID();
    expect((await adjust({ itemId: item, delta: -3, idempotencyKey })).data?.adjustStock.__typename).toBe(
      'InsufficientStockError',
    );
    await adjust({ itemId: item, delta: 5, idempotencyKey: randomUUID() });
    expect(await qtyAfter({ itemId: item, delta: -3, idempotencyKey })).toBe(3);
  });

  it('a key expires after 24 hours: then it is a new request, and expired keys are cleared away', async () => {
    const item = await createItem('ONCE-5', 0);
    const idempotencyKey = randomUUID();
    await adjust({ itemId: item, delta: 1, idempotencyKey });
    const stale = Array.from({ length: 5 }, () => randomUUID());
    await database.sql(
      `INSERT INTO audit.idempotency_keys (organisation_id, key, operation, request_hash, entity_id, created_at)
       SELECT $1, k, 'adjustStock', 'old', gen_random_uuid(), now() - interval '25 hours' FROM unnest($2::text[]) k`,
      [people.organisationId, stale],
    );
    await database.sql(`UPDATE audit.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [
      idempotencyKey,
    ]);
    expect(await qtyAfter({ itemId: item, delta: 1, idempotencyKey })).toBe(2);
    const left = await database.sql('SELECT key FROM audit.idempotency_keys WHERE key = ANY($1)', [stale]);
    expect(left).toEqual([]);
  });

  it('keys are per organisation: the same key in two organisations is two requests', async () => {
    const item = await createItem('ONCE-4', 0);
    const idempotencyKey = randomUUID();
    await database.sql(
      `INSERT INTO audit.idempotency_keys (organisation_id, key, operation, request_hash, entity_id)
       SELECT o.id, $1, 'adjustStock', 'elsewhere', gen_random_uuid() FROM auth.organisations o WHERE o.id <> $2 LIMIT 1`,
      [idempotencyKey, people.organisationId],
    );
    expect(await qtyAfter({ itemId: item, delta: 4, idempotencyKey })).toBe(4);
  });

  it('receivePurchaseOrder sent ten times at once with one key receives once and answers each with the order', async () => {
    const listed = await data(
      graphql(/* GraphQL */ `
        query ConcurrencySupplierAndItem {
          suppliers(first: 1) {
            edges {
              node {
                id
              }
            }
          }
          inventoryItems(first: 1, orderBy: SKU_ASC) {
            edges {
              node {
                id
              }
            }
          }
        }
      `),
      {},
      { token },
    );
    const created = await data(
      graphql(/* GraphQL */ `
        mutation ConcurrencyCreateOrder($input: CreatePurchaseOrderInput!) {
          createPurchaseOrder(input: $input) {
            __typename
            ...MutationError
            ... on CreatePurchaseOrderSuccess {
              purchaseOrder {
                id
              }
            }
          }
        }
      `),
      {
        input: {
          number: 'PO-ONCE',
          supplierId: listed.suppliers.edges[0]!.node.id,
          lines: [{ itemId: listed.inventoryItems.edges[0]!.node.id, quantity: 7, unitPrice: '2' }],
        },
      },
      { token },
    );
    const { id } = expectTypename(created.createPurchaseOrder, 'CreatePurchaseOrderSuccess').purchaseOrder;
    await data(
      graphql(/* GraphQL */ `
        mutation ConcurrencySubmitOrder($id: ID!) {
          submitPurchaseOrder(id: $id) {
            __typename
          }
        }
      `),
      { id },
      { token },
    );
    await data(
      graphql(/* GraphQL */ `
        mutation ConcurrencyApproveOrder($id: ID!) {
          approvePurchaseOrder(id: $id) {
            __typename
          }
        }
      `),
      { id },
      { token },
    );
    const receive = async (key?: string) =>
      (
        await data(
          graphql(/* GraphQL */ `
            mutation ConcurrencyReceiveOrder($id: ID!, $key: String) {
              receivePurchaseOrder(id: $id, idempotencyKey: $key) {
                __typename
                ...MutationError
                ... on InvalidStateError {
                  currentState
                }
                ... on ReceivePurchaseOrderSuccess {
                  purchaseOrder {
                    status
                    createdBatches(first: 5) {
                      totalCount
                    }
                  }
                }
              }
            }
          `),
          { id, key },
          { token },
        )
      ).receivePurchaseOrder;
    const idempotencyKey = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => receive(idempotencyKey)));
    expect(results).toEqual(
      Array(10).fill({
        __typename: 'ReceivePurchaseOrderSuccess',
        purchaseOrder: { status: 'RECEIVED', createdBatches: { totalCount: 1 } },
      }),
    );
    const [counts] = await database.sql<{ batches: number; receipts: number }>(
      `SELECT (SELECT count(*)::int FROM procurement.batches WHERE code LIKE 'PO-ONCE-%') AS batches,
              (SELECT count(*)::int FROM audit.audit_events a JOIN procurement.purchase_orders o ON o.id = a.entity_id
               WHERE a.action = 'receive' AND o.number = 'PO-ONCE') AS receipts`,
    );
    expect(counts).toEqual({ batches: 1, receipts: 1 });
    // Without the key, receiving again is the error it always was.
    expect(await receive()).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'RECEIVED',
    });
  });
});
