import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * A benchmarked server in a process of its own, from the repository's root, once it says it is
 * listening. Run node itself (or valgrind), not npx: the child's pid is then the server's, for
 * its CPU time, its memory and its end.
 */
export function startServer(command: string[], env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (/listening on|GraphQL (and GraphiQL )?on/.test(chunk.toString())) resolve(child);
    });
  });
}
