import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, scales } from '../bench/generate.js';
import { operations, type OperationName } from '../bench/operations.js';
import { readFile } from 'node:fs/promises';
import { postgraphileCursorQuery, postgraphileOperations } from '../bench/postgraphile-operations.js';
import { createPostGraphileServer } from '../bench/servers/postgraphile.js';
import { createYogaPrismaServer } from '../bench/servers/floor.js';
import { createPothosPrismaServer } from '../bench/servers/pothos-floor.js';
import { createRawServer } from '../bench/servers/raw.js';
import { repoRoot } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import { bearer, globalId, graphql } from './helpers/graphql.js';

// The benchmark compares servers only once they give the same answers; this is that check.
const database = useTestDatabase();
let raw: ReturnType<typeof createRawServer>;
let rawUrl: string;
let postgraphile: Awaited<ReturnType<typeof createPostGraphileServer>>;
let postgraphileUrl: string;
let organisationId: string;
let ids: { equipment: string; item: string; user: string };
let token: string;
const variables: Record<OperationName, Record<string, unknown>> = {} as never;

beforeAll(async () => {
  await generate(database.url, scales.small, () => {});
  const [organisation] = await database.sql<{ id: string }>(`SELECT id FROM auth.organisations ORDER BY name LIMIT 1`);
  const [admin] = await database.sql<{ id: string }>(
    `SELECT u.id FROM auth.users u JOIN auth.user_roles ur ON ur.user_id = u.id JOIN auth.roles r ON r.id = ur.role_id
     WHERE u.organisation_id = $1 AND r.name = 'admin' LIMIT 1`,
    [organisation!.id],
  );
  token = await bearer(admin!.id);
  const [equipment] = await database.sql<{ id: string }>(
    `SELECT id FROM assets.equipment WHERE organisation_id = $1 AND status = 'active' ORDER BY name, id OFFSET 30 LIMIT 1`,
    [organisation!.id],
  );
  const [item] = await database.sql<{ id: string }>(
    `SELECT id FROM inventory.inventory_items WHERE organisation_id = $1 LIMIT 1`,
    [organisation!.id],
  );
  Object.assign(variables, {
    dashboard: {},
    deepList: {},
    filteredPage: { after: Buffer.from(`GPC:S:${equipment!.id}`).toString('base64') },
    nodeLookup: { id: globalId('Equipment', equipment!.id) },
    adjustStock: { itemId: globalId('InventoryItem', item!.id) },
    timesheet: { userId: globalId('User', admin!.id) },
  });
  organisationId = organisation!.id;
  ids = { equipment: equipment!.id, item: item!.id, user: admin!.id };
  raw = createRawServer(database.url, organisation!.id, { poolSize: 1 });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/graphql`;
  await database.sql(await readFile(`${repoRoot}/bench/postgraphile-setup.sql`, 'utf8'));
  postgraphile = await createPostGraphileServer(database.url, { poolSize: 1 });
  await new Promise<void>((resolve) => postgraphile.server.listen(0, '127.0.0.1', resolve));
  postgraphileUrl = `http://127.0.0.1:${(postgraphile.server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await new Promise((resolve) => raw.close(resolve));
  await raw.pool.end();
  await postgraphile.close();
});

async function askPostGraphile<T = unknown>(query: string, variables: Record<string, unknown>) {
  const response = await fetch(postgraphileUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

describe('PostGraphile', () => {
  it.each(Object.keys(operations) as OperationName[])('answers %s exactly as OpsGraph does', async (name) => {
    const ours = await graphql(operations[name].document, variables[name], { token });
    expect(ours.errors).toBeUndefined();
    type Cursors = { allAssetsEquipments: { pageInfo: { endCursor: string } } };
    const cursors = await askPostGraphile<Cursors>(postgraphileCursorQuery, {
      organisation: organisationId,
      count: 31,
    });
    const theirs = await askPostGraphile(postgraphileOperations[name].document, {
      organisation: organisationId,
      after: cursors.allAssetsEquipments.pageInfo.endCursor,
      id: ids.equipment,
      itemId: ids.item,
      user: ids.user,
    });
    expect(postgraphileOperations[name].toOpsGraph(theirs)).toEqual(ours.data);
  });
});

describe('the raw SQL baseline', () => {
  it.each(Object.keys(operations) as OperationName[])('answers %s exactly as OpsGraph does', async (name) => {
    const ours = await graphql(operations[name].document, variables[name], { token });
    expect(ours.errors).toBeUndefined();
    const response = await fetch(rawUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operationName: name, query: operations[name].document, variables: variables[name] }),
    });
    const theirs = (await response.json()) as { data: unknown };
    expect(theirs.data).toEqual(ours.data);
    expect(JSON.stringify(ours.data).length).toBeGreaterThan(30);
  });
});

