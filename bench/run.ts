import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { scales } from './generate.js';
import { operations, type OperationName } from './operations.js';
import { postgraphileCursorQuery, postgraphileOperations } from './postgraphile-operations.js';
import { cpuMs, peakRssMb } from './process-stats.js';
import { startServer } from './server-process.js';
import { startStatementCounter } from './statement-counter.js';
import { BENCH_SECRET, benchTarget, OPSGRAPH_PRODUCTION, prepareDatabase } from './target.js';

const root = fileURLToPath(new URL('..', import.meta.url));
type ServerName = 'opsgraph' | 'postgraphile' | 'raw';
const ALL_SERVERS: ServerName[] = ['opsgraph', 'postgraphile', 'raw'];
const ALL_OPERATIONS = Object.keys(operations) as OperationName[];
// For profiling one server or operation: BENCH_SERVERS=opsgraph BENCH_OPERATIONS=nodeLookup. A run
// that leaves any out prints its figures but does not rewrite BENCHMARKS.md.
const only = <T extends string>(all: T[], list: string | undefined) =>
  list ? all.filter((name) => list.split(',').includes(name)) : all;
const SERVERS = only(ALL_SERVERS, process.env.BENCH_SERVERS);
const OPERATIONS = only(ALL_OPERATIONS, process.env.BENCH_OPERATIONS);
// BENCH_PROFILE=dir writes a V8 CPU profile of each server process there (open it in Chrome DevTools).
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];

type Result = {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  statementsPerRequest: number;
  peakRssMb: number;
  cpuMsPerRequest: number;
  errors: number;
};

async function post(url: string, body: object, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { data?: unknown; errors?: unknown[] };
}

async function main() {
  const scale = (process.argv[2] ?? 'small') as keyof typeof scales;
  const duration = Number(process.argv[3] ?? (scale === 'small' ? 2 : 15));
  const connections = 16;
  const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!(scale in scales) || !serverUrl) {
    throw new Error('usage: DATABASE_URL=postgresql://…/postgres tsx bench/run.ts small|large [seconds per operation]');
  }
  const url = await prepareDatabase(serverUrl, scale);
  if (SERVERS.includes('opsgraph')) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const { organisationId, userId, equipmentId, itemId, token } = await benchTarget(url);
  const global = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

  const results: Record<ServerName, Partial<Record<OperationName, Result>>> = {
    opsgraph: {},
    postgraphile: {},
    raw: {},
  };
  const base = 4800;
  for (const [index, server] of SERVERS.entries()) {
    const counter = await startStatementCounter(url);
    const port = base + index;
    const env = {
      DATABASE_URL: counter.url,
      PORT: String(port),
      DATABASE_POOL_SIZE: '10',
      NODE_ENV: 'production',
      AUTH_SECRET: BENCH_SECRET,
      // The reference operations are the benchmark's own texts, sent alike to every server.
      TRUSTED_DOCUMENTS: 'any',
      BENCH_ORGANISATION_ID: organisationId,
    };
    // OpsGraph runs its production build with the flags of `npm run start:production` (built first).
    const entry = server === 'opsgraph' ? OPSGRAPH_PRODUCTION : ['--import', 'tsx', 'bench/servers/main.ts', server];
    const child = await startServer([process.execPath, ...profile, ...entry], env);
    const endpoint = `http://127.0.0.1:${port}/graphql`;
    try {
      const cursor =
        server === 'postgraphile'
          ? (
              (
                await post(endpoint, {
                  query: postgraphileCursorQuery,
                  variables: { organisation: organisationId, count: 31 },
                })
              ).data as { allAssetsEquipments: { pageInfo: { endCursor: string } } }
            ).allAssetsEquipments.pageInfo.endCursor
          : Buffer.from(`GPC:S:${equipmentId}`).toString('base64');
      for (const name of OPERATIONS) {
        const body =
          server === 'postgraphile'
            ? {
                query: postgraphileOperations[name].document,
                variables: { organisation: organisationId, after: cursor, id: equipmentId, itemId, user: userId },
              }
            : {
                operationName: name,
                query: operations[name].document,
                variables: {
                  after: cursor,
                  id: global('Equipment', equipmentId),
                  itemId: global('InventoryItem', itemId),
                  userId: global('User', userId),
                },
              };
        const headers: Record<string, string> = server === 'opsgraph' ? { authorization: `Bearer ${token}` } : {};
        const answer = await post(endpoint, body, headers);
        if (answer.errors) throw new Error(`${server} ${name}: ${JSON.stringify(answer.errors)}`);
        const before = counter.statements();
        const cpuBefore = await cpuMs(child.pid!);
        const run = await autocannon({
          url: endpoint,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
          connections,
          duration,
        });
        const requests = run.requests.total;
        results[server][name] = {
          requestsPerSecond: run.requests.average,
          p50: run.latency.p50,
          p99: run.latency.p99,
          statementsPerRequest: requests ? (counter.statements() - before) / requests : 0,
          peakRssMb: await peakRssMb(child.pid!),
          cpuMsPerRequest: requests ? ((await cpuMs(child.pid!)) - cpuBefore) / requests : 0,
          errors: run.errors + run.non2xx,
        };
        const r = results[server][name];
        console.log(
          `${server.padEnd(12)} ${name.padEnd(13)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  ${r.statementsPerRequest.toFixed(2)} statements/request  cpu ${r.cpuMsPerRequest.toFixed(2)} ms/request  rss ${r.peakRssMb.toFixed(0)} MB  errors ${r.errors}`,
        );
      }
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await counter.close();
    }
  }
  // BENCH_REPORT=none prints the figures only (the CI smoke run leaves BENCHMARKS.md as committed).
  const complete = SERVERS.length === ALL_SERVERS.length && OPERATIONS.length === ALL_OPERATIONS.length;
  if (complete && process.env.BENCH_REPORT !== 'none') {
    await writeReport(scale, duration, connections, results);
  }
}

