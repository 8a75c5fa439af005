import { existsSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';
import { directDatabaseUrl } from './src/config.js';

if (existsSync('.env')) process.loadEnvFile('.env');

// Prisma's native schema engine is downloaded on first use; this machine-independent bridge runs
// the same engine compiled to WASM, so migrate works where only the npm registry is reachable.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(new URL('./bin/schema-engine', import.meta.url));

// Without DATABASE_URL the server runs on embedded PGlite, which the CLI cannot use: it holds one
// database, so migrate dev would find no room for its shadow database. Say what to run instead of
// Prisma's "Connection url is empty". Behind a transaction pooler, migrations need the database's
// direct address: the schema engine holds an advisory lock for the whole session.
const [command, subcommand] = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const needsDatabase: Record<string, string[]> = {
  migrate: ['dev', 'deploy', 'status', 'reset', 'resolve'],
  db: ['push', 'pull', 'execute'],
};
// Written synchronously: the process exits on the next line, before a pipe would be drained.
const refuse = (message: string): never => {
  writeSync(2, `[opsgraph] ${message}\n`);
  process.exit(1);
};
const needed = command !== undefined && subcommand !== undefined && needsDatabase[command]?.includes(subcommand);
let url: string | undefined;
try {
  url = directDatabaseUrl(process.env);
} catch (error) {
  if (needed) refuse((error as Error).message);
}
if (needed && !url) {
  refuse(
    process.env.DATABASE_URL
      ? `prisma ${command} ${subcommand} needs a session of its own, which the transaction pooler at DATABASE_URL cannot give: set DIRECT_DATABASE_URL to the database's direct address.`
      : `prisma ${command} ${subcommand} needs DATABASE_URL naming a PostgreSQL server (the embedded database cannot serve the CLI): run DATABASE_URL=postgresql://postgres@127.0.0.1:5432/opsgraph_dev npx prisma ${command} ${subcommand} ...; npm start then applies new migrations to the embedded database.`,
  );
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
    seed: 'tsx prisma/seed.ts',
  },
  datasource: {
    url: url ?? '',
  },
});
