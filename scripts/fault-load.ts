/**
 * Fault and load: two production instances on one PostgreSQL, a mixed read/write load from
 * concurrent clients that retry as real ones do, and a PostgreSQL restart in the middle. Then it
 * checks that nothing acknowledged was lost or doubled and that the books balance, and prints the
 * figures. Loopback only; bounded by its duration plus a fixed grace period.
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run fault-load -- [seconds] [clients]
 *
 * It restarts the PostgreSQL server of this machine (pg_ctlcluster; FAULT_PG_STOP and FAULT_PG_START
 * override the commands), so run it where nothing else depends on that server.
 *
 * FAULT_THROUGH=pgbouncer puts a PgBouncer in transaction mode (test/helpers/pgbouncer.ts) between
 * the instances and PostgreSQL: their DATABASE_URL is PgBouncer's, with no direct URL, so they check
 * sessions on every request. FAULT_RESTART=pgbouncer then restarts PgBouncer instead of PostgreSQL.
 */
import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb } from '../src/db.js';
import { DEMO_PASSWORD, seedDemo } from '../src/database/seed.js';
import { applyPendingMigrations } from '../src/schema-engine/migrate.js';
import { withClient, withDatabase } from '../src/schema-engine/pg-adapter.js';
import { startPgBouncer, type PgBouncer } from '../test/helpers/pgbouncer.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DATABASE = 'opsgraph_faultload';
const GRACE_MS = 30_000;
const STATEMENT_TIMEOUT_MS = 5_000;
// A request still unanswered after this has hung: the statement and connect timeouts are far shorter.
const HUNG_MS = 20_000;

const cluster = () => readdirSync('/etc/postgresql')[0];
const stopCommand =
  process.env.FAULT_PG_STOP ?? `pg_ctlcluster --skip-systemctl-redirect ${cluster()} main stop -m fast`;
const startCommand = process.env.FAULT_PG_START ?? `pg_ctlcluster --skip-systemctl-redirect ${cluster()} main start`;

/** What a client knows of a write it sent: answered, or not (it may or may not have been made). */
type Outcome = 'acknowledged' | 'unknown';

type Counts = { sent: number; acknowledged: number; retryable: number; unknown: number; other: number; hung: number };
const counts: Counts = { sent: 0, acknowledged: 0, retryable: 0, unknown: 0, other: 0, hung: 0 };
const otherErrors = new Map<string, number>();
let slowestMs = 0;

type Answer = { kind: 'acknowledged' | 'retryable' | 'unknown' | 'other'; detail?: string };

async function send(url: string, token: string, query: string, variables: object): Promise<Answer> {
  counts.sent += 1;
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(HUNG_MS),
    });
    const body = (await response.json()) as {
      errors?: { message: string; extensions?: { retryable?: boolean; code?: string } }[];
    };
    const error = body.errors?.[0];
    if (!error) return { kind: 'acknowledged' };
    if (error.extensions?.retryable === true) return { kind: 'retryable' };
    // The connection went away during the COMMIT of a change without a key: made or not.
    if (error.extensions?.code === 'CHANGE_OUTCOME_UNKNOWN') return { kind: 'unknown' };
    return { kind: 'other', detail: `${error.extensions?.code}: ${error.message}` };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') counts.hung += 1;
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'other', detail: `no answer: ${(error as Error).message} (${cause?.code ?? cause?.message})` };
  } finally {
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
}

function tally(answer: Answer): Answer {
  if (answer.kind === 'acknowledged') counts.acknowledged += 1;
  else if (answer.kind === 'retryable') counts.retryable += 1;
  else if (answer.kind === 'unknown') counts.unknown += 1;
  else {
    counts.other += 1;
    otherErrors.set(answer.detail!, (otherErrors.get(answer.detail!) ?? 0) + 1);
  }
  return answer;
}

