import { existsSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

if (existsSync('.env')) process.loadEnvFile('.env');

// Prisma's native schema engine is downloaded on first use; this machine-independent bridge runs
// the same engine compiled to WASM, so migrate works where only the npm registry is reachable.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(new URL('./bin/schema-engine', import.meta.url));

// Without DATABASE_URL the server runs on embedded PGlite, which the CLI cannot use: it holds one
// database, so migrate dev would find no room for its shadow database. Say what to run instead of
// Prisma's "Connection url is empty".
const [command, subcommand] = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const needsDatabase: Record<string, string[]> = {
  migrate: ['dev', 'deploy', 'status', 'reset', 'resolve'],
  db: ['push', 'pull', 'execute'],
};
if (!process.env.DATABASE_URL && command && subcommand && needsDatabase[command]?.includes(subcommand)) {
  // Written synchronously: the process exits on the next line, before a pipe would be drained.
  writeSync(
    2,
    `[opsgraph] prisma ${command} ${subcommand} needs DATABASE_URL naming a PostgreSQL server (the embedded database cannot serve the CLI): run DATABASE_URL=postgresql://postgres@127.0.0.1:5432/opsgraph_dev npx prisma ${command} ${subcommand} ...; npm start then applies new migrations to the embedded database.\n`,
  );
  process.exit(1);
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
    seed: 'tsx prisma/seed.ts',
  },
  datasource: {
    url: process.env.DATABASE_URL ?? '',
  },
});
