/**
 * Cold start, as a serverless platform pays it: the production build's time from spawning the
 * process to its first answered request, a sign-in and then the web dashboard's query with the
 * token it returned, as `npm run start:production` runs it. Builds once, prepares a demo database,
 * then starts and stops the server `runs` times and prints the median, the fastest and the
 * slowest, and the CPU time the server used meanwhile (all its threads).
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:cold-start -- [runs]
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDb } from '../src/db.js';
import { DEMO_ADMIN_EMAIL, DEMO_PASSWORD, seedDemo } from '../src/database/seed.js';
import { applyPendingMigrations } from '../src/schema-engine/migrate.js';
import { withClient, withDatabase } from '../src/schema-engine/pg-adapter.js';
import { freePort } from '../test/helpers/cli.js';
import { cpuMs } from './process-stats.js';
import { OPSGRAPH_PRODUCTION } from './target.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DATABASE = 'opsgraph_coldstart';
// Sent as the clients send them in production: by their trusted documents' ids.
const manifest = JSON.parse(readFileSync(`${root}operations/generated/persisted-documents.json`, 'utf8')) as Record<
  string,
  string
>;
const idOf = (name: string) =>
  Object.keys(manifest).find((id) => new RegExp(`^(query|mutation) ${name}\\b`).test(manifest[id]!))!;
const SIGN_IN = idOf('SignIn');
const DASHBOARD = idOf('Dashboard');

async function prepareDatabase(serverUrl: string): Promise<string> {
  await withClient(withDatabase(serverUrl, 'postgres'), async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${DATABASE}"`);
  });
  const url = withDatabase(serverUrl, DATABASE);
  await applyPendingMigrations(url);
  const { system } = createDb(url, { poolSize: 2 });
  await seedDemo(system);
  await system.$disconnect();
  return url;
}

async function post<T>(endpoint: string, documentId: string, variables: object, token?: string): Promise<T> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ documentId, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors[0]!.message);
  return body.data;
}

type SignedIn = { login: { tokens: { accessToken: string } } };

type Timing = { login: number; query: number; cpu: number };

async function coldStart(url: string, secret: string): Promise<Timing> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}/graphql`;
  const spawned = performance.now();
  const child = spawn(process.execPath, OPSGRAPH_PRODUCTION, {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: url, PORT: String(port), AUTH_SECRET: secret },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    let signedIn: SignedIn;
    // Asked again every few milliseconds until the server listens: the first answer ends the wait.
    for (;;) {
      try {
        signedIn = await post<SignedIn>(endpoint, SIGN_IN, { email: DEMO_ADMIN_EMAIL, password: DEMO_PASSWORD });
        break;
      } catch (error) {
        if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') throw error;
        if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    const login = performance.now() - spawned;
    await post(endpoint, DASHBOARD, {}, signedIn.login.tokens.accessToken);
    const query = performance.now() - spawned;
    return { login, query, cpu: await cpuMs(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${Math.round(value)} ms`.padStart(8);

async function main() {
  const runs = Number(process.argv[2] ?? 7);
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl || !Number.isInteger(runs) || runs < 1) {
    throw new Error('usage: DATABASE_URL=postgresql://…/postgres npm run bench:cold-start -- [runs]');
  }
  const url = await prepareDatabase(serverUrl);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const secret = randomBytes(48).toString('base64');
  // One start first, not counted: it pulls the build and node_modules into the file cache.
  await coldStart(url, secret);
  const timings: Timing[] = [];
  for (let run = 0; run < runs; run++) timings.push(await coldStart(url, secret));
  const row = (what: string, values: number[]) =>
    console.log(`  ${what.padEnd(40)}${ms(median(values))}${ms(Math.min(...values))}${ms(Math.max(...values))}`);
  console.log(`\nCold start of the production build, ${runs} runs`.padEnd(42) + '  median     min     max');
  row(
    'spawn → sign-in answered',
    timings.map(({ login }) => login),
  );
  row(
    'spawn → sign-in + dashboard answered',
    timings.map(({ query }) => query),
  );
  // On a busy machine wall times vary with what else runs; the server's CPU time much less.
  row(
    'server CPU time until then',
    timings.map(({ cpu }) => cpu),
  );
  await withClient(withDatabase(serverUrl, 'postgres'), (admin) =>
    admin.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
