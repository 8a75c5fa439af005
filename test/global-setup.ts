import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/database/embedded.js';
import { withClient, withDatabase } from '../src/schema-engine/pg-adapter.js';
import { applyPendingMigrations, committedMigrations, migrationsDir } from '../src/schema-engine/migrate.js';
import { backend, serverUrl } from './helpers/backend.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres: the migrated template database each test file clones. */
    templateDatabase: string;
    /** pglite: a dump of a migrated data directory each test file loads. */
    templateDump: string;
  }
}

async function migrationsFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of await committedMigrations()) {
    hash.update(name).update(await readFile(join(migrationsDir, name, 'migration.sql')));
  }
  return hash.digest('hex').slice(0, 12);
}

async function preparePostgresTemplate(url: string): Promise<string> {
  const template = `opsgraph_template_${await migrationsFingerprint()}`;
  await withClient(withDatabase(url, 'postgres'), async (admin) => {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (rowCount) return;
    const building = `${template}_building_${process.pid}`;
    await admin.query(`CREATE DATABASE "${building}"`);
    await applyPendingMigrations(withDatabase(url, building));
    await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
  });
  return template;
}

async function preparePgliteTemplate(): Promise<{ path: string; cleanup(): Promise<void> }> {
  const embedded = await startEmbeddedPostgres();
  try {
    await applyPendingMigrations(embedded.url, { maxConnections: 1 });
    const dump = await embedded.db.dumpDataDir('none');
    const dir = await mkdtemp(join(tmpdir(), 'opsgraph-template-'));
    const path = join(dir, 'template.tar');
    await writeFile(path, Buffer.from(await dump.arrayBuffer()));
    return { path, cleanup: () => rm(dir, { recursive: true, force: true }) };
  } finally {
    await embedded.stop();
  }
}

type Templates = { templateDatabase: string; templateDump: string; cleanup?: () => Promise<void> };

async function prepareTemplates(): Promise<Templates> {
  console.log(`[test] database backend: ${backend}`);
  if (serverUrl) return { templateDatabase: await preparePostgresTemplate(serverUrl), templateDump: '' };
  const template = await preparePgliteTemplate();
  return { templateDatabase: '', templateDump: template.path, cleanup: template.cleanup };
}

// Each vitest project runs this setup, at once, in one process: the first builds the templates,
// the others share them, and the last to finish removes them.
const shared = globalThis as { opsgraphTemplates?: { ready: Promise<Templates>; users: number } };

export default async function setup(project: TestProject) {
  shared.opsgraphTemplates ??= { ready: prepareTemplates(), users: 0 };
  const templates = shared.opsgraphTemplates;
  templates.users += 1;
  const { templateDatabase, templateDump } = await templates.ready;
  project.provide('templateDatabase', templateDatabase);
  project.provide('templateDump', templateDump);
  return async () => {
    templates.users -= 1;
    if (templates.users === 0) {
      delete shared.opsgraphTemplates;
      await (await templates.ready).cleanup?.();
    }
  };
}
