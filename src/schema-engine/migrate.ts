import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationPgAdapterFactory, withClient } from './pg-adapter.js';
import { startSchemaEngine } from './wasm.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const schemaPath = join(projectRoot, 'prisma', 'schema.prisma');
export const migrationsDir = join(projectRoot, 'prisma', 'migrations');

/** The committed migrations' folder names, oldest first. */
export async function committedMigrations(): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** Of the committed migrations, those the database has not applied: all of them on a database never migrated. */
export async function pendingMigrations(committed: string[], query: Query): Promise<string[]> {
  const [table] = await query(`SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS present`);
  if (!table?.present) return committed;
  const applied = await query(`
    SELECT migration_name FROM public._prisma_migrations
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`);
  const done = new Set(applied.map((row) => row.migration_name));
  return committed.filter((name) => !done.has(name));
}

async function migrationsList(directories: string[]) {
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: await readFile(join(migrationsDir, 'migration_lock.toml'), 'utf8'),
    },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      directories.map(async (path) => ({
        path,
        migrationFile: {
          path: 'migration.sql',
          content: {
            tag: 'ok' as const,
            value: await readFile(join(migrationsDir, path, 'migration.sql'), 'utf8'),
          },
        },
      })),
    ),
  };
}

/** Told before each migration is applied: its name, its place among those pending (from 1), and their number. */
export type OnApplying = (name: string, position: number, count: number) => void;

/**
 * What `prisma migrate deploy` does, in process: applies the committed migrations that the
 * database has not seen yet, one at a time and oldest first, and returns their names.
 */
export async function applyPendingMigrations(
  url: string,
  { maxConnections = 2, onApplying }: { maxConnections?: number; onApplying?: OnApplying } = {},
): Promise<string[]> {
  const committed = await committedMigrations();
  const pending = await withClient(url, (client) =>
    pendingMigrations(committed, async (sql) => (await client.query<Record<string, unknown>>(sql)).rows),
  );
  if (pending.length === 0) return [];
  const adapterFactory = new MigrationPgAdapterFactory(url, { maxConnections });
  const engine = await startSchemaEngine([[schemaPath, await readFile(schemaPath, 'utf8')]], adapterFactory, () => {});
  const applied: string[] = [];
  try {
    for (const [index, name] of pending.entries()) {
      onApplying?.(name, index + 1, pending.length);
      // The engine applies what the list holds and the database lacks: here, this one migration.
      const { appliedMigrationNames } = await engine.applyMigrations({
        migrationsList: await migrationsList(committed.slice(0, committed.indexOf(name) + 1)),
        filters: { externalTables: [], externalEnums: [] },
      });
      applied.push(...appliedMigrationNames);
    }
    return applied;
  } finally {
    engine.free();
    await adapterFactory.close();
  }
}
