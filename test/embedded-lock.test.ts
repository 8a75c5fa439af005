import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startServer } from './helpers/cli.js';

// Two processes on one PGlite folder would each write over the other's files: acknowledged writes
// of one are lost. The folder belongs to one process at a time.
let dataDir: string;
const env = () => ({ NODE_ENV: 'test', DATABASE_URL: undefined, DATA_DIR: dataDir });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-lock-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the embedded database folder', () => {
  it('refuses a second server on it, naming the first; a killed first does not block the next', async () => {
    const first = await startServer(env());
    const second = await run(process.execPath, ['--import', 'tsx', 'src/server.ts'], { ...env(), PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `[opsgraph] configuration error: the data folder ${join(dataDir, 'pglite')} is in use by process ${first.pid} (started `,
    );
    expect((await fetch(new URL('/health', first.url))).status).toBe(200);

    expect(await first.stop('SIGKILL')).toBeNull();
    const next = await startServer(env());
    expect(next.pid).not.toBe(first.pid);
    expect((await fetch(new URL('/health', next.url))).status).toBe(200);
    expect(await next.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  }, 240_000);
});
