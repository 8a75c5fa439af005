import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { seedDemo } from '../src/database/seed.js';
import { backend } from './helpers/backend.js';
import { startServer, type RunningServer } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import { StockLevelsDocument } from './generated/graphql.js';
import { post, signInTo } from './helpers/graphql.js';
import { liveClient, subscribe, type LiveClient, type Stream } from './helpers/live.js';

// What idle subscriptions cost a server process: its resident memory and V8 heap, each measured
// after a full garbage collection (through the process' inspector), before and after 1,000 over
// WebSocket and 1,000 over Server-Sent Events. Figures are printed; the bound asserted is generous,
// a guard against a leak of the order of a connection's buffers per subscription.
const database = backend === 'postgres' ? useTestDatabase() : undefined;
let dataDir: string | undefined;
let server: RunningServer;
const clients: LiveClient[] = [];
const COUNT = 1_000;
const PER_SOCKET = 100;

beforeAll(async () => {
  const limits = {
    GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER: String(3 * COUNT),
    GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION: String(PER_SOCKET),
  };
  if (database) {
    await seedDemo(database.db);
    server = await startServer({ DATABASE_URL: database.url, ...limits });
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-memory-'));
    server = await startServer({ DATABASE_URL: undefined, DATA_DIR: dataDir, ...limits });
  }
});

afterAll(async () => {
  inspector?.close();
  for (const client of clients) void client.dispose();
  expect(await server?.stop()).toBe(0);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(new URL('/metrics', server.url))).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}${labels} `));
  return Number(line?.split(' ')[1] ?? 0);
}

const openSubscriptions = () => metric('opsgraph_graphql_subscriptions', '{event="stock"}');

async function until(count: number, streams: Stream[] = []): Promise<void> {
  while ((await openSubscriptions()) !== count) {
    const refused = streams.find((stream) => stream.received.some((result) => result.errors));
    if (refused) throw new Error(`a subscription was refused: ${JSON.stringify(refused.received)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let inspector: WebSocket | undefined;
let calls = 0;

/** Calls the server process' inspector (Chrome DevTools Protocol), opening it the first time. */
async function inspect(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
  if (!inspector) {
    process.kill(server.pid, 'SIGUSR1');
    let url: string | undefined;
    while (!(url = /Debugger listening on (ws:\/\/\S+)/.exec(server.output())?.[1])) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    inspector = socket;
  }
  const id = ++calls;
  const socket = inspector;
  return new Promise((resolve) => {
    const answer = (message: Buffer) => {
      const parsed = JSON.parse(message.toString('utf8')) as { id?: number; result?: unknown };
      if (parsed.id !== id) return;
      socket.off('message', answer);
      resolve(parsed.result);
    };
    socket.on('message', answer);
    socket.send(JSON.stringify({ id, method, params }));
  });
}

/** The server process' resident memory and V8 heap in use, in MB, after a full garbage collection. */
async function memory(): Promise<{ rss: number; heap: number }> {
  await inspect('HeapProfiler.collectGarbage');
  const { result } = (await inspect('Runtime.evaluate', {
    expression: 'JSON.stringify(process.memoryUsage())',
    returnByValue: true,
  })) as { result: { value: unknown } };
  const { rss, heapUsed } = JSON.parse(result.value as string) as { rss: number; heapUsed: number };
  return { rss: rss / 1024 ** 2, heap: heapUsed / 1024 ** 2 };
}

describe('idle subscriptions', () => {
  it(`${COUNT} over WebSocket and ${COUNT} over Server-Sent Events hold a bounded amount of memory`, async () => {
    const token = await signInTo(server, 'marek@harbourworks.example');
    const items = await post(
      server.url,
      graphql(/* GraphQL */ `
        query LiveMemoryItem {
          inventoryItems(first: 1) {
            edges {
              node {
                id
              }
            }
          }
        }
      `),
      {},
      token,
    );
    const item = items.data!.inventoryItems.edges[0]!.node.id;
    const adjust = () =>
      post(
        server.url,
        graphql(/* GraphQL */ `
          mutation LiveMemoryAdjust($input: AdjustStockInput!) {
            adjustStock(input: $input) {
              __typename
            }
          }
        `),
        { input: { itemId: item, delta: 1 } },
        token,
      );
    const open = (live: LiveClient, count: number) =>
      Array.from({ length: count }, () => subscribe(live, StockLevelsDocument));

    // One of each first, so that the code they run is loaded before the first figure.
    const sse = liveClient('sse', server.url, token);
    const warmWs = liveClient('ws', server.url, token);
    clients.push(sse, warmWs);
    const warm = [...open(sse, 1), ...open(warmWs, 1)];
    await until(2);
    await adjust();
    await Promise.all(warm.map((stream) => stream.next()));
    await Promise.all(warm.map((stream) => stream.close()));
    await until(0);
    const before = await memory();

    // Opened a hundred at a time, as clients arrive: each is authenticated by a statement, and the
    // embedded database answers one at a time.
    const streams: Stream[] = [];
    for (let socket = 0; socket < COUNT / PER_SOCKET; socket++) {
      const ws = liveClient('ws', server.url, token);
      clients.push(ws);
      streams.push(...open(ws, PER_SOCKET));
      await until(streams.length, streams);
    }
    const withWebSockets = await memory();
    for (let batch = 0; batch < COUNT / PER_SOCKET; batch++) {
      streams.push(...open(sse, PER_SOCKET));
      await until(streams.length, streams);
    }
    const withBoth = await memory();

    const started = performance.now();
    await adjust();
    await Promise.all(streams.map((stream) => stream.next()));
    const fanOut = performance.now() - started;

    const each = (mb: number) => `${((mb * 1024) / COUNT).toFixed(1)} kB each`;
    const overWebSockets = withWebSockets.heap - before.heap;
    const overEvents = withBoth.heap - withWebSockets.heap;
    console.log(
      `[subscriptions] ${backend}, after full collections: heap +${overWebSockets.toFixed(1)} MB for ${COUNT} over WebSocket (${COUNT / PER_SOCKET} sockets; ${each(overWebSockets)}), +${overEvents.toFixed(1)} MB for ${COUNT} over SSE (a connection each; ${each(overEvents)}); resident memory ${before.rss.toFixed(0)} MB before, ${withWebSockets.rss.toFixed(0)} MB with the WebSocket ones, ${withBoth.rss.toFixed(0)} MB with all ${2 * COUNT}. One event reached all ${2 * COUNT} in ${fanOut.toFixed(0)} ms.`,
    );
    expect(withBoth.rss - before.rss).toBeLessThan(250);
    expect(((withBoth.heap - before.heap) * 1024) / (2 * COUNT)).toBeLessThan(100);

    await Promise.all(streams.map((stream) => stream.close()));
    await until(0);
  }, 180_000);
});
