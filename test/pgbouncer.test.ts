import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../src/db.js';
import { DEMO_ORGANISATION_NAME } from '../src/database/seed.js';
import { retryableDatabaseError } from '../src/lib/errors.js';
import { graphql } from './generated/index.js';
import { DashboardDocument } from './generated/graphql.js';
import { prisma, run, startServer, type RunningServer } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import { demo, post, signInTo } from './helpers/graphql.js';
import { startPgBouncer, type PgBouncer } from './helpers/pgbouncer.js';

// The server behind Debian's PgBouncer in transaction mode, which gives each transaction whichever
// of its two server connections is free: what one transaction set on its connection, the next
// one of the same client may not find.
const database = useTestDatabase();
let bouncer: PgBouncer;
let pooledUrl: string;
const servers: RunningServer[] = [];

beforeAll(async () => {
  bouncer = await startPgBouncer(database.url, { poolSize: 2 });
  pooledUrl = bouncer.through(database.url);
  await demo(database);
});

afterAll(async () => {
  for (const server of servers) expect(await server.stop()).toBe(0);
  await bouncer?.close();
});

async function start(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer({ DATABASE_URL: pooledUrl, DATABASE_POOLER: 'transaction', ...env });
  servers.push(server);
  return server;
}

const viewerEmail = graphql(/* GraphQL */ `
  query PgBouncerViewer {
    viewer {
      email
    }
  }
`);
const logout = graphql(/* GraphQL */ `
  mutation PgBouncerLogout {
    logout {
      __typename
    }
  }
`);

const viewer = (server: RunningServer, token: string) => post(server, viewerEmail, {}, token);
const ready = async (server: RunningServer) =>
  (await (await fetch(new URL('/ready', server.url))).json()) as { status: string; sessionChecks?: string };

