import { Agent, request } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import { LISTENER_NAME } from '../src/database/notifications.js';
import { graphql } from './generated/index.js';
import { bearer, demo, execute, expectTypename, post } from './helpers/graphql.js';

// Two server processes on one database, as behind a load balancer: what one learns, the other obeys.
const database = useTestDatabase();
let first: RunningServer;
let second: RunningServer;

let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
  [first, second] = await Promise.all([
    startServer({ DATABASE_URL: database.url }),
    startServer({ DATABASE_URL: database.url }),
  ]);
});

afterAll(async () => {
  expect(await first?.stop()).toBe(0);
  expect(await second?.stop()).toBe(0);
});

const loginMutation = graphql(/* GraphQL */ `
  mutation InstancesLogin($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on LoginSuccess {
        tokens {
          accessToken
        }
      }
    }
  }
`);

const viewerEmail = graphql(/* GraphQL */ `
  query InstancesViewer {
    viewer {
      email
    }
  }
`);

const login = async (server: RunningServer, email: string, password: string) => {
  const { data, errors } = await post(server, loginMutation, { input: { email, password } });
  expect(errors).toBeUndefined();
  return data!.login;
};
/** The access token of a sign-in that must succeed. */
const accessToken = async (server: RunningServer, email: string) =>
  expectTypename(await login(server, email, 'opsgraph-demo'), 'LoginSuccess').tokens.accessToken;
const viewer = (server: RunningServer, token: string) => post(server, viewerEmail, {}, token);

