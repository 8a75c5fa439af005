import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { createDb } from '../src/db.js';
import { loadConfig } from '../src/config.js';
import { configureTimeclock } from '../src/modules/timeclock/rules.js';
import { scales } from './generate.js';
import { operations, type OperationName } from './operations.js';
import { postgraphileCursorQuery, postgraphileOperations } from './postgraphile-operations.js';
import { cpuMs } from './process-stats.js';
import { startServer } from './server-process.js';
import { createPostGraphileServer } from './servers/postgraphile.js';
import { createYogaPrismaServer, equipmentSql, fromMemory, yoga } from './servers/floor.js';
import { createPothosPrismaServer } from './servers/pothos-floor.js';
import { createRawServer } from './servers/raw.js';
import { BENCH_SECRET, benchTarget, OPSGRAPH_PRODUCTION, prepareDatabase } from './target.js';

/**
 * How fast any server built on Yoga and Prisma can be, and what OpsGraph adds to that:
 * `npm run bench:floor` (with DATABASE_URL; BENCH_SCALE=large for BENCHMARKS.md's dataset).
 *
 * 1. Each reference operation served under autocannon, each server in a process of its own, by:
 *    - OpsGraph's production build, as `npm run bench` runs it;
 *    - the floor (bench/servers/floor.ts): Yoga and Prisma with none of OpsGraph, making the
 *      Prisma calls OpsGraph's plan makes (nodeLookup also by Prisma's cheapest path, `$queryRaw`).
 *      No server built on the two serves these operations faster;
 *    - the stack's floor (bench/servers/pothos-floor.ts): the same, with the schema built by Pothos
 *      and its Prisma and Relay plugins as OpsGraph builds it, and none of OpsGraph's own code;
 *    - PostGraphile and the raw baseline, as in `npm run bench`;
 *    - for nodeLookup, a bare Yoga server answering from memory, and plain `node:http`.
 *    Their answers are checked to be the same before any figure is printed (adjustStock's, the
 *    item's sku, after each server has adjusted it).
 * 2. Prisma's client reading nodeLookup's row, against `pg` sending the same SELECT, 16 at a
 *    time, in this process.
 *
 * BENCH_OPERATIONS=deepList,timesheet and BENCH_SERVERS=opsgraph,'yoga + prisma' measure a part.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
type Target = Awaited<ReturnType<typeof benchTarget>>;
type Benched = { organisationId: string; userId: string };
const servers: Record<string, (url: string, target: Benched) => Server | Promise<Server>> = {
  'yoga + prisma': (url, target) => createYogaPrismaServer(createDb(url, { poolSize: 10 }).system, target),
  'yoga + prisma $queryRaw': (url, target) =>
    createYogaPrismaServer(createDb(url, { poolSize: 10 }).system, target, { raw: true }),
  'yoga + pothos + prisma': (url, target) => createPothosPrismaServer(createDb(url, { poolSize: 10 }).system, target),
  postgraphile: async (url) => (await createPostGraphileServer(url)).server,
  raw: (url, { organisationId }) => createRawServer(url, organisationId),
  yoga: () => yoga({ node: () => fromMemory }),
  'node:http': () =>
    createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ data: { node: fromMemory } }));
      });
    }),
};
const compared = ['opsgraph', 'yoga + pothos + prisma', 'yoga + prisma', 'postgraphile', 'raw'];
const measured: Record<OperationName, string[]> = {
  nodeLookup: ['opsgraph', ...Object.keys(servers)],
  deepList: compared,
  filteredPage: compared,
  dashboard: compared,
  adjustStock: compared,
  timesheet: compared,
};
const fromDatabase = [
  'opsgraph',
  'yoga + pothos + prisma',
  'yoga + prisma',
  'yoga + prisma $queryRaw',
  'postgraphile',
  'raw',
];

/** The operation's request in the server's own terms, and its answer in OpsGraph's. */
function request(
  operation: OperationName,
  kind: string,
  { organisationId, userId, equipmentId, itemId, token }: Target,
  postgraphileCursor: string,
): { headers: Record<string, string>; body: object; toOpsGraph: (data: unknown) => unknown } {
  if (kind === 'postgraphile')
    return {
      headers: {},
      body: {
        query: postgraphileOperations[operation].document,
        variables: { organisation: organisationId, id: equipmentId, after: postgraphileCursor, itemId, user: userId },
      },
      toOpsGraph: postgraphileOperations[operation].toOpsGraph,
    };
  const global = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
  return {
    headers: kind === 'opsgraph' ? { authorization: `Bearer ${token}` } : {},
    body: {
      query: operations[operation].document,
      operationName: operation,
      variables: {
        id: global('Equipment', equipmentId),
        after: Buffer.from(`GPC:S:${equipmentId}`).toString('base64'),
        itemId: global('InventoryItem', itemId),
        userId: global('User', userId),
      },
    },
    toOpsGraph: (data: unknown) => data,
  };
}

