import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { backend } from './test/helpers/backend.js';

/**
 * The API's behaviour, asked through the Yoga app in this process: each file has its own database
 * and needs no process, CLI run, browser or pooler of its own, so the files share their workers'
 * loaded modules (isolate: false), in under half the time (`npm run test:fast`).
 */
const fast = [
  'adversarial',
  'audit',
  'authentication',
  'authorization',
  'constraints',
  'equipment',
  'graph-queries',
  'hostile-input',
  'http-spec',
  'inventory',
  'lifecycle',
  'purchasing',
  'rules',
  'safety',
  'timeclock',
  'users',
].map((name) => `test/${name}.test.ts`);

// The admin's Prisma CLI workflow (created databases, shadow databases), several server processes
// on one database, read replicas, and a database server that goes away while the API runs need a
// PostgreSQL server; the embedded pass runs the CLI against PGlite in prisma-cli-embedded.test.ts.
// (Embedded PGlite lives in the API's process: it cannot go down on its own.) PgBouncer sits in
// front of a PostgreSQL server.
const needPostgres = [
  'test/prisma-cli.test.ts',
  'test/instances.test.ts',
  'test/outage.test.ts',
  'test/replicas.test.ts',
  'test/pgbouncer.test.ts',
  'test/subscriptions-instances.test.ts',
];
const excluded = backend === 'postgres' ? [] : needPostgres;

const projects: TestProjectInlineConfiguration[] = [
  { extends: true, test: { name: 'fast', include: fast, isolate: false } },
  // Everything else: server processes, the CLI, a browser, PgBouncer, outages, the embedded
  // database's own lifecycle, and module state a file changes on purpose (each file on its own).
  { extends: true, test: { name: 'slow', include: ['test/**/*.test.ts'], exclude: [...fast, ...excluded] } },
];

export default defineConfig({
  resolve: {
    // graphql ships CommonJS and ESM builds; yoga and Pothos must share one copy of its classes.
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    projects,
    globalSetup: ['test/global-setup.ts'],
    // Each file gets its own database; PGlite instances and CLI runs are heavy, so two at a time.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A fixed key, so that tests can sign tokens the way an attacker holding it (or not) would.
    env: { NODE_ENV: 'test', AUTH_SECRET: 'test-only secret: 0123456789abcdefghijklmnopqrstuvwxyz' },
    // .ci/run adds a JSON report to count the tests of both passes.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : undefined,
  },
});