function startInstance(database: Record<string, string>, port: number, secret: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', 'dist/server.js'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        ...database,
        HOST: '127.0.0.1',
        PORT: String(port),
        AUTH_SECRET: secret,
        // The load's operations are this script's own texts.
        TRUSTED_DOCUMENTS: 'any',
        LOG_LEVEL: 'warn',
        DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        DATABASE_CONNECT_TIMEOUT_MS: '2000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.once('exit', (code) => reject(new Error(`instance on port ${port} exited with ${code}`)));
    child.stdout.on('data', () => {});
    // LOG_LEVEL=warn keeps the start line out of stdout: readiness is asked for instead.
    const poll = async () => {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return resolve(child);
      } catch {
        // not listening yet
      }
      setTimeout(() => void poll(), 100);
    };
    void poll();
  });
}

async function prepareDatabase(serverUrl: string): Promise<string> {
  const admin = withDatabase(serverUrl, 'postgres');
  await withClient(admin, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${DATABASE}"`);
  });
  const url = withDatabase(serverUrl, DATABASE);
  await applyPendingMigrations(url);
  const { system: db } = createDb(url, { poolSize: 2 });
  await seedDemo(db);
  await db.$disconnect();
  return url;
}

const ADJUST = `mutation($input: AdjustStockInput!) { adjustStock(input: $input) { __typename ... on AdjustStockSuccess { inventoryItem { qty } } } }`;
const CREATE = `mutation($input: CreateEquipmentInput!) { createEquipment(input: $input) { __typename ... on CreateEquipmentSuccess { equipment { id } } } }`;
const READS = [
  readFileSync(`${root}operations/dashboard.graphql`, 'utf8'),
  `{ equipment(first: 20, orderBy: NAME_ASC) { edges { node { name status maintenanceRecords(first: 3) { edges { node { maintenanceDate performedBy { name } } } } } } } }`,
  `{ inventoryItems(first: 20) { totalCount edges { node { sku qty movements(first: 5) { edges { node { delta } } } } } } }`,
];

