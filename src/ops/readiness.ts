import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import { primary } from '../db.js';
import { sessionChecksEveryRequest } from '../modules/auth/session-cache.js';
import { committedMigrations, pendingMigrations } from '../schema-engine/migrate.js';

/** Whether the instance is shutting down: then it is no longer ready, so the balancer stops sending. */
export type Lifecycle = { stopping: boolean };

const CHECK_TIMEOUT_MS = 2_000;

// The migrations this build ships with: read from disk once, at the first check.
let committed: Promise<string[]> | undefined;

async function notApplied(): Promise<string[]> {
  committed ??= committedMigrations();
  return pendingMigrations(await committed, (sql) => primary.$queryRawUnsafe(sql));
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const answer = (status: number, body: object) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function readiness(lifecycle: Lifecycle, config: Config): Promise<Response> {
  if (lifecycle.stopping) return answer(503, { status: 'stopping' });
  let pending: string[];
  try {
    pending = await within(notApplied(), CHECK_TIMEOUT_MS);
  } catch (error) {
    const reason = error instanceof Error ? error.message.trim().split('\n').at(-1) : String(error);
    return answer(503, { status: 'unavailable', reason: `database unreachable: ${reason}` });
  }
  if (pending.length > 0) {
    return answer(503, { status: 'unavailable', reason: 'migrations not applied', pendingMigrations: pending });
  }
  const everyRequest = sessionChecksEveryRequest(config);
  return answer(
    200,
    everyRequest
      ? { status: 'ready', sessionChecks: 'every request', sessionChecksReason: everyRequest }
      : { status: 'ready', sessionChecks: 'remembered, listening for changes' },
  );
}

/**
 * GET /ready answers 200 when this instance should get traffic: the database answers and every
 * committed migration is applied; it says how sessions are checked. Otherwise 503, with the
 * reason. (Yoga's useReadinessCheck matches every request against a URLPattern; a path
 * comparison is all this needs.)
 */
export function useReadiness(lifecycle: Lifecycle, config: Config): Plugin {
  return {
    // Not async: every other request passes straight through, without a promise of its own.
    onRequest({ url, endResponse }) {
      if (url.pathname === '/ready') return readiness(lifecycle, config).then(endResponse);
    },
  };
}
