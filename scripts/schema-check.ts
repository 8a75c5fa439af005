import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

// npm run schema:check: compares the working schema.graphql with the base's (main's) and fails on
// a breaking change that schema-changes.accepted does not list. See README, "Changing the schema".

const root = fileURLToPath(new URL('..', import.meta.url));
export const acceptedFile = `${root}schema-changes.accepted`;
const SCHEMA = 'schema.graphql';

/** A breaking change made on purpose: its message exactly as this check prints it, and why. */
export type Acceptance = { message: string; reason: string; line: number };

export type SchemaCheck = {
  breaking: Change[];
  /** Breaking changes schema-changes.accepted does not list: any fails the check. */
  unaccepted: Change[];
  dangerous: Change[];
  safe: Change[];
  /** Acceptances of changes this diff does not make (left from earlier changes). */
  unused: Acceptance[];
};

/**
 * Reads schema-changes.accepted: `#` comments and blank lines aside, each entry is a change's
 * message on a line of its own, followed by an indented `reason: …` line saying why it is made.
 */
export function parseAccepted(text: string): Acceptance[] {
  const entries: Acceptance[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trimEnd();
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (/^\s/.test(line)) throw new Error(`schema-changes.accepted:${index + 1}: an indented line outside an entry`);
    const reason = /^\s+reason:\s*(.*\S)\s*$/.exec(lines[index + 1] ?? '')?.[1];
    if (!reason) {
      throw new Error(
        `schema-changes.accepted:${index + 1}: "${line}" needs an indented "reason: …" line after it saying why`,
      );
    }
    entries.push({ message: line, reason, line: index + 1 });
    index++;
  }
  return entries;
}

/** The changes from the base schema's SDL to the current one, sorted by criticality. */
export async function checkSchema(baseSdl: string, currentSdl: string, accepted: Acceptance[]): Promise<SchemaCheck> {
  const changes = await diff(buildSchema(baseSdl), buildSchema(currentSdl));
  const at = (level: CriticalityLevel) => changes.filter((change) => change.criticality.level === level);
  const breaking = at(CriticalityLevel.Breaking);
  const listed = new Set(accepted.map((entry) => entry.message));
  const made = new Set(breaking.map((change) => change.message));
  return {
    breaking,
    unaccepted: breaking.filter((change) => !listed.has(change.message)),
    dangerous: at(CriticalityLevel.Dangerous),
    safe: at(CriticalityLevel.NonBreaking),
    unused: accepted.filter((entry) => !made.has(entry.message)),
  };
}

/** What the check prints: every breaking and dangerous change, and the verdict. */
export function report(check: SchemaCheck, base: string, accepted: Acceptance[]): string {
  const reasons = new Map(accepted.map((entry) => [entry.message, entry.reason]));
  const describe = (change: Change) => `${change.message}${change.path ? `  (${change.path})` : ''}`;
  const lines = [
    `schema.graphql against ${base}: ${check.breaking.length} breaking, ${check.dangerous.length} dangerous, ${check.safe.length} safe change(s)`,
  ];
  for (const change of check.breaking) {
    const reason = reasons.get(change.message);
    lines.push(
      reason ? `  breaking, accepted: ${describe(change)}\n    reason: ${reason}` : `  BREAKING: ${describe(change)}`,
    );
  }
  for (const change of check.dangerous) {
    lines.push(
      `  dangerous: ${describe(change)}${change.criticality.reason ? `\n    ${change.criticality.reason}` : ''}`,
    );
  }
  for (const entry of check.unused) {
    lines.push(`  note: schema-changes.accepted:${entry.line} is not a change against ${base} (it may be removed)`);
  }
  if (check.unaccepted.length > 0) {
    lines.push(
      `${check.unaccepted.length} breaking change(s) not accepted. Clients in use may break: keep the old field, type or ` +
        `argument beside the new one (deprecate it), or, if the break is deliberate, add each message above to ` +
        `schema-changes.accepted with an indented "reason: …" line and commit it.`,
    );
  }
  return lines.join('\n');
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function gitFails(args: string[]): boolean {
  try {
    git(args);
    return false;
  } catch {
    return true;
  }
}

/** SCHEMA_BASE, else main itself: HEAD's parent, else any other branch: its merge-base with main. */
export function baseRevision(env: NodeJS.ProcessEnv = process.env): { revision: string; label: string } {
  if (gitFails(['rev-parse', '--git-dir'])) throw new Error(`${root} is not a git work tree (or git is not installed)`);
  const shallow = git(['rev-parse', '--is-shallow-repository']) === 'true';
  const unavailable = (what: string) =>
    new Error(
      `${what} is not in this repository${shallow ? ' (a shallow clone: git fetch --deepen=1, or --unshallow, brings it)' : ''}; ` +
        'set SCHEMA_BASE to the revision to compare with, or SCHEMA_CHECK_SKIP=1 to skip the check',
    );
  if (env.SCHEMA_BASE) {
    if (gitFails(['rev-parse', '--verify', '--quiet', `${env.SCHEMA_BASE}^{commit}`])) {
      throw unavailable(`SCHEMA_BASE=${env.SCHEMA_BASE}`);
    }
    return { revision: env.SCHEMA_BASE, label: env.SCHEMA_BASE };
  }
  const main = ['main', 'origin/main'].find(
    (ref) => !gitFails(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]),
  );
  const head = git(['rev-parse', 'HEAD']);
  if (!main || git(['rev-parse', main]) === head) {
    if (gitFails(['rev-parse', '--verify', '--quiet', 'HEAD^'])) {
      throw unavailable("HEAD's parent");
    }
    return { revision: 'HEAD^', label: "HEAD's parent (HEAD^)" };
  }
  try {
    const revision = git(['merge-base', 'HEAD', main]);
    return { revision, label: `the merge-base with ${main} (${revision.slice(0, 12)})` };
  } catch {
    throw unavailable(`the merge-base of HEAD and ${main}`);
  }
}

/** The base's schema.graphql, or undefined when the base has none. */
function schemaAt(revision: string): string | undefined {
  if (gitFails(['cat-file', '-e', `${revision}:${SCHEMA}`])) return undefined;
  return execFileSync('git', ['show', `${revision}:${SCHEMA}`], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
}

async function main() {
  if (process.env.SCHEMA_CHECK_SKIP === '1') {
    console.log('schema check skipped (SCHEMA_CHECK_SKIP=1)');
    return 0;
  }
  let base: { revision: string; label: string };
  try {
    base = baseRevision();
  } catch (error) {
    console.error(`schema check: no base to compare with: ${(error as Error).message}`);
    return 2;
  }
  const baseSdl = schemaAt(base.revision);
  if (baseSdl === undefined) {
    console.log(`schema check: ${base.label} has no ${SCHEMA}; nothing to compare with`);
    return 0;
  }
  const accepted = existsSync(acceptedFile) ? parseAccepted(await readFile(acceptedFile, 'utf8')) : [];
  const check = await checkSchema(baseSdl, await readFile(`${root}${SCHEMA}`, 'utf8'), accepted);
  console.log(report(check, base.label, accepted));
  return check.unaccepted.length > 0 ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(`schema check: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