describe('through PgBouncer in transaction mode', () => {
  let first: RunningServer;
  let second: RunningServer;

  it('serves sign-in, queries and mutations, and says that it checks sessions on every request', async () => {
    first = await start({});
    expect(first.output()).toContain('DATABASE_URL is behind a transaction pooler');
    expect(first.output()).toContain(
      'sessions are checked on every request, and live updates are off: DATABASE_URL is behind a transaction pooler, which cannot carry a LISTEN, and DIRECT_DATABASE_URL is not set',
    );
    expect(await ready(first)).toEqual({
      status: 'ready',
      sessionChecks: 'every request',
      sessionChecksReason:
        'DATABASE_URL is behind a transaction pooler, which cannot carry a LISTEN, and DIRECT_DATABASE_URL is not set',
    });

    const token = await signInTo(first, 'ada@harbourworks.example');
    const dashboard = await post(first, DashboardDocument, {}, token);
    expect(dashboard.errors).toBeUndefined();
    expect(dashboard.data?.organisation.name).toBe(DEMO_ORGANISATION_NAME);

    const items = await post(
      first,
      graphql(/* GraphQL */ `
        query PgBouncerItem {
          inventoryItems(first: 1) {
            edges {
              node {
                id
                qty
              }
            }
          }
        }
      `),
      {},
      token,
    );
    const item = items.data!.inventoryItems.edges[0]!.node;
    // Keyed, and sent twice: the second answer is the first's, through any server connection.
    const input = { itemId: item.id, delta: 3, note: 'through PgBouncer', idempotencyKey: 'pgbouncer-adjustment' };
    const adjust = graphql(/* GraphQL */ `
      mutation PgBouncerAdjust($input: AdjustStockInput!) {
        adjustStock(input: $input) {
          __typename
          ... on AdjustStockSuccess {
            inventoryItem {
              qty
            }
          }
        }
      }
    `);
    for (let i = 0; i < 2; i++) {
      expect((await post(first, adjust, { input }, token)).data).toEqual({
        adjustStock: { __typename: 'AdjustStockSuccess', inventoryItem: { qty: item.qty + 3 } },
      });
    }
    const [{ n }] = (await database.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM inventory.stock_movements WHERE note = 'through PgBouncer'",
    )) as [{ n: number }];
    expect(n).toBe(1);
  });

  it('a revocation made on one instance is obeyed on another when both reach the database only through PgBouncer', async () => {
    second = await start({});
    const token = await signInTo(first, 'esi@harbourworks.example');
    for (let i = 0; i < 2; i++) {
      expect((await viewer(second, token)).data).toEqual({ viewer: { email: 'esi@harbourworks.example' } });
    }
    expect((await post(first, logout, {}, token)).data).toEqual({
      logout: { __typename: 'LogoutSuccess' },
    });
    // Every request checks its session: the very next one is refused, with nothing to wait for.
    const answer = await viewer(second, token);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(answer.errors?.[0]?.message).toBe('The session has ended: sign in again.');
  });

  it('with DIRECT_DATABASE_URL the instances listen for session changes there, and a revocation through one reaches the other', async () => {
    const [third, fourth] = await Promise.all([
      start({ DIRECT_DATABASE_URL: database.url }),
      start({ DIRECT_DATABASE_URL: database.url }),
    ]);
    for (const server of [third, fourth]) {
      let answer = await ready(server);
      const since = Date.now();
      while (answer.sessionChecks !== 'remembered, listening for changes' && Date.now() - since < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        answer = await ready(server);
      }
      expect(answer).toEqual({ status: 'ready', sessionChecks: 'remembered, listening for changes' });
    }
    const token = await signInTo(third, 'esi@harbourworks.example');
    // Asked twice, so the fourth has checked the session and remembers it.
    for (let i = 0; i < 2; i++) expect((await viewer(fourth, token)).data?.viewer).toBeTruthy();
    expect((await post(third, logout, {}, token)).data?.logout).toBeTruthy();
    const revokedAt = Date.now();
    let answer = await viewer(fourth, token);
    while (answer.data?.viewer && Date.now() - revokedAt < 2_000) answer = await viewer(fourth, token);
    expect(answer.errors?.[0]?.message).toBe('The session has ended: sign in again.');
  });

  it('refuses to start with named prepared statements, which PgBouncer 1.18 cannot keep between transactions', async () => {
    const refused = await run('node', ['--import', 'tsx', 'src/server.ts'], {
      DATABASE_URL: pooledUrl,
      DATABASE_POOLER: 'transaction',
      DATABASE_NAMED_STATEMENTS: 'true',
      PORT: '0',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '[opsgraph] configuration error: DATABASE_NAMED_STATEMENTS=true, but the transaction pooler at DATABASE_URL does not keep prepared statements between transactions (PgBouncer before 1.21, or max_prepared_statements = 0)',
    );
  });
});

describe('named prepared statements', () => {
  it('without a pooler, each connection prepares a statement once, under a name of its SQL, and reuses it', async () => {
    const { system: named } = createDb(database.url, { poolSize: 1, namedStatements: true });
    try {
      for (let i = 0; i < 3; i++) expect(await named.role.count()).toBe(5);
      const prepared = await named.$queryRaw<{ name: string; calls: bigint }[]>`
        SELECT name, generic_plans + custom_plans AS calls FROM pg_prepared_statements`;
      const count = prepared.filter((statement) => statement.calls === 3n);
      expect(count).toHaveLength(1);
      expect(count[0]!.name).toMatch(/^opsgraph_[\w-]{27}$/);
    } finally {
      await named.$disconnect();
    }
  });
});

describe('migrations behind PgBouncer', () => {
  it('run on DIRECT_DATABASE_URL, and without it the Prisma CLI says that it needs it', async () => {
    const pooled = { DATABASE_URL: pooledUrl, DATABASE_POOLER: 'transaction' };
    const refused = await prisma(['migrate', 'status'], pooled);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "[opsgraph] prisma migrate status needs a session of its own, which the transaction pooler at DATABASE_URL cannot give: set DIRECT_DATABASE_URL to the database's direct address.",
    );
    const status = await prisma(['migrate', 'status'], { ...pooled, DIRECT_DATABASE_URL: database.url });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`PostgreSQL database "${new URL(database.url).pathname.slice(1)}"`);
    expect(status.stdout).toContain(':5432');
    expect(status.stdout).toContain('Database schema is up to date!');
  });
});