async function writeReport(
  scale: string,
  duration: number,
  connections: number,
  results: Record<ServerName, Partial<Record<OperationName, Result>>>,
) {
  const rows = OPERATIONS.map((name) => {
    const [o, p, r] = SERVERS.map((server) => results[server][name]!);
    const cell = (x: Result) =>
      `${x.requestsPerSecond.toFixed(0)} req/s, p50 ${x.p50} / p99 ${x.p99} ms, ${x.statementsPerRequest.toFixed(1)} stmt, ${x.cpuMsPerRequest.toFixed(2)} ms CPU, ${x.peakRssMb.toFixed(0)} MB`;
    return `| ${name} | ${cell(o!)} | ${cell(p!)} | ${cell(r!)} | ${(o!.requestsPerSecond / p!.requestsPerSecond).toFixed(2)} | ${(o!.requestsPerSecond / r!.requestsPerSecond).toFixed(2)} |`;
  });
  const table = [
    `Scale \`${scale}\`, ${connections} connections, ${duration} s per operation and server, on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| operation | OpsGraph | PostGraphile | raw SQL | OpsGraph / PostGraphile | OpsGraph / raw |',
    '|---|---|---|---|--:|--:|',
    ...rows,
  ].join('\n');
  const width = 640;
  const bars = OPERATIONS.flatMap((name, i) => {
    const ratio = (server: ServerName) =>
      results.opsgraph[name]!.requestsPerSecond / results[server][name]!.requestsPerSecond;
    const y = 40 + i * 50;
    return [
      `<text x="10" y="${y + 14}" font-size="12">${name}</text>`,
      `<rect x="120" y="${y}" width="${Math.min(480, ratio('postgraphile') * 240)}" height="16" fill="#4c78a8"/>`,
      `<text x="${125 + Math.min(480, ratio('postgraphile') * 240)}" y="${y + 13}" font-size="11">${ratio('postgraphile').toFixed(2)} × PostGraphile</text>`,
      `<rect x="120" y="${y + 20}" width="${Math.min(480, ratio('raw') * 240)}" height="16" fill="#f58518"/>`,
      `<text x="${125 + Math.min(480, ratio('raw') * 240)}" y="${y + 33}" font-size="11">${ratio('raw').toFixed(2)} × raw</text>`,
    ];
  });
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${60 + OPERATIONS.length * 50}" font-family="sans-serif">`,
    `<text x="10" y="20" font-size="14">OpsGraph throughput as a ratio (scale ${scale}); the line is 1.0</text>`,
    ...bars,
    `<line x1="360" y1="30" x2="360" y2="${40 + OPERATIONS.length * 50}" stroke="#333" stroke-dasharray="4"/>`,
    '</svg>',
  ].join('\n');
  await writeFile(`${root}bench/results.svg`, `${svg}\n`);
  const file = `${root}BENCHMARKS.md`;
  const previous = await readFile(file, 'utf8').catch(() => '');
  const marker = /<!-- results:start -->[\s\S]*<!-- results:end -->/;
  const section = `<!-- results:start -->\n${table}\n\n![ratios](bench/results.svg)\n<!-- results:end -->`;
  await writeFile(file, marker.test(previous) ? previous.replace(marker, section) : `# Benchmarks\n\n${section}\n`);
  console.log(`\n${table}\n\nWritten to BENCHMARKS.md and bench/results.svg`);
}

await main();