// BENCH_CALLGRIND=1 counts the instructions each server executes per request under valgrind's
// callgrind instead of timing it: slower, but the same from run to run on a shared machine.
const callgrind = Boolean(process.env.BENCH_CALLGRIND);
const callgrindRequests: Record<OperationName, number> = {
  nodeLookup: 1_000,
  deepList: 200,
  filteredPage: 500,
  dashboard: 200,
  adjustStock: 200,
  timesheet: 200,
};

/** A port free now: another checkout's benchmark may be running beside this one. */
async function freePort() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function http(operation: OperationName, kind: string, url: string, target: Target) {
  const port = await freePort();
  const dir = callgrind ? await mkdtemp(join(tmpdir(), 'floor-')) : '';
  // OpsGraph as `npm run bench` runs it (its production build); the others from this file.
  const server =
    kind === 'opsgraph'
      ? [process.execPath, ...OPSGRAPH_PRODUCTION]
      : [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), 'serve', kind];
  const command = callgrind
    ? [
        'valgrind',
        '--tool=callgrind',
        '--instr-atstart=no',
        `--log-file=${dir}/log`,
        `--callgrind-out-file=${dir}/out`,
        ...server,
      ]
    : server;
  const child = await startServer(command, {
    NODE_ENV: 'production',
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '10',
    PORT: String(port),
    AUTH_SECRET: BENCH_SECRET,
    // The reference operations are the benchmark's own texts, sent alike to every server.
    TRUSTED_DOCUMENTS: 'any',
    // Under callgrind, requests queue for seconds: OpsGraph would answer 503 instead of waiting.
    ...(callgrind ? { DATABASE_CONNECT_TIMEOUT_MS: '120000', DATABASE_TRANSACTION_WAIT_MS: '120000' } : {}),
    BENCH_ORGANISATION_ID: target.organisationId,
    BENCH_USER_ID: target.userId,
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const endpoint = `http://127.0.0.1:${port}/graphql`;
    const ask = async (body: object, headers: Record<string, string> = {}) => {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return (await response.json()) as { data?: unknown; errors?: unknown };
    };
    // PostGraphile's own cursor after the same 31 rows as the others' (its cursors are opaque).
    const cursor =
      kind === 'postgraphile' && operation === 'filteredPage'
        ? (
            (
              await ask({
                query: postgraphileCursorQuery,
                variables: { organisation: target.organisationId, count: 31 },
              })
            ).data as { allAssetsEquipments: { pageInfo: { endCursor: string } } }
          ).allAssetsEquipments.pageInfo.endCursor
        : '';
    const { body, headers, toOpsGraph } = request(operation, kind, target, cursor);
    const post = {
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    };
    const answer = await ask(body, headers);
    if (answer.errors) throw new Error(`${kind} answered ${operation} with ${JSON.stringify(answer.errors)}`);
    const load = async (limit: { duration: number } | { amount: number }) => {
      // Under callgrind a request can take seconds: wait for it rather than count it failed.
      const run = await autocannon({
        url: endpoint,
        ...post,
        // Under callgrind, 16 adjustments queued on the one item's lock outlast a transaction's
        // 5 s (Prisma's default): one at a time, instead, for the instructions of each.
        connections: callgrind && operation === 'adjustStock' ? 1 : 16,
        timeout: callgrind ? 600 : 10,
        ...limit,
      });
      if (run.non2xx > 0 || run.errors > 0)
        throw new Error(`${kind}: ${run.non2xx} non-2xx, ${run.errors} errors (${run.timeouts} timeouts)`);
      return run;
    };
    const data = toOpsGraph(answer.data);
    if (callgrind) {
      const amount = callgrindRequests[operation];
      const control = (...args: string[]) =>
        execFileSync('callgrind_control', [...args, String(child.pid)], { stdio: 'ignore' });
      await load({ amount });
      control('-i', 'on');
      await load({ amount });
      control('-i', 'off');
      child.kill();
      await exited;
      const cost = (await instructions(dir)) / amount;
      await rm(dir, { recursive: true });
      return { operation, kind, cost, requestsPerSecond: 0, data };
    }
    await load({ duration: 2 });
    const before = await cpuMs(child.pid!);
    const run = await load({ duration: 10 });
    const cost = ((await cpuMs(child.pid!)) - before) / run.requests.total;
    return { operation, kind, cost, requestsPerSecond: run.requests.average, data };
  } finally {
    child.kill();
    await exited;
  }
}

