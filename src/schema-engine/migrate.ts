import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationPgAdapterFactory } from './pg-adapter.js';
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

async function migrationsList() {
  const directories = await committedMigrations();
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

/**
 * What `prisma migrate deploy` does, in process: applies the committed migrations that the
 * database has not seen yet and returns their names.
 */
export async function applyPendingMigrations(
  url: string,
  { maxConnections = 2 }: { maxConnections?: number } = {},
): Promise<string[]> {
  const adapterFactory = new MigrationPgAdapterFactory(url, { maxConnections });
  const engine = await startSchemaEngine([[schemaPath, await readFile(schemaPath, 'utf8')]], adapterFactory, () => {});
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: await migrationsList(),
      filters: { externalTables: [], externalEnums: [] },
    });
    return appliedMigrationNames;
  } finally {
    engine.free();
    await adapterFactory.close();
  }
}
