import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTENER_NAME } from '../src/database/notifications.js';
import { startServer, type RunningServer } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import {
  EquipmentUpdatesDocument,
  PunchesDocument,
  StockLevelsDocument,
  type StockLevelsSubscription,
} from './generated/graphql.js';
import { demo, expectTypename, globalId, post, signInTo } from './helpers/graphql.js';
import { liveClient, subscribe, type LiveClient, type Stream } from './helpers/live.js';

// Two server processes on one database, as behind a load balancer: clients subscribe on the first
// while changes go through the second. The subscriptions are the example ones of operations/.
const database = useTestDatabase();
let first: RunningServer;
let second: RunningServer;
let people: Awaited<ReturnType<typeof demo>>;
const clients: LiveClient[] = [];

beforeAll(async () => {
  people = await demo(database);
  [first, second] = await Promise.all([
    startServer({ DATABASE_URL: database.url }),
    startServer({ DATABASE_URL: database.url }),
  ]);
});

afterAll(async () => {
  for (const client of clients) void client.dispose();
  expect(await first?.stop()).toBe(0);
  expect(await second?.stop()).toBe(0);
});

function client(server: RunningServer, transport: 'sse' | 'ws', token: string): LiveClient {
  const made = liveClient(transport, server.url, token);
  clients.push(made);
  return made;
}

