import { readFileSync } from 'node:fs';
import { link, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { ConfigError } from '../config.js';

type Holder = {
  pid: number;
  /** When the process started (ISO 8601), for the operator. */
  startedAt: string;
  /** The kernel's start time of the process (Linux), telling a reused pid from its first owner. */
  bootTicks?: string;
};

export type DataLock = { release(): Promise<void> };

/** Field 22 of /proc/<pid>/stat; undefined where there is no /proc or no such process. */
function bootTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(holder: Holder): boolean {
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const ticks = bootTicks(holder.pid);
  return holder.bootTicks === undefined || ticks === undefined || ticks === holder.bootTicks;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Holder;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unreadable content was never a lock this code wrote whole (it links complete files only).
    return { pid: 0, startedAt: 'unknown' };
  }
}

/**
 * Makes this process the only one using `folder`: PGlite's files in it would be written by two
 * processes at once otherwise, and each would lose the other's writes. The lock file is created
 * atomically (a complete file hard-linked into place) and names this process; a lock whose process
 * has ended (killed, crashed) is taken over.
 */
export async function lockDataFolder(folder: string): Promise<DataLock> {
  const path = `${folder}.lock`;
  const self: Holder = {
    pid: process.pid,
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    bootTicks: bootTicks(process.pid),
  };
  const draft = `${path}.${process.pid}`;
  await writeFile(draft, JSON.stringify(self));
  try {
    for (;;) {
      try {
        await link(draft, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readHolder(path);
      if (holder && alive(holder)) {
        throw new ConfigError(
          `the data folder ${folder} is in use by process ${holder.pid} (started ${holder.startedAt}). ` +
            'Stop that process first, or give this one another DATA_DIR.',
        );
      }
      // Moved aside atomically, then checked again: another process may have taken over the stale
      // lock between the read and the move, and its lock is put back.
      const moved = `${path}.stale.${process.pid}`;
      if (
        await rename(path, moved).then(
          () => true,
          () => false,
        )
      ) {
        const taken = await readHolder(moved);
        if (taken && alive(taken)) await link(moved, path).catch(() => undefined);
        await rm(moved, { force: true });
      }
    }
  } finally {
    await unlink(draft);
  }
  return {
    async release() {
      const holder = await readHolder(path);
      if (holder?.pid === process.pid) await rm(path, { force: true });
    },
  };
}
