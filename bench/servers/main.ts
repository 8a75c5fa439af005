import { createPostGraphileServer } from './postgraphile.js';
import { createRawServer } from './raw.js';

// Runs one of the comparison servers in a process of its own, so that its memory is its own.
const [kind] = process.argv.slice(2);
const url = process.env.DATABASE_URL!;
const port = Number(process.env.PORT);
const poolSize = Number(process.env.DATABASE_POOL_SIZE ?? 10);

const server =
  kind === 'postgraphile'
    ? (await createPostGraphileServer(url, { poolSize })).server
    : kind === 'raw'
      ? createRawServer(url, process.env.BENCH_ORGANISATION_ID!, { poolSize })
      : undefined;
if (!server) {
  console.error('usage: tsx bench/servers/main.ts postgraphile|raw');
  process.exit(1);
}
server.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
process.on('SIGTERM', () => process.exit(0));