/** The server's open subscriptions of one kind, as /metrics counts them. */
async function open(server: RunningServer, event: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', server.url))).text();
  return Number(new RegExp(`^opsgraph_graphql_subscriptions\\{event="${event}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

async function until(server: RunningServer, event: string, count: number): Promise<void> {
  while ((await open(server, event)) !== count) await new Promise((resolve) => setTimeout(resolve, 20));
}

const stockLevels = StockLevelsDocument;

const percentile = (values: number[], p: number) =>
  [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

describe('live updates across instances', () => {
  it('a change made through one instance reaches graphql-sse and graphql-ws subscribers on the other', async () => {
    const token = await signInTo(first, 'marek@harbourworks.example');
    const streams = {
      sse: subscribe(client(first, 'sse', token), stockLevels),
      ws: subscribe(client(first, 'ws', token), stockLevels),
    };
    await until(first, 'stock', 2);
    const [item] = await database.sql<{ id: string }>(
      'SELECT id FROM inventory.inventory_items WHERE organisation_id = $1 ORDER BY sku LIMIT 1',
      [people.organisationId],
    );
    const employee = await signInTo(second, 'esi@harbourworks.example');
    const rounds = 30;
    const sent: number[] = [];
    const answered: number[] = [];
    for (let round = 0; round < rounds; round++) {
      sent.push(performance.now());
      const answer = await post(
        second,
        graphql(/* GraphQL */ `
          mutation LiveInstancesAdjust($input: AdjustStockInput!) {
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
        { input: { itemId: globalId('InventoryItem', item!.id), delta: round % 2 === 0 ? 1 : -1 } },
        employee,
      );
      answered.push(performance.now());
      const { qty } = expectTypename(answer.data?.adjustStock, 'AdjustStockSuccess').inventoryItem;
      for (const stream of Object.values(streams)) {
        expect((await stream.next()).data?.stockLevelChanged).toMatchObject({
          id: globalId('InventoryItem', item!.id),
          qty,
        });
      }
    }
    for (const [transport, stream] of Object.entries(streams)) {
      // The first rounds warm both processes up; the figures are of the rest.
      const fromSent = stream.arrivals.map((at, round) => at - sent[round]!).slice(5);
      const fromAnswer = stream.arrivals.map((at, round) => at - answered[round]!).slice(5);
      const ms = (value: number) => `${value.toFixed(1)} ms`;
      console.log(
        `[subscriptions] ${transport}: mutation sent to instance B → event on instance A: median ${ms(percentile(fromSent, 50))}, p95 ${ms(percentile(fromSent, 95))}, max ${ms(Math.max(...fromSent))}; after B's answer: median ${ms(percentile(fromAnswer, 50))}, p95 ${ms(percentile(fromAnswer, 95))} (${rounds - 5} rounds)`,
      );
    }
    await Promise.all(Object.values(streams).map((stream) => stream.close()));
    await until(first, 'stock', 0);
  });

  it('a session revoked through one instance ends its streams on the other, on both transports', async () => {
    const token = await signInTo(first, 'wes@harbourworks.example');
    const streams = [
      subscribe(client(first, 'sse', token), PunchesDocument),
      subscribe(client(first, 'ws', token), EquipmentUpdatesDocument),
    ] as Stream[];
    await Promise.all([until(first, 'time_entry', 1), until(first, 'equipment', 1)]);
    const revokedAt = performance.now();
    const logout = graphql(/* GraphQL */ `
      mutation LiveInstancesLogout {
        logout {
          __typename
        }
      }
    `);
    expect((await post(second, logout, {}, token)).data).toEqual({
      logout: { __typename: 'LogoutSuccess' },
    });
    await Promise.all(streams.map((stream) => stream.ended));
    console.log(
      `[subscriptions] both streams on instance A ended ${(performance.now() - revokedAt).toFixed(1)} ms after the logout was sent to B`,
    );
    for (const stream of streams) {
      expect(stream.received).toHaveLength(1);
      expect(stream.received[0]!.errors).toEqual([
        expect.objectContaining({
          message: 'The session has ended: sign in again.',
          extensions: { code: 'UNAUTHENTICATED' },
        }),
      ]);
    }
  });

  it('when its database listener is cut, an instance ends its streams as unavailable, and takes new ones once it is back', async () => {
    const token = await signInTo(first, 'ada@harbourworks.example');
    const stream = subscribe(client(first, 'ws', token), stockLevels);
    await until(first, 'stock', 1);
    await database.sql(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [LISTENER_NAME],
    );
    await stream.ended;
    expect(stream.received).toEqual([
      {
        data: { stockLevelChanged: null },
        errors: [
          expect.objectContaining({
            message:
              'Live updates are unavailable: the server lost its database listener, and may have missed changes. Subscribe again in a moment.',
            extensions: { code: 'LIVE_UPDATES_UNAVAILABLE', retryable: true },
          }),
        ],
      },
    ]);
    // As a client would: subscribe again until the instance takes it.
    let again: Stream<StockLevelsSubscription>;
    for (;;) {
      again = subscribe(client(first, 'ws', token), stockLevels);
      while (again.received.length === 0 && (await open(first, 'stock')) !== 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (again.received.length === 0) break;
      expect(again.received[0]!.errors![0]!.extensions!.code).toBe('LIVE_UPDATES_UNAVAILABLE');
    }
    const [item] = await database.sql<{ id: string }>(
      'SELECT id FROM inventory.inventory_items WHERE organisation_id = $1 ORDER BY sku LIMIT 1',
      [people.organisationId],
    );
    await database.sql('UPDATE inventory.inventory_items SET min_qty = min_qty + 1 WHERE id = $1', [item!.id]);
    expect((await again.next()).data?.stockLevelChanged?.id).toBe(globalId('InventoryItem', item!.id));
    await again.close();
  });

  it('SIGTERM ends open streams as unavailable, so that clients subscribe elsewhere, and exits 0', async () => {
    const third = await startServer({ DATABASE_URL: database.url });
    const token = await signInTo(third, 'ada@harbourworks.example');
    const streams = [
      subscribe(client(third, 'sse', token), stockLevels),
      subscribe(client(third, 'ws', token), stockLevels),
    ];
    await until(third, 'stock', 2);
    const exited = third.stop();
    await Promise.all(streams.map((stream) => stream.ended));
    for (const stream of streams) {
      expect(stream.received[0]!.errors![0]).toMatchObject({
        message: 'Live updates are unavailable: this server is stopping. Subscribe again in a moment.',
        extensions: { code: 'LIVE_UPDATES_UNAVAILABLE' },
      });
    }
    expect(await exited).toBe(0);
  });
});