/** The server's answer to the operation, beside OpsGraph's: the same data, and no error from either. */
async function answersAsOpsGraph(server: ReturnType<typeof createYogaPrismaServer>, name: OperationName) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const ours = await graphql(operations[name].document, variables[name], { token });
    expect(ours.errors).toBeUndefined();
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: operations[name].document, variables: variables[name] }),
    });
    const theirs = (await response.json()) as { data: unknown; errors?: unknown };
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data).toEqual(ours.data);
    expect(JSON.stringify(ours.data).length).toBeGreaterThan(30);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

// bench:floor measures this server as the fastest any server on Yoga and Prisma can be; the
// comparison holds only while it does the same work and gives the same answers as OpsGraph.
describe('the Yoga + Prisma floor', () => {
  it.each([
    ['nodeLookup', false],
    ['nodeLookup', true],
    ['deepList', false],
    ['filteredPage', false],
    ['dashboard', false],
    ['adjustStock', false],
    ['timesheet', false],
  ] as const)('answers %s exactly as OpsGraph does (raw SQL: %s)', async (name, raw) => {
    await answersAsOpsGraph(createYogaPrismaServer(database.db, { organisationId, userId: ids.user }, { raw }), name);
  });

  it('adjusts stock as OpsGraph does: the quantity, a movement by the actor, and the audit event', async () => {
    const floor = createYogaPrismaServer(database.db, { organisationId, userId: ids.user });
    await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
    const recorded = async () =>
      (
        await database.sql<{ qty: number; movements: number; events: number }>(
          `SELECT (SELECT qty FROM inventory.inventory_items WHERE id = $1) AS qty,
                  (SELECT count(*)::int FROM inventory.stock_movements
                   WHERE item_id = $1 AND delta = 1 AND reason = 'adjustment' AND performed_by = $2) AS movements,
                  (SELECT count(*)::int FROM audit.audit_events
                   WHERE entity_id = $1 AND action = 'adjustStock' AND actor_id = $2 AND organisation_id = $3) AS events`,
          [ids.item, ids.user, organisationId],
        )
      )[0]!;
    try {
      const before = await recorded();
      const response = await fetch(`http://127.0.0.1:${(floor.address() as AddressInfo).port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: operations.adjustStock.document, variables: variables.adjustStock }),
      });
      expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
      const afterFloor = await recorded();
      expect(afterFloor).toEqual({ qty: before.qty + 1, movements: before.movements + 1, events: before.events + 1 });
      expect((await graphql(operations.adjustStock.document, variables.adjustStock, { token })).errors).toBeUndefined();
      expect(await recorded()).toEqual({
        qty: afterFloor.qty + 1,
        movements: afterFloor.movements + 1,
        events: afterFloor.events + 1,
      });
    } finally {
      await new Promise((resolve) => floor.close(resolve));
    }
  });
});

// The stack's floor: what Pothos costs over the bare floor is measured only while both answer alike.
describe('the Yoga + Pothos + Prisma floor', () => {
  it.each(Object.keys(operations) as OperationName[])('answers %s exactly as OpsGraph does', async (name) => {
    await answersAsOpsGraph(createPothosPrismaServer(database.db, { organisationId, userId: ids.user }), name);
  });
});
