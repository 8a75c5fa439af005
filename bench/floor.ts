import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createSchema, createYoga } from 'graphql-yoga';
import pg from 'pg';
import { createDb } from '../src/db.js';
import { withDatabase } from '../src/schema-engine/pg-adapter.js';
import { operations } from './operations.js';
import { cpuMs } from './process-stats.js';

/**
 * What the fixed parts of the stack cost on their own, to tell how much of OpsGraph's CPU per
 * request is its own: `npm run bench:floor` (with DATABASE_URL; the small dataset is enough).
 *
 * 1. A bare Yoga server answering nodeLookup's document from memory, against plain `node:http`
 *    answering the same JSON, each in a process of its own under autocannon.
 * 2. Prisma's client reading one equipment row by id and organisation, against `pg` sending the
 *    same SELECT, 16 at a time, in this process.
 */
const PORT = 4890;
const equipment = { id: 'RXF1aXBtZW50OjE=', name: 'Pump 7', serialNumber: 'SN-1', status: 'ACTIVE' };

function serve(kind: string) {
  const server =
    kind === 'yoga'
      ? createServer(
          createYoga({
            schema: createSchema({
              typeDefs: `interface Node { id: ID! }
                type Equipment implements Node { id: ID! name: String! serialNumber: String! status: String! }
                type Query { node(id: ID!): Node }`,
              resolvers: { Node: { __resolveType: () => 'Equipment' }, Query: { node: () => equipment } },
            }),
            logging: false,
            landingPage: false,
            graphiql: false,
          }),
        )
      : createServer((request, response) => {
          request.resume();
          request.on('end', () => {
            response.setHeader('content-type', 'application/json');
            response.end(JSON.stringify({ data: { node: equipment } }));
          });
        });
  server.listen(PORT, '127.0.0.1', () => console.log('listening'));
}

async function http(kind: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve', kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  const load = (duration: number) =>
    autocannon({
      url: `http://127.0.0.1:${PORT}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: operations.nodeLookup.document, variables: { id: equipment.id } }),
      connections: 16,
      duration,
    });
  await load(2);
  const before = await cpuMs(child.pid!);
  const run = await load(10);
  const cpu = ((await cpuMs(child.pid!)) - before) / run.requests.total;
  child.kill();
  console.log(
    `${kind.padEnd(28)} ${run.requests.average.toFixed(0).padStart(6)} req/s  cpu ${cpu.toFixed(3)} ms/request`,
  );
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

async function database() {
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error('usage: DATABASE_URL=postgresql://…/postgres npm run bench:floor');
  const url = withDatabase(server, `opsgraph_bench_${process.env.BENCH_SCALE ?? 'small'}`);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const { db } = createDb(url, { poolSize: 10 });
  const { rows } = await pool.query<{ id: string; organisationId: string }>(
    'SELECT id, organisation_id AS "organisationId" FROM assets.equipment LIMIT 1',
  );
  if (!rows[0]) throw new Error(`no equipment in ${url}: run \`npm run bench -- small\` first`);
  const { id, organisationId } = rows[0];
  await perCall('prisma equipment.findFirst', () =>
    db.equipment.findFirst({
      where: { id, organisationId },
      select: { id: true, name: true, serialNumber: true, status: true },
    }),
  );
  await perCall('pg pool.query', () =>
    pool.query('SELECT id, name, serial_number, status FROM assets.equipment WHERE id = $1 AND organisation_id = $2', [
      id,
      organisationId,
    ]),
  );
  await Promise.all([pool.end(), db.$disconnect()]);
}

if (process.argv[2] === 'serve') {
  serve(process.argv[3]!);
} else {
  await http('yoga');
  await http('node:http');
  await database();
}
