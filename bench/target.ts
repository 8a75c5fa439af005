import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { applyPendingMigrations } from '../src/schema-engine/migrate.js';
import { withClient, withDatabase } from '../src/schema-engine/pg-adapter.js';
import { configureTokens, signAccessToken } from '../src/lib/tokens.js';
import { generate, scales } from './generate.js';

/** The AUTH_SECRET the benchmarked OpsGraph runs with, so that the token below is valid there. */
export const BENCH_SECRET = 'benchmark secret: 0123456789abcdefghijklmnopqrstuvwxyz';

/** The rows one SQL statement returns, on a connection of its own. */
export function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  return withClient(url, async (client) => (await client.query<R>(text, values)).rows);
}

/**
 * A migrated database holding the dataset of this scale, made once and kept between runs:
 * opsgraph_bench_<scale>, or BENCH_DATABASE (for a checkout whose generator differs from another's
 * on the same server).
 */
export async function prepareDatabase(serverUrl: string, scale: keyof typeof scales) {
  const name = process.env.BENCH_DATABASE ?? `opsgraph_bench_${scale}`;
  const url = withDatabase(serverUrl, name);
  const exists = await query(withDatabase(serverUrl, 'postgres'), 'SELECT 1 FROM pg_database WHERE datname = $1', [
    name,
  ]);
  if (exists.length === 0) await query(withDatabase(serverUrl, 'postgres'), `CREATE DATABASE "${name}"`);
  await applyPendingMigrations(url);
  const [{ organisations, entries }] = (await query<{ organisations: number; entries: number }>(
    url,
    `SELECT (SELECT count(*)::int FROM auth.organisations) AS organisations,
            (SELECT count(*)::int FROM timeclock.time_entries) AS entries`,
  )) as [{ organisations: number; entries: number }];
  if (organisations === 0) {
    console.log(`Generating the ${scale} dataset into ${name}:`);
    await generate(url, scales[scale]);
  } else if (entries === 0) {
    console.log(`Adding the time entries to the ${scale} dataset in ${name}:`);
    await generate(url, scales[scale], undefined, { timeclockOnly: true });
  }
  await query(url, await readFile(new URL('postgraphile-setup.sql', import.meta.url), 'utf8'));
  return url;
}

/**
 * What the benchmarks send their requests about: the first organisation by name, an admin's
 * access token there (a fresh session each run) and id (whose timesheet the timesheet operation
 * reads, and the floor's actor), the equipment row the lookups and the cursor name, and the
 * inventory item adjustStock adjusts.
 */
export async function benchTarget(url: string) {
  const [organisation] = await query<{ id: string }>(url, 'SELECT id FROM auth.organisations ORDER BY name LIMIT 1');
  if (!organisation) throw new Error(`no organisation in ${url}: generate the dataset with \`npm run bench\``);
  const [admin] = await query<{ id: string; ver: Date }>(
    url,
    `SELECT u.id, u.credentials_changed_at AS ver FROM auth.users u JOIN auth.user_roles ur ON ur.user_id = u.id
     JOIN auth.roles r ON r.id = ur.role_id WHERE u.organisation_id = $1 AND r.name = 'admin' ORDER BY u.email LIMIT 1`,
    [organisation.id],
  );
  const [equipment] = await query<{ id: string }>(
    url,
    `SELECT id FROM assets.equipment WHERE organisation_id = $1 AND status = 'active' ORDER BY name, id OFFSET 30 LIMIT 1`,
    [organisation.id],
  );
  const [item] = await query<{ id: string }>(
    url,
    // By sku: the adjustments move its row, and a scan's first row with it.
    'SELECT id FROM inventory.inventory_items WHERE organisation_id = $1 ORDER BY sku, id LIMIT 1',
    [organisation.id],
  );
  process.env.AUTH_SECRET = BENCH_SECRET;
  configureTokens(loadConfig().auth);
  const [session] = await query<{ id: string }>(
    url,
    `INSERT INTO auth.sessions (user_id, refresh_token_hash, expires_at) VALUES ($1, gen_random_uuid()::text, now() + interval '1 day') RETURNING id`,
    [admin!.id],
  );
  const { token } = await signAccessToken({
    userId: admin!.id,
    sessionId: session!.id,
    credentialsVersion: admin!.ver.getTime(),
  });
  return { organisationId: organisation.id, userId: admin!.id, equipmentId: equipment!.id, itemId: item!.id, token };
}

/** OpsGraph's production build, run by node itself as `npm run start:production` runs it. */
export const OPSGRAPH_PRODUCTION = ['--enable-source-maps', '--max-old-space-size=128', 'dist/server.js'];