/** The instructions callgrind counted, from the summary it logs when the server exits. */
async function instructions(dir: string) {
  const counted = Number(/Collected : (\d+)/.exec(await readFile(join(dir, 'log'), 'utf8'))?.[1] ?? 0);
  if (counted === 0) throw new Error(`callgrind counted nothing: see ${dir}/log`);
  return counted;
}

async function perCall(label: string, call: () => Promise<unknown>, calls = 16_000) {
  const run = (n: number) =>
    Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = 0; i < n / 16; i += 1) await call();
      }),
    );
  await run(2_000);
  const before = process.cpuUsage();
  await run(calls);
  const used = process.cpuUsage(before);
  console.log(`${label.padEnd(28)} cpu ${((used.user + used.system) / 1000 / calls).toFixed(3)} ms/call`);
}

async function perCallDatabase(url: string, target: Target) {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const { system: db } = createDb(url, { poolSize: 10 });
  const [text, values] = equipmentSql(target);
  await perCall('prisma findFirst', () =>
    db.equipment.findFirst({
      where: { id: target.equipmentId, organisationId: target.organisationId },
      select: { name: true, serialNumber: true, status: true },
    }),
  );
  await perCall('prisma $queryRaw', () => db.$queryRawUnsafe(text, ...values));
  await perCall('pg pool.query', () => pool.query(text, [...values]));
  await Promise.all([pool.end(), db.$disconnect()]);
}

async function main() {
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error('usage: DATABASE_URL=postgresql://…/postgres npm run bench:floor');
  const url = await prepareDatabase(server, (process.env.BENCH_SCALE ?? 'small') as keyof typeof scales);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const chosen = process.env.BENCH_OPERATIONS?.split(',');
  const wanted = process.env.BENCH_SERVERS?.split(',');
  for (const operation of Object.keys(measured) as OperationName[]) {
    if (chosen && !chosen.includes(operation)) continue;
    const results: Awaited<ReturnType<typeof http>>[] = [];
    for (const kind of measured[operation].filter((kind) => !wanted || wanted.includes(kind)))
      // A token of its own for each server: under callgrind a run outlasts an access token's life.
      results.push(await http(operation, kind, url, await benchTarget(url)));
    const answers = results.filter(({ kind }) => fromDatabase.includes(kind));
    if (answers.some(({ data }) => !isDeepStrictEqual(data, answers[0]!.data)))
      throw new Error(`the servers' answers to ${operation} differ: ${JSON.stringify(answers)}`);
    const of = (kind: string) => results.find((result) => result.kind === kind)!;
    // Under callgrind, a server's share of another's throughput, were both bound by their CPU.
    const ratio = (kind: string, other: string) =>
      callgrind ? of(other).cost / of(kind).cost : of(kind).requestsPerSecond / of(other).requestsPerSecond;
    for (const { kind, requestsPerSecond, cost } of results) {
      const figures = callgrind
        ? `${(cost / 1e6).toFixed(2).padStart(6)} M instructions/request`
        : `${requestsPerSecond.toFixed(0).padStart(6)} req/s  cpu ${cost.toFixed(3)} ms/request`;
      const compared = ['postgraphile', 'raw'].every((other) => results.some((result) => result.kind === other));
      const ratios =
        compared && !['postgraphile', 'raw', 'yoga', 'node:http'].includes(kind)
          ? `  ${ratio(kind, 'postgraphile').toFixed(2)} of postgraphile, ${ratio(kind, 'raw').toFixed(2)} of raw`
          : '';
      // What OpsGraph costs per request against each floor measured beside it.
      const floors = ['yoga + pothos + prisma', 'yoga + prisma'].filter(
        (floor) => kind === 'opsgraph' && results.some((result) => result.kind === floor),
      );
      const overFloors = floors.map((floor) => `  ${(cost / of(floor).cost).toFixed(2)}x ${floor}'s`).join('');
      console.log(`${operation.padEnd(11)} ${kind.padEnd(24)} ${figures}${ratios}${overFloors}`);
    }
  }
  if (!callgrind) await perCallDatabase(url, await benchTarget(url));
}

if (process.argv[2] === 'serve') {
  const kind = process.argv[3]!;
  configureTimeclock(loadConfig().timeclock);
  const server = await servers[kind]!(process.env.DATABASE_URL!, {
    organisationId: process.env.BENCH_ORGANISATION_ID!,
    userId: process.env.BENCH_USER_ID!,
  });
  // OpsGraph's keep-alive (HTTP_KEEP_ALIVE_TIMEOUT_MS) rather than Node's 5 s: under callgrind, a
  // connection's next request can wait longer than that to be read, and the server closed it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = Number(process.env.PORT);
  server.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
} else {
  await main();
}