describe('settings that must hold for every statement, through PgBouncer', () => {
  const settings = { statementTimeoutMs: 300, idleInTransactionTimeoutMs: 500, jit: false };
  const connectionErrors: (Error & { code?: string })[] = [];
  let db: Db;

  beforeAll(() => {
    // Four client connections on PgBouncer's two server connections.
    ({ system: db } = createDb(pooledUrl, {
      poolSize: 4,
      pooler: 'transaction',
      ...settings,
      onConnectionError: (error) => connectionErrors.push(error),
    }));
  });

  afterAll(async () => {
    await db?.$disconnect();
  });

  const sqlstate = async (statement: Promise<unknown>) => {
    const error = await statement.then(
      () => undefined,
      (error: unknown) => error,
    );
    const { meta } = error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } };
    return { code: meta?.driverAdapterError?.cause?.originalCode, answer: retryableDatabaseError(error)?.extensions };
  };

  it('are not set at connection start: PgBouncer refuses a connection that asks', async () => {
    const client = new pg.Client({ connectionString: pooledUrl, statement_timeout: 300 });
    await expect(client.connect()).rejects.toThrow('unsupported startup parameter: statement_timeout');
  });

  it('cancel a statement past the statement timeout, on its own or in a transaction, on any server connection', async () => {
    const timedOut = { code: '57014', answer: expect.objectContaining({ code: 'TIMEOUT', retryable: true }) };
    const alone = await Promise.all(Array.from({ length: 4 }, () => sqlstate(db.$queryRaw`SELECT 1 FROM pg_sleep(1)`)));
    expect(alone).toEqual(Array(4).fill(timedOut));
    expect(
      await sqlstate(
        db.$transaction(async (tx) => {
          await tx.$queryRaw`SELECT 1`;
          await tx.$queryRaw`SELECT 1 FROM pg_sleep(1)`;
        }),
      ),
    ).toEqual(timedOut);
    expect(await db.$queryRaw`SELECT 1 FROM pg_sleep(0.1)`).toHaveLength(1);
  });

  it('end a transaction left idle past the idle-in-transaction timeout', async () => {
    const idle = db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await tx.$queryRaw`SELECT 1`;
      },
      { timeout: 10_000 },
    );
    const error = await idle.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(retryableDatabaseError(error)?.extensions).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true });
    expect(connectionErrors.map((error) => error.code)).toContain('25P03');
  });

  it('turn JIT off and set both timeouts on every statement, in and out of transactions, and leave the server connections as they were', async () => {
    const settings = `SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS statement,
      current_setting('idle_in_transaction_session_timeout') AS idle, pg_backend_pid() AS pid
      FROM pg_sleep(0.05)`;
    type Settings = { jit: string; statement: string; idle: string; pid: number };
    const seen = await Promise.all(Array.from({ length: 12 }, () => db.$queryRawUnsafe<Settings[]>(settings)));
    const inTransaction = await db.$transaction(async (tx) => [
      ...(await tx.$queryRawUnsafe<Settings[]>(settings)),
      ...(await tx.$queryRawUnsafe<Settings[]>(settings)),
    ]);
    const rows = [...seen.flat(), ...inTransaction];
    expect(new Set(rows.map((row) => row.pid)).size).toBe(2);
    for (const row of rows) expect(row).toMatchObject({ jit: 'off', statement: '300ms', idle: '500ms' });
    // SET LOCAL: the same server connections, reached by a plain client, have their own settings.
    const plain = new pg.Pool({ connectionString: pooledUrl, max: 4 });
    const after = await Promise.all(Array.from({ length: 8 }, () => plain.query<Settings>(settings)));
    await plain.end();
    for (const { rows } of after) expect(rows[0]).toMatchObject({ jit: 'on', statement: '0', idle: '0' });
  });

  it('are made once, at the start of each connection, without a pooler', async () => {
    const { system: direct } = createDb(database.url, { poolSize: 2, ...settings });
    try {
      expect(
        await direct.$queryRaw`SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS statement,
          current_setting('idle_in_transaction_session_timeout') AS idle`,
      ).toEqual([{ jit: 'off', statement: '300ms', idle: '500ms' }]);
      expect((await sqlstate(direct.$queryRaw`SELECT 1 FROM pg_sleep(1)`)).code).toBe('57014');
    } finally {
      await direct.$disconnect();
    }
  });
});