async function main() {
  const seconds = Number(process.argv[2] ?? 30);
  const clients = Number(process.argv[3] ?? 16);
  const serverUrl = process.env.DATABASE_URL;
  const through = process.env.FAULT_THROUGH ?? 'none';
  const restarted = process.env.FAULT_RESTART ?? 'postgres';
  if (
    !serverUrl ||
    !Number.isFinite(seconds) ||
    !Number.isFinite(clients) ||
    !['none', 'pgbouncer'].includes(through) ||
    !['postgres', 'pgbouncer'].includes(restarted) ||
    (restarted === 'pgbouncer' && through !== 'pgbouncer')
  ) {
    throw new Error(
      'usage: DATABASE_URL=postgresql://…/postgres [FAULT_THROUGH=pgbouncer [FAULT_RESTART=pgbouncer]] npm run fault-load -- [seconds] [clients]',
    );
  }
  const url = await prepareDatabase(serverUrl);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const secret = randomBytes(48).toString('base64');
  let bouncer: PgBouncer | undefined;
  let database: Record<string, string> = { DATABASE_URL: url };
  if (through === 'pgbouncer') {
    // Fewer server connections than the instances' pools hold together (2 × 10), as in production.
    bouncer = await startPgBouncer(url, { poolSize: 8 });
    database = { DATABASE_URL: bouncer.through(url), DATABASE_POOLER: 'transaction' };
  }
  const instances = await Promise.all([4101, 4102].map((port) => startInstance(database, port, secret)));
  const endpoints = ['http://127.0.0.1:4101/graphql', 'http://127.0.0.1:4102/graphql'];
  try {
    const login = await fetch(endpoints[0]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation($input: LoginInput!) { login(input: $input) { ... on LoginSuccess { tokens { accessToken } } } }`,
        variables: { input: { email: 'marek@harbourworks.example', password: DEMO_PASSWORD } },
      }),
    });
    const signedIn = (await login.json()) as { data: { login: { tokens: { accessToken: string } } } };
    const token = signedIn.data.login.tokens.accessToken;
    const items = await withClient(url, async (client) =>
      (await client.query<{ id: string }>('SELECT id FROM inventory.inventory_items ORDER BY sku LIMIT 5')).rows.map(
        (row) => Buffer.from(`InventoryItem:${row.id}`).toString('base64'),
      ),
    );

    const adjustments = new Map<string, Outcome>();
    const created = new Map<string, Outcome>();
    const stopAt = Date.now() + seconds * 1000;
    let turn = 0;
    const endpoint = () => endpoints[turn++ % endpoints.length]!;

    const client = async (id: number) => {
      for (let n = 0; Date.now() < stopAt; n += 1) {
        const pick = Math.random();
        if (pick < 0.5) {
          tally(await send(endpoint(), token, READS[n % READS.length]!, {}));
        } else if (pick < 0.85) {
          // Keyed, so retried until answered: every adjustment is applied once.
          const key = randomUUID();
          adjustments.set(key, 'unknown');
          const input = { itemId: items[n % items.length], delta: (n % 3) + 1, note: key, idempotencyKey: key };
          for (;;) {
            const answer = tally(await send(endpoint(), token, ADJUST, { input }));
            if (answer.kind === 'acknowledged') adjustments.set(key, 'acknowledged');
            if (answer.kind !== 'retryable' || Date.now() > stopAt + GRACE_MS) break;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        } else {
          // Not keyed: a failure is not retried, and the row may or may not exist.
          const serial = `FL-${id}-${n}-${randomUUID().slice(0, 8)}`;
          created.set(serial, 'unknown');
          const answer = tally(
            await send(endpoint(), token, CREATE, {
              input: { name: `Load ${serial}`, category: 'MACHINERY', serialNumber: serial },
            }),
          );
          if (answer.kind === 'acknowledged') created.set(serial, 'acknowledged');
        }
      }
    };

    const fault = (async () => {
      await new Promise((resolve) => setTimeout(resolve, (seconds * 1000) / 3));
      const downAt = Date.now();
      if (restarted === 'pgbouncer') {
        console.log('stopping PgBouncer (SIGTERM: it drops every connection at once)');
        await bouncer!.stop();
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        await bouncer!.start();
      } else {
        console.log(`stopping PostgreSQL (${stopCommand})`);
        execSync(stopCommand, { stdio: 'inherit' });
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        execSync(startCommand, { stdio: 'inherit' });
      }
      console.log(`${restarted === 'pgbouncer' ? 'PgBouncer' : 'PostgreSQL'} back after ${Date.now() - downAt} ms`);
      return Date.now() - downAt;
    })();

    await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
    const downMs = await fault;
    for (const port of [4101, 4102]) {
      while (!(await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.ok) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    const violations = await verify(url, adjustments, created);
    const ackedAdjustments = [...adjustments.values()].filter((state) => state === 'acknowledged').length;
    const ackedCreates = [...created.values()].filter((state) => state === 'acknowledged').length;
    const path =
      through === 'pgbouncer'
        ? `two instances through PgBouncer (transaction mode, sessions checked on every request), ${restarted === 'pgbouncer' ? 'PgBouncer' : 'PostgreSQL'}`
        : 'two instances, PostgreSQL';
    console.log(`
Fault and load: ${seconds} s, ${clients} clients, ${path} down for ${downMs} ms
  requests sent          ${counts.sent}
  acknowledged           ${counts.acknowledged}
  failed, retryable      ${counts.retryable}
  outcome unknown        ${counts.unknown} (a change without a key, its COMMIT unanswered)
  failed, other          ${counts.other}${counts.hung ? ` (${counts.hung} hung past ${HUNG_MS} ms)` : ''}
  slowest answer         ${Math.round(slowestMs)} ms (statement timeout ${STATEMENT_TIMEOUT_MS} ms)
  stock adjustments      ${adjustments.size} sent, ${ackedAdjustments} acknowledged
  equipment created      ${created.size} sent, ${ackedCreates} acknowledged
  invariant violations   ${violations.length}`);
    for (const [detail, times] of otherErrors) console.log(`  other failure ×${times}: ${detail}`);
    for (const violation of violations.slice(0, 20)) console.log(`  VIOLATION: ${violation}`);
    process.exitCode = violations.length === 0 && counts.other === 0 ? 0 : 1;
  } finally {
    const stopped = instances.map((instance) => {
      instance.removeAllListeners('exit');
      instance.kill('SIGTERM');
      return new Promise((resolve) => instance.once('exit', resolve));
    });
    await Promise.all(stopped);
    await bouncer?.close();
  }
}

/** The invariants, checked in the database once the load has stopped; each broken one is a line. */
async function verify(
  url: string,
  adjustments: Map<string, Outcome>,
  created: Map<string, Outcome>,
): Promise<string[]> {
  const database = new pg.Client({ connectionString: url });
  await database.connect();
  const violations: string[] = [];
  const rows = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    (await database.query<R>(text, values)).rows;
  try {
    // Every acknowledged write is present exactly once, and one left unanswered at most once.
    const presence = async (what: string, table: string, column: string, writes: Map<string, Outcome>) => {
      const found = new Map(
        (
          await rows<{ value: string; n: number }>(
            `SELECT ${column} AS value, count(*)::int AS n FROM ${table} WHERE ${column} = ANY($1) GROUP BY ${column}`,
            [[...writes.keys()]],
          )
        ).map((row) => [row.value, row.n]),
      );
      for (const [value, outcome] of writes) {
        const n = found.get(value) ?? 0;
        if (outcome === 'acknowledged' ? n !== 1 : n > 1)
          violations.push(`${outcome} ${what} ${value} is present ${n} times`);
      }
    };
    await presence('adjustment', 'inventory.stock_movements', 'note', adjustments);
    await presence('equipment', 'assets.equipment', 'serial_number', created);
    for (const row of await rows<{ sku: string; qty: number; ledger: number }>(
      `SELECT i.sku, i.qty, coalesce(sum(m.delta), 0)::int AS ledger
       FROM inventory.inventory_items i LEFT JOIN inventory.stock_movements m ON m.item_id = i.id
       GROUP BY i.id HAVING i.qty <> coalesce(sum(m.delta), 0)`,
    )) {
      violations.push(`item ${row.sku}: stock ${row.qty}, ledger ${row.ledger}`);
    }
    // The load's own rows are named by their keys (the movements' notes) and serial numbers.
    const orphans: [string, string][] = [
      [
        'idempotency keys claimed but never completed',
        'SELECT count(*)::int AS n FROM audit.idempotency_keys WHERE entity_id IS NULL',
      ],
      [
        'batches without their creation event',
        'SELECT count(*)::int AS n FROM procurement.batches b WHERE NOT EXISTS (SELECT 1 FROM procurement.batch_creation_events e WHERE e.batch_id = b.id)',
      ],
      [
        'adjustments without their audit event',
        `SELECT count(*)::int AS n FROM inventory.stock_movements m WHERE m.note = ANY($1)
         AND (SELECT count(*) FROM audit.audit_events a WHERE a.action = 'adjustStock' AND a.after->>'movementId' = m.id::text) <> 1`,
      ],
      [
        'adjustStock audit events without their movement',
        `SELECT count(*)::int AS n FROM audit.audit_events a WHERE a.action = 'adjustStock'
         AND NOT EXISTS (SELECT 1 FROM inventory.stock_movements m WHERE m.id::text = a.after->>'movementId')`,
      ],
      [
        'equipment created without exactly one audit event',
        `SELECT count(*)::int AS n FROM assets.equipment e WHERE e.serial_number LIKE 'FL-%'
         AND (SELECT count(*) FROM audit.audit_events a WHERE a.action = 'create' AND a.entity_id = e.id) <> 1`,
      ],
      [
        'equipment create audit events without their equipment',
        `SELECT count(*)::int AS n FROM audit.audit_events a WHERE a.action = 'create' AND a.entity_type = 'Equipment'
         AND NOT EXISTS (SELECT 1 FROM assets.equipment e WHERE e.id = a.entity_id)`,
      ],
    ];
    for (const [what, text] of orphans) {
      const values = text.includes('$1') ? [[...adjustments.keys()]] : [];
      const [{ n }] = (await rows<{ n: number }>(text, values)) as [{ n: number }];
      if (n > 0) violations.push(`${n} ${what}`);
    }
  } finally {
    await database.end();
  }
  return violations;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