describe('two instances on one database', () => {
  it('a session ended through one instance is refused by the other, which had it checked already', async () => {
    const token = await accessToken(first, 'esi@harbourworks.example');
    // Asked twice, so the second instance has checked the session and may remember it.
    for (let i = 0; i < 2; i++) {
      expect((await viewer(second, token)).data).toEqual({ viewer: { email: 'esi@harbourworks.example' } });
    }

    const loggedOut = await post(
      first,
      graphql(/* GraphQL */ `
        mutation InstancesLogout {
          logout {
            __typename
          }
        }
      `),
      {},
      token,
    );
    expect(loggedOut.data).toEqual({ logout: { __typename: 'LogoutSuccess' } });
    const revokedAt = Date.now();
    let answer = await viewer(second, token);
    while (answer.data?.viewer && Date.now() - revokedAt < 2_000) answer = await viewer(second, token);
    console.log(`[instances] the other instance refused the revoked session after ${Date.now() - revokedAt} ms`);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(answer.errors?.[0]?.message).toBe('The session has ended: sign in again.');
    // …and the instance that ended it refuses it at once.
    expect((await viewer(first, token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a role change through one instance voids tokens on the other', async () => {
    const admin = await accessToken(first, 'ada@harbourworks.example');
    const worker = await accessToken(second, 'wes@harbourworks.example');
    expect((await viewer(second, worker)).data?.viewer).toBeTruthy();
    const users = await post(
      first,
      graphql(/* GraphQL */ `
        query InstancesUsers {
          users(first: 50) {
            edges {
              node {
                id
                email
              }
            }
          }
        }
      `),
      {},
      admin,
    );
    const wes = users.data?.users.edges.find((edge) => edge.node.email === 'wes@harbourworks.example')?.node.id;
    const assigned = await post(
      first,
      graphql(/* GraphQL */ `
        mutation InstancesAssignRole($id: ID!) {
          assignRole(userId: $id, role: EMPLOYEE) {
            __typename
          }
        }
      `),
      { id: wes! },
      admin,
    );
    expect(assigned.data).toEqual({ assignRole: { __typename: 'AssignRoleSuccess' } });
    const changedAt = Date.now();
    let answer = await viewer(second, worker);
    while (answer.data?.viewer && Date.now() - changedAt < 2_000) answer = await viewer(second, worker);
    expect(answer.errors?.[0]?.message).toContain('Your roles or password changed');
  });

  it('counts failed sign-ins across instances: five through one throttle the account on the other', async () => {
    for (let i = 0; i < 5; i++) {
      const server = i % 2 === 0 ? first : second;
      expect((await login(server, 'marek@harbourworks.example', 'wrong password')).__typename).toBe(
        'AuthenticationError',
      );
    }
    expect((await login(second, 'marek@harbourworks.example', 'opsgraph-demo')).__typename).toBe(
      'TooManyAttemptsError',
    );
  });

  it('when the listener connection is cut, a session revoked meanwhile is refused, and the listener comes back by itself', async () => {
    const listeners = async () =>
      (
        await database.sql<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
          [LISTENER_NAME],
        )
      ).map((row) => row.pid);
    // The two servers' listeners and this process' own.
    const before = await listeners();
    expect(before).toHaveLength(3);
    const token = await bearer(people.manager);
    const asks = [() => execute(viewerEmail, {}, { token }), () => viewer(first, token)];
    // Checked twice here and on the first server, so the check is remembered.
    for (const ask of [...asks, ...asks]) expect((await ask()).data?.viewer).toBeTruthy();

    await database.sql('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid', [before]);
    await database.sql('UPDATE auth.sessions SET revoked_at = now() WHERE user_id = $1', [people.manager]);
    const revokedAt = Date.now();
    for (const ask of asks) {
      let answer = await ask();
      while (answer.data?.viewer && Date.now() - revokedAt < 2_000) answer = await ask();
      expect(answer.errors?.[0]?.message).toBe('The session has ended: sign in again.');
    }

    let after = await listeners();
    while (after.length < before.length && Date.now() - revokedAt < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await listeners();
    }
    console.log(
      `[instances] the session listeners were back ${Date.now() - revokedAt} ms after their connections were cut`,
    );
    expect(after).toHaveLength(before.length);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
  });

  it("keeps an idle keep-alive connection open past Node's 5 s default, for a balancer to reuse", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const health = new URL('/health', first.url);
    const ask = () =>
      new Promise<{ status?: number; reused: boolean }>((resolve, reject) => {
        const sent = request(health, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode, reused: sent.reusedSocket }));
        });
        sent.on('error', reject);
        sent.end();
      });
    expect(await ask()).toEqual({ status: 200, reused: false });
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await ask()).toEqual({ status: 200, reused: true });
    agent.destroy();
  });

  it('SIGTERM: the request in flight finishes, new connections are refused, the process exits 0', async () => {
    const third = await startServer({ DATABASE_URL: database.url });
    const token = await bearer(people.employee);
    const [item] = await database.sql<{ id: string }>(
      'SELECT id FROM inventory.inventory_items WHERE organisation_id = $1 ORDER BY sku LIMIT 1',
      [people.organisationId],
    );
    const [{ qty }] = (await database.sql<{ qty: number }>('SELECT qty FROM inventory.inventory_items WHERE id = $1', [
      item!.id,
    ])) as [{ qty: number }];
    // A lock held here keeps the adjustment in flight while the server is told to stop.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM inventory.inventory_items WHERE id = $1 FOR UPDATE', [item!.id]);
    const inFlight = post(
      third,
      graphql(/* GraphQL */ `
        mutation InstancesAdjust($input: AdjustStockInput!) {
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
      { input: { itemId: Buffer.from(`InventoryItem:${item!.id}`).toString('base64'), delta: 2 } },
      token,
    );
    const waiting = "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()";
    while ((await database.sql(waiting)).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const exited = third.stop();
    while (!third.output().includes('SIGTERM: finishing in-flight requests')) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect(fetch(third.url, { method: 'POST' })).rejects.toThrow();
    await blocker.query('COMMIT');
    await blocker.end();
    expect(await inFlight).toEqual({
      data: { adjustStock: { __typename: 'AdjustStockSuccess', inventoryItem: { qty: qty + 2 } } },
    });
    expect(await exited).toBe(0);
    expect(third.output()).toContain('"msg":"stopped"');
  });
});
