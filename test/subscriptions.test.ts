import { randomUUID } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { print } from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RoleName } from '../src/generated/prisma/enums.js';
import { may, type Permission } from '../src/lib/permissions.js';
import { signAccessToken } from '../src/lib/tokens.js';
import { loadTrustedDocuments, trustedDocumentRule } from '../src/lib/trusted-documents.js';
import { liveEvents, type EventKind } from '../src/modules/live/live-events.js';
import { serveWebSockets } from '../src/modules/live/websocket.js';
import { createLogger } from '../src/ops/logger.js';
import { schema } from '../src/schema.js';
import { createApp } from '../src/yoga.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import type { LiveStockIdsSubscription } from './generated/graphql.js';
import {
  bearer,
  data,
  demo,
  expectTypename,
  globalId,
  otherOrganisation,
  type TypedDocumentNode,
} from './helpers/graphql.js';
import { liveClient, subscribe as subscribeTo, type LiveClient, type Stream, type Transport } from './helpers/live.js';

// Subscriptions against a real HTTP server in this process (Server-Sent Events and WebSocket),
// fed by the database listener as the server's: on PostgreSQL its LISTEN connection, on PGlite the
// app's own pool. Mutations go through the same app.
const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let rival: Awaited<ReturnType<typeof otherOrganisation>>;

const config = testConfig();
const LIMITS = { maxSubscriptionsPerConnection: 6, maxSubscriptionsPerUser: 8, maxQueuedEvents: 5 };
const app = createApp({ ...config, limits: { ...config.limits, ...LIMITS } });
const server = createServer((req, res) => void app(req, res));
const webSockets = serveWebSockets(
  server,
  app,
  { limits: { ...config.limits, ...LIMITS } },
  createLogger('silent'),
  trustedDocumentRule(config.trustedDocuments, loadTrustedDocuments(config.trustedDocuments.manifest)),
);
let url: string;
const transports: Transport[] = ['sse', 'ws'];
const clients: LiveClient[] = [];

