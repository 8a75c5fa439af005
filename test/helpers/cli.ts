import { spawn } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type Run = { code: number | null; stdout: string; stderr: string; output: string };

/** Runs a command as an admin would type it in the repository, with the given environment. */
export function run(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: undefined, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, output: stdout + stderr }));
    child.stdin.end(input);
  });
}

export function prisma(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return run('npx', ['--no-install', 'prisma', ...args], env);
}

/**
 * A copy of the project's prisma/ folder with its own prisma.config.ts, for commands that write
 * migrations: they must not touch the repository's own.
 */
export async function projectCopy(): Promise<{ dir: string; config: string; schema: string; migrations: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'opsgraph-project-'));
  await cp(join(repoRoot, 'prisma'), join(dir, 'prisma'), { recursive: true });
  const config = join(dir, 'prisma.config.ts');
  await writeFile(
    config,
    `process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= ${JSON.stringify(join(repoRoot, 'bin', 'schema-engine'))};
export default {
  schema: ${JSON.stringify(join(dir, 'prisma', 'schema.prisma'))},
  migrations: { path: ${JSON.stringify(join(dir, 'prisma', 'migrations'))} },
  datasource: { url: process.env.DATABASE_URL },
};
`,
  );
  return {
    dir,
    config,
    schema: join(dir, 'prisma', 'schema.prisma'),
    migrations: join(dir, 'prisma', 'migrations'),
  };
}

export const schemaEngine = join(repoRoot, 'bin', 'schema-engine');

export type RunningServer = {
  url: string;
  pid: number;
  output: () => string;
  /** Sends the signal (SIGTERM: a clean stop) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

const START_TIMEOUT_MS = 60_000;

/** A TCP port nothing listens on at the moment. */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts the server as an operator does (`npm start`), on a free port, and waits until it listens. */
export async function startServer(env: Record<string, string | undefined>): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    // A server that never says it listens is stopped, not left running after the tests.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not listen within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (/GraphQL (and GraphiQL )?on/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid!,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}
