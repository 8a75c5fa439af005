import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, repoRoot } from './helpers/cli.js';

// `npm run dev` restarts the server under tsx watch on every change. The embedded database's
// folder belongs to one process at a time: the old one must let go of it before the new one starts.
const LISTENING = /GraphQL and GraphiQL on /g;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run dev', () => {
  it('restarts on a change with the embedded database, the old process releasing its folder first', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-dev-'));
    // A file tsx watches besides the server's own, so that the test changes no source file.
    const trigger = join(dataDir, 'trigger.txt');
    await writeFile(trigger, '0');
    const script = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { dev: string } })
      .scripts.dev;
    const [tsx, watch, ...flags] = script.split(' ');
    expect([tsx, watch]).toEqual(['tsx', 'watch']);
    const port = await freePort();
    const watcher = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), [watch!, '--include', trigger, ...flags], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: undefined,
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own: whatever happens, the watcher and its server are stopped together.
      detached: true,
    });
    let output = '';
    const waiters: (() => void)[] = [];
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      waiters.forEach((check) => check());
    };
    watcher.stdout.on('data', seen);
    watcher.stderr.on('data', seen);
    const exited = new Promise<number | null>((resolve) => watcher.once('exit', resolve));
    const listening = (times: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not listening ${times} times:\n${output}`)), 90_000);
        const check = () => {
          if ((output.match(LISTENING) ?? []).length >= times) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiters.push(check);
        check();
      });
    const holder = async () =>
      (JSON.parse(await readFile(join(dataDir, 'pglite.lock'), 'utf8')) as { pid: number }).pid;
    const health = async () => (await fetch(`http://127.0.0.1:${port}/health`)).status;

    try {
      await listening(1);
      expect(await health()).toBe(200);
      const pids = [await holder()];
      for (const change of ['1', '2']) {
        await writeFile(trigger, change);
        await listening(pids.length + 1);
        expect(await health()).toBe(200);
        const pid = await holder();
        expect(pids).not.toContain(pid);
        expect(alive(pids.at(-1)!)).toBe(false);
        pids.push(pid);
      }
      expect(output).not.toMatch(/in use by process|configuration error|could not start|Force killing/);
      // Each server stopped cleanly (its database closed, its lock removed) before the next started.
      const order = output
        .match(/"msg":"(stopped|GraphQL and GraphiQL on [^"]*)"/g)!
        .map((line) => (line.includes('stopped') ? 'stopped' : 'listening'));
      expect(order).toEqual(['listening', 'stopped', 'listening', 'stopped', 'listening']);

      watcher.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(alive(pids.at(-1)!)).toBe(false);
      expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    } finally {
      if (watcher.exitCode === null) process.kill(-watcher.pid!, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