beforeAll(async () => {
  people = await demo(database);
  rival = await otherOrganisation(database);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  for (const made of clients) void made.dispose();
  await webSockets.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(transport: Transport, token: string | undefined): LiveClient {
  const made = liveClient(transport, url, token);
  clients.push(made);
  return made;
}

const clockIn = graphql(/* GraphQL */ `
  mutation LiveClockIn($input: ClockInInput!) {
    result: clockIn(input: $input) {
      __typename
      ...MutationError
    }
  }
`);

const clockOut = graphql(/* GraphQL */ `
  mutation LiveClockOut($input: ClockOutInput!) {
    result: clockOut(input: $input) {
      __typename
      ...MutationError
    }
  }
`);

/** The subscriptions these tests hold open. */
const subscriptions = {
  stockNow: graphql(/* GraphQL */ `
    subscription LiveStockNow {
      stockLevelChanged {
        id
        qty
        minQty
        isLowStock
      }
    }
  `),
  orderStatus: graphql(/* GraphQL */ `
    subscription LiveOrderStatus {
      purchaseOrderChanged {
        id
        status
        receivedAt
      }
    }
  `),
  stockQty: graphql(/* GraphQL */ `
    subscription LiveStockQty {
      stockLevelChanged {
        id
        qty
      }
    }
  `),
  equipmentDates: graphql(/* GraphQL */ `
    subscription LiveEquipmentDates {
      equipmentChanged {
        id
        nextMaintenanceAt
        maintenanceCount
      }
    }
  `),
  recordAdded: graphql(/* GraphQL */ `
    subscription LiveRecordAdded {
      maintenanceRecordAdded {
        id
        notes
        equipment {
          id
        }
        performedBy {
          email
        }
      }
    }
  `),
  punches: graphql(/* GraphQL */ `
    subscription LivePunches {
      timeEntryPunched {
        id
        isOpen
        user {
          email
        }
      }
    }
  `),
  stockIds: graphql(/* GraphQL */ `
    subscription LiveStockIds {
      stockLevelChanged {
        id
      }
    }
  `),
  orderIds: graphql(/* GraphQL */ `
    subscription LiveOrderIds {
      purchaseOrderChanged {
        id
      }
    }
  `),
  inspections: graphql(/* GraphQL */ `
    subscription LiveInspections {
      inspectionSubmitted {
        id
        result
        inspector {
          email
        }
      }
    }
  `),
  equipmentStatus: graphql(/* GraphQL */ `
    subscription LiveEquipmentStatus {
      equipmentChanged {
        id
        status
      }
    }
  `),
  stockLevels: graphql(/* GraphQL */ `
    subscription LiveStockLevels {
      stockLevelChanged {
        id
        qty
        minQty
      }
    }
  `),
};

const open = (kind: EventKind) => liveEvents.counts().get(kind) ?? 0;

/** Waits until the server counts `count` open subscriptions of the kind. */
async function until(kind: EventKind, count: number): Promise<void> {
  while (open(kind) !== count) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Subscribes, and waits until the server holds the subscription. */
/**
 * Every stream a test opens, closed after it even when the test fails: a stream left open would
 * hold close()'s wait for no subscription, and with it every test after.
 */
const opened: Stream[] = [];
const subscribe: typeof subscribeTo = (live, document) => {
  const stream = subscribeTo(live, document);
  opened.push(stream);
  return stream;
};
afterEach(() => close(...opened.splice(0)));

async function listening<R>(
  live: LiveClient,
  kind: EventKind,
  document: TypedDocumentNode<R, Record<string, never>>,
): Promise<Stream<R>> {
  const before = open(kind);
  const stream = subscribe(live, document);
  await until(kind, before + 1);
  return stream;
}

/** Ends the streams, and waits until the server holds no subscription: each test starts from none. */
async function close(...streams: Stream[]): Promise<void> {
  await Promise.all(streams.map((stream) => stream.close()));
  while ([...liveEvents.counts().values()].some((count) => count > 0)) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A new session of the user's and its access token: ending it leaves other tests' sessions alone. */
async function freshToken(userId: string): Promise<string> {
  const user = await database.db.user.findUniqueOrThrow({ where: { id: userId } });
  const session = await database.db.session.create({
    data: { userId, refreshTokenHash: randomUUID(), expiresAt: new Date(Date.now() + 3_600_000) },
  });
  const { token } = await signAccessToken({
    userId,
    sessionId: session.id,
    credentialsVersion: user.credentialsChangedAt.getTime(),
  });
  return token;
}

const rowId = (id: string) => Buffer.from(id, 'base64').toString().split(':')[1]!;

async function item(organisationId = people.organisationId) {
  return database.db.inventoryItem.findFirstOrThrow({
    where: { organisationId, deletedAt: null },
    orderBy: { sku: 'asc' },
  });
}

const adjust = async (itemId: string, delta: number, as = people.employee) => {
  const result = await data(
    graphql(/* GraphQL */ `
      mutation LiveAdjust($input: AdjustStockInput!) {
        adjustStock(input: $input) {
          __typename
          ...MutationError
        }
      }
    `),
    { input: { itemId: globalId('InventoryItem', itemId), delta } },
    { as },
  );
  expect(result.adjustStock.__typename).toBe('AdjustStockSuccess');
};

async function order(status: string) {
  return database.db.purchaseOrder.findFirstOrThrow({
    where: { organisationId: people.organisationId, status: status as never },
    include: { lines: true },
  });
}

describe.each(transports)('over %s', (transport) => {
  it('a stock change reaches a subscriber of its organisation with the item as it is now, low-stock badge included', async () => {
    const stock = await item();
    const stream = await listening(client(transport, await bearer(people.worker)), 'stock', subscriptions.stockNow);
    await adjust(stock.id, 2);
    const { qty, minQty } = await database.db.inventoryItem.findUniqueOrThrow({ where: { id: stock.id } });
    expect(await stream.next()).toEqual({
      data: { stockLevelChanged: { id: globalId('InventoryItem', stock.id), qty, minQty, isLowStock: qty <= minQty } },
    });
    // A stream the client ends is no longer held.
    await close(stream);
  });

  it('receiving a purchase order announces its status, and the stock of each of its items', async () => {
    const approved = await order(transport === 'sse' ? 'APPROVED' : 'SUBMITTED');
    const token = await bearer(people.manager);
    const orders = await listening(client(transport, token), 'purchase_order', subscriptions.orderStatus);
    const stock = await listening(client(transport, token), 'stock', subscriptions.stockQty);
    if (approved.status === 'SUBMITTED') {
      const result = await data(
        graphql(/* GraphQL */ `
          mutation LiveApprove($id: ID!) {
            approvePurchaseOrder(id: $id) {
              __typename
              ...MutationError
            }
          }
        `),
        { id: globalId('PurchaseOrder', approved.id) },
        { as: people.manager },
      );
      expect(result.approvePurchaseOrder.__typename).toBe('ApprovePurchaseOrderSuccess');
      expect((await orders.next()).data).toEqual({
        purchaseOrderChanged: { id: globalId('PurchaseOrder', approved.id), status: 'APPROVED', receivedAt: null },
      });
    }
    const received = await data(
      graphql(/* GraphQL */ `
        mutation LiveReceive($id: ID!) {
          receivePurchaseOrder(id: $id) {
            __typename
            ...MutationError
          }
        }
      `),
      { id: globalId('PurchaseOrder', approved.id) },
      { as: people.manager },
    );
    expect(received.receivePurchaseOrder.__typename).toBe('ReceivePurchaseOrderSuccess');
    const event = (await orders.next()).data?.purchaseOrderChanged;
    expect(event).toMatchObject({ id: globalId('PurchaseOrder', approved.id), status: 'RECEIVED' });
    expect(event?.receivedAt).not.toBeNull();
    const items = new Set(approved.lines.map((line) => line.itemId));
    const heard = new Map<string, number>();
    while (heard.size < items.size) {
      const { id, qty } = (await stock.next()).data!.stockLevelChanged!;
      heard.set(rowId(id), qty);
    }
    const now = await database.db.inventoryItem.findMany({ where: { id: { in: [...items] } } });
    expect(heard).toEqual(new Map(now.map((row) => [row.id, row.qty])));
    await close(orders, stock);
  });

  it("equipment's status and next maintenance, and a maintenance record added, reach subscribers", async () => {
    const [equipment] = await database.db.equipment.findMany({
      where: { organisationId: people.organisationId, status: 'ACTIVE', deletedAt: null },
      orderBy: { serialNumber: transport === 'sse' ? 'asc' : 'desc' },
      take: 1,
    });
    const live = client(transport, await bearer(people.worker));
    const changed = await listening(live, 'equipment', subscriptions.equipmentDates);
    const added = await listening(live, 'maintenance_record', subscriptions.recordAdded);
    const next = new Date(Date.now() + 30 * 86_400_000);
    next.setMilliseconds(0);
    const result = await data(
      graphql(/* GraphQL */ `
        mutation LiveAddRecord($input: AddMaintenanceRecordInput!) {
          addMaintenanceRecord(input: $input) {
            __typename
            ...MutationError
            ... on AddMaintenanceRecordSuccess {
              maintenanceRecord {
                id
              }
            }
          }
        }
      `),
      {
        input: {
          equipmentId: globalId('Equipment', equipment!.id),
          maintenanceDate: new Date().toISOString(),
          nextMaintenance: next.toISOString(),
          notes: `Checked over ${transport}`,
        },
      },
      { as: people.worker },
    );
    expect(await added.next()).toEqual({
      data: {
        maintenanceRecordAdded: {
          id: expectTypename(result.addMaintenanceRecord, 'AddMaintenanceRecordSuccess').maintenanceRecord.id,
          notes: `Checked over ${transport}`,
          equipment: { id: globalId('Equipment', equipment!.id) },
          performedBy: { email: 'wes@harbourworks.example' },
        },
      },
    });
    const count = await database.db.maintenanceRecord.count({ where: { equipmentId: equipment!.id } });
    expect(await changed.next()).toEqual({
      data: {
        equipmentChanged: {
          id: globalId('Equipment', equipment!.id),
          nextMaintenanceAt: next.toISOString(),
          maintenanceCount: count,
        },
      },
    });
    await close(changed, added);
  });

  it('punches reach the puncher and managers, not other workers', async () => {
    const worker = client(transport, await bearer(people.worker));
    const manager = client(transport, await bearer(people.manager));
    const workerPunches = await listening(worker, 'time_entry', subscriptions.punches);
    const managerPunches = await listening(manager, 'time_entry', subscriptions.punches);
    // Punches are whole seconds apart, in the past; each transport's run has its own hour.
    const base = Date.now() - (transport === 'sse' ? 3 : 2) * 3_600_000;
    let minute = 0;
    const punch = async (as: string, mutation: 'clockIn' | 'clockOut') => {
      const at = new Date(base + ++minute * 60_000).toISOString();
      const { result } =
        mutation === 'clockIn'
          ? await data(clockIn, { input: { source: 'MOBILE', at } }, { as })
          : await data(clockOut, { input: { at } }, { as });
      expect(result.__typename).toBe(`${mutation === 'clockIn' ? 'ClockIn' : 'ClockOut'}Success`);
    };
    const wes = 'wes@harbourworks.example';
    const esi = 'esi@harbourworks.example';
    const heard = async (stream: typeof workerPunches) => {
      const { isOpen, user } = (await stream.next()).data!.timeEntryPunched!;
      return [user.email, isOpen];
    };
    // Each punch is heard before the next: an event's entry is read when it is delivered, and a
    // later punch would change it. The employee's punches come first: had the worker heard them,
    // they would be its first results.
    await punch(people.employee, 'clockIn');
    expect(await heard(managerPunches)).toEqual([esi, true]);
    await punch(people.worker, 'clockIn');
    expect(await heard(managerPunches)).toEqual([wes, true]);
    expect(await heard(workerPunches)).toEqual([wes, true]);
    await punch(people.employee, 'clockOut');
    expect(await heard(managerPunches)).toEqual([esi, false]);
    await punch(people.worker, 'clockOut');
    expect(await heard(managerPunches)).toEqual([wes, false]);
    expect(await heard(workerPunches)).toEqual([wes, false]);
    await close(workerPunches, managerPunches);
  });

  it('another organisation hears nothing of this one, and its own changes only', async () => {
    const stream = await listening(client(transport, await bearer(rival.admin)), 'stock', subscriptions.stockIds);
    await adjust((await item()).id, 1);
    const theirs = await database.db.inventoryItem.create({
      data: { organisationId: rival.organisationId, sku: `R-${transport}`, name: 'Rival stock', location: 'Yard' },
    });
    await database.db.stockMovement.create({ data: { itemId: theirs.id, delta: 4, reason: 'INITIAL' } });
    expect(await stream.next()).toEqual({ data: { stockLevelChanged: { id: globalId('InventoryItem', theirs.id) } } });
    await close(stream);
  });

  // Over SSE a refusal answers with its HTTP status, and its error as the one event.
  const refused = (code: string, message: string, status: number) => [
    {
      ...(transport === 'sse' ? { status } : {}),
      errors: [expect.objectContaining({ message, extensions: { code } })],
    },
  ];

  it('a worker may not subscribe to purchase orders: FORBIDDEN, and nothing held open', async () => {
    const before = open('purchase_order');
    const stream = subscribe(client(transport, await bearer(people.worker)), subscriptions.orderIds);
    await stream.ended;
    expect(stream.received).toEqual(refused('FORBIDDEN', 'Your role does not allow this.', 403));
    expect(open('purchase_order')).toBe(before);
  });

  it('a signed-out client may not subscribe', async () => {
    const stream = subscribe(client(transport, undefined), subscriptions.stockIds);
    await stream.ended;
    expect(stream.received).toEqual(refused('UNAUTHENTICATED', 'Sign in to use this API.', 401));
  });

  it('a revoked session ends its streams, on both transports, with the error a request with it gets', async () => {
    const token = await freshToken(people.manager);
    const stock = await listening(client(transport, token), 'stock', subscriptions.stockIds);
    const orders = await listening(client(transport, token), 'purchase_order', subscriptions.orderIds);
    const loggedOut = await data(
      graphql(/* GraphQL */ `
        mutation LiveLogout {
          logout {
            __typename
          }
        }
      `),
      {},
      { token },
    );
    expect(loggedOut).toEqual({ logout: { __typename: 'LogoutSuccess' } });
    for (const stream of [stock, orders] as Stream[]) {
      await stream.ended;
      expect(stream.received).toEqual([
        {
          data: { [stream === stock ? 'stockLevelChanged' : 'purchaseOrderChanged']: null },
          errors: [
            expect.objectContaining({
              message: 'The session has ended: sign in again.',
              extensions: { code: 'UNAUTHENTICATED' },
            }),
          ],
        },
      ]);
    }
  });

  it('an expired access token ends its stream', async () => {
    const session = await database.db.session.create({
      data: { userId: people.employee, refreshTokenHash: randomUUID(), expiresAt: new Date(Date.now() + 3_600_000) },
    });
    const user = await database.db.user.findUniqueOrThrow({ where: { id: people.employee } });
    const token = await new SignJWT({ sid: session.id, ver: user.credentialsChangedAt.getTime() })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject(people.employee)
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(config.auth.secret);
    const stream = await listening(client(transport, token), 'stock', subscriptions.stockIds);
    await stream.ended;
    expect(stream.received).toEqual([
      {
        data: { stockLevelChanged: null },
        errors: [expect.objectContaining({ message: 'The access token has expired: refresh the session.' })],
      },
    ]);
  });
});

describe('every transport', () => {
  /** Starts and submits an inspection of the equipment: failing its critical items, or passing all. */
  async function inspect(equipmentId: string, as: string, pass: boolean) {
    const started = await data(
      graphql(/* GraphQL */ `
        mutation LiveStartInspection($id: ID!) {
          startInspection(equipmentId: $id) {
            __typename
            ...MutationError
            ... on StartInspectionSuccess {
              inspection {
                id
                version {
                  items {
                    id
                    kind
                    critical
                    minValue
                  }
                }
              }
            }
          }
        }
      `),
      { id: globalId('Equipment', equipmentId) },
      { as },
    );
    const { id, version } = expectTypename(started.startInspection, 'StartInspectionSuccess').inspection;
    const answers = version.items.map(({ id: itemId, kind, critical, minValue }) =>
      kind === 'YES_NO'
        ? { itemId, yes: pass || !critical }
        : kind === 'NUMBER'
          ? { itemId, number: pass ? (minValue ?? '1') : '-1000000' }
          : { itemId, text: 'Looked at' },
    );
    const submitted = await data(
      graphql(/* GraphQL */ `
        mutation LiveSubmitInspection($input: SubmitInspectionInput!) {
          submitInspection(input: $input) {
            __typename
            ...MutationError
          }
        }
      `),
      { input: { inspectionId: id, answers } },
      { as },
    );
    expect(submitted.submitInspection.__typename).toBe('SubmitInspectionSuccess');
    return id;
  }

  it("an inspection's result reaches its inspector and managers, not other workers; a failed one changes its equipment", async () => {
    const [failing, passing] = await database.db.equipment.findMany({
      where: {
        organisationId: people.organisationId,
        status: 'ACTIVE',
        category: { in: ['POWER_TOOL', 'VEHICLE', 'MACHINERY'] },
        deletedAt: null,
      },
      orderBy: { category: 'asc' },
      distinct: ['category'],
      take: 2,
    });
    const query = subscriptions.inspections;
    const inspector = await listening(client('sse', await bearer(people.worker)), 'inspection', query);
    const manager = await listening(client('ws', await bearer(people.manager)), 'inspection', query);
    const other = await listening(client('ws', await bearer(people.employee)), 'inspection', query);
    const status = await listening(
      client('sse', await bearer(people.employee)),
      'equipment',
      subscriptions.equipmentStatus,
    );
    const failed = await inspect(failing!.id, people.worker, false);
    const passed = await inspect(passing!.id, people.employee, true);
    const wes = { id: failed, result: 'FAIL', inspector: { email: 'wes@harbourworks.example' } };
    const esi = { id: passed, result: 'PASS', inspector: { email: 'esi@harbourworks.example' } };
    expect(await inspector.next()).toEqual({ data: { inspectionSubmitted: wes } });
    expect(await manager.next()).toEqual({ data: { inspectionSubmitted: wes } });
    expect(await manager.next()).toEqual({ data: { inspectionSubmitted: esi } });
    // The employee's first result is its own inspection, submitted after the worker's.
    expect(await other.next()).toEqual({ data: { inspectionSubmitted: esi } });
    expect(await status.next()).toEqual({
      data: { equipmentChanged: { id: globalId('Equipment', failing!.id), status: 'OUT_OF_SERVICE' } },
    });
    await close(inspector, manager, other, status);
  });

  it('a change rolled back announces nothing; the next committed one is the first heard', async () => {
    const stock = await item();
    const stream = await listening(client('ws', await bearer(people.manager)), 'stock', subscriptions.stockLevels);
    const before = await database.db.inventoryItem.findUniqueOrThrow({ where: { id: stock.id } });
    await expect(
      database.db.$transaction(async (tx) => {
        await tx.$executeRaw`UPDATE inventory.inventory_items SET min_qty = min_qty + 50 WHERE id = ${stock.id}::uuid`;
        await tx.stockMovement.create({ data: { itemId: stock.id, delta: 7, reason: 'ADJUSTMENT' } });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await adjust(stock.id, 1);
    expect(await stream.next()).toEqual({
      data: {
        stockLevelChanged: { id: globalId('InventoryItem', stock.id), qty: before.qty + 1, minQty: before.minQty },
      },
    });
    await close(stream);
  });
});

describe('limits', () => {
  const query = subscriptions.stockIds;

  it('a WebSocket connection holds at most GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION: the next is refused, the others go on', async () => {
    const live = client('ws', await bearer(people.admin));
    const streams: Stream<LiveStockIdsSubscription>[] = [];
    for (let i = 0; i < LIMITS.maxSubscriptionsPerConnection; i++) streams.push(await listening(live, 'stock', query));
    const refused = subscribe(live, query);
    await refused.ended;
    expect(refused.received).toEqual([
      {
        errors: [
          expect.objectContaining({
            message:
              'At most 6 subscriptions may be open on this connection: end one (or open another connection) first.',
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', max: 6 },
          }),
        ],
      },
    ]);
    const stock = await item();
    await adjust(stock.id, 1);
    for (const stream of streams) {
      expect(await stream.next()).toEqual({ data: { stockLevelChanged: { id: globalId('InventoryItem', stock.id) } } });
    }
    await close(...streams);
  });

  it('a user holds at most GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER on an instance, over any transport', async () => {
    const token = await bearer(people.admin);
    const ws = client('ws', token);
    const streams: Stream<LiveStockIdsSubscription>[] = [];
    for (let i = 0; i < LIMITS.maxSubscriptionsPerUser; i++) {
      streams.push(await listening(i < 4 ? ws : client('sse', token), 'stock', query));
    }
    const tooMany = {
      errors: [
        expect.objectContaining({
          message:
            'At most 8 subscriptions may be open for your account on this server: end one (or open another connection) first.',
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', max: 8 },
        }),
      ],
    };
    for (const transport of transports) {
      const refused = subscribe(client(transport, token), query);
      await refused.ended;
      expect(refused.received).toEqual([tooMany]);
    }
    await streams.pop()!.close();
    await until('stock', LIMITS.maxSubscriptionsPerUser - 1);
    const again = await listening(client('sse', token), 'stock', query);
    await close(...streams, again);
  });

  it('a client that stops reading is ended (SUBSCRIBER_TOO_SLOW) once GRAPHQL_MAX_QUEUED_EVENTS wait: the rest is dropped', async () => {
    // An item whose every event is about 200 kB, so that the connection's buffers fill quickly.
    const bulky = await database.db.inventoryItem.create({
      data: { organisationId: people.organisationId, sku: 'BULKY-1', name: 'Bulky', location: 'Stores' },
    });
    await database.db.stockMovement.createMany({
      data: Array.from({ length: 100 }, (_, i) => ({
        itemId: bulky.id,
        delta: 1,
        reason: 'ADJUSTMENT' as const,
        note: `${i}`.padEnd(2_000, '.'),
      })),
    });
    const token = await bearer(people.admin);
    const body = JSON.stringify({
      query: print(
        graphql(/* GraphQL */ `
          subscription LiveBulky {
            stockLevelChanged {
              id
              minQty
              movements(first: 100) {
                edges {
                  node {
                    note
                  }
                }
              }
            }
          }
        `),
      ),
    });
    let text = '';
    const finished = new Promise<void>((resolve, reject) => {
      const sent = request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      });
      sent.on('error', reject);
      sent.on('response', (response) => {
        // Not read until the subscription has ended on the server.
        response.pause();
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', resolve);
        void until('stock', 0).then(() => response.resume());
      });
      sent.end(body);
    });
    await until('stock', 1);
    let published = 0;
    while (open('stock') === 1) {
      await database.db
        .$executeRaw`UPDATE inventory.inventory_items SET min_qty = min_qty + 1 WHERE id = ${bulky.id}::uuid`;
      published += 1;
      expect(published).toBeLessThan(500);
    }
    await finished;
    const results = text
      .split('\n\n')
      .filter((event) => event.startsWith('event: next'))
      .map(
        (event) =>
          JSON.parse(event.slice(event.indexOf('data: ') + 6)) as {
            data?: unknown;
            errors?: { extensions: { code: string } }[];
          },
      );
    const delivered = results.filter((result) => !result.errors).length;
    console.log(
      `[subscriptions] a client that did not read got ${delivered} of ${published} events (about 200 kB each), then SUBSCRIBER_TOO_SLOW`,
    );
    expect(results.at(-1)!.errors![0]!.extensions.code).toBe('SUBSCRIBER_TOO_SLOW');
    expect(delivered).toBeLessThan(published);
    expect(text.trimEnd().endsWith('event: complete\ndata:')).toBe(true);
  });
});

describe('who may subscribe', () => {
  // A string built per field of the schema, sent over HTTP as it is.
  // The permission each field's record is read by; null: anyone signed in (its rule is per record).
  const fields: Record<string, Permission | null> = {
    stockLevelChanged: 'readInventory',
    purchaseOrderChanged: 'readPurchasing',
    equipmentChanged: 'readEquipment',
    maintenanceRecordAdded: 'readEquipment',
    timeEntryPunched: null,
    inspectionSubmitted: 'readSafety',
  };

  it('covers every subscription of the schema', () => {
    expect(Object.keys(fields).sort()).toEqual(Object.keys(schema.getSubscriptionType()!.getFields()).sort());
  });

  it('each role may subscribe to exactly the events whose records it may read, as the permission matrix says', async () => {
    const roles = {
      [RoleName.SUPERADMIN]: people.superadmin,
      [RoleName.ADMIN]: people.admin,
      [RoleName.MANAGER]: people.manager,
      [RoleName.EMPLOYEE]: people.employee,
      [RoleName.WORKER]: people.worker,
    };
    for (const [field, permission] of Object.entries(fields)) {
      for (const [role, user] of Object.entries(roles)) {
        const response = await app.fetch('http://localhost/graphql', {
          method: 'POST',
          headers: {
            accept: 'text/event-stream',
            'content-type': 'application/json',
            authorization: `Bearer ${await bearer(user)}`,
          },
          body: JSON.stringify({ query: `subscription { ${field} { id } }` }),
        });
        const viewer = { id: user, organisationId: '', sessionId: '', roles: [role as RoleName] };
        const allowed = permission === null || may(viewer, permission);
        expect({ field, role, status: response.status }).toEqual({ field, role, status: allowed ? 200 : 403 });
        // Read from, as a client does, then left: the server ends the subscription.
        const reader = response.body!.getReader();
        await reader.read();
        await reader.cancel();
      }
    }
    await close();
  });
});
