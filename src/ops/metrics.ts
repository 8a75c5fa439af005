import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config.js';
import { pools } from '../db.js';
import { liveEvents } from '../modules/live/live-events.js';

/** What the request log hands over when a GraphQL request has been answered. */
export type Observation = {
  operation: string | undefined;
  /** Whether the operation ran a trusted document: only their names are labels. */
  trusted: boolean;
  operationType: string | undefined;
  status: number;
  seconds: number;
  errorCodes: string[];
};

export type Metrics = {
  observe(observation: Observation): void;
  /** Serves GET /metrics beside the API. */
  plugin: Plugin;
  /** Serves GET /metrics on a listener of its own (METRICS_PORT). */
  listener: RequestListener;
};

const ANONYMOUS = '(anonymous)';
// Operation names and error codes are label values: a client choosing them could add series
// without end, so everything outside these known sets is counted under one value.
const OTHER = '(other)';

const KNOWN_ERROR_CODES: ReadonlySet<string> = new Set([
  // OpsGraph's own (lib/errors.ts, lib/query-cost.ts, lib/load-guard.ts, ops/http-errors.ts)
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CHANGE_NOT_READ_BACK',
  'CHANGE_OUTCOME_UNKNOWN',
  'GOOGLE_SIGN_IN_NOT_CONFIGURED',
  'GOOGLE_KEYS_UNAVAILABLE',
  'DATABASE_UNAVAILABLE',
  'TIMEOUT',
  'QUERY_TOO_COSTLY',
  'RESPONSE_TOO_LARGE',
  'SERVER_BUSY',
  'TOO_MANY_SUBSCRIPTIONS',
  'SUBSCRIBER_TOO_SLOW',
  'LIVE_UPDATES_UNAVAILABLE',
  'PAYLOAD_TOO_LARGE',
  'BAD_REQUEST',
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TRUSTED_DOCUMENT_REQUIRED',
  'TRUSTED_DOCUMENT_NOT_FOUND',
  // Yoga's and graphql-js'
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'REQUEST_ENTITY_TOO_LARGE',
  'INTERNAL_SERVER_ERROR',
  // an error without a code (request-log.ts)
  'GRAPHQL_ERROR',
]);

// A trusted document's name is one of a fixed few; any other document's is the client's choice.
const operationLabel = (name: string | undefined, trusted: boolean) =>
  name === undefined ? ANONYMOUS : trusted ? name : OTHER;
const codeLabel = (code: string) => (KNOWN_ERROR_CODES.has(code) ? code : OTHER);

/** Outside production /metrics is open beside the API; in production only behind METRICS_TOKEN. */
export const metricsBesideApi = ({ env, metrics }: Pick<Config, 'env' | 'metrics'>) =>
  metrics.port === undefined && (metrics.token !== undefined || env !== 'production');

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether an Authorization header carries the token (compared in constant time). */
function authorized(token: string | undefined, authorization: string | null | undefined): boolean {
  if (token === undefined) return true;
  const given = authorization?.match(/^bearer (.+)$/i)?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/**
 * Prometheus metrics: GraphQL requests by operation and status with their durations, errors by
 * operation and code, the database pools' connections, and the process' own (CPU, memory,
 * event-loop lag). Each app has a registry of its own. Requests are recorded once, by the request
 * log, when they are answered: no hook of its own runs in a request's phases. With a token, GET
 * /metrics answers 401 unless it is sent as a bearer token.
 */
export function createMetrics({ token }: { token?: string | undefined } = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'opsgraph_' });
  const requests = new Histogram({
    name: 'opsgraph_graphql_request_duration_seconds',
    help: 'GraphQL requests by operation name and type and HTTP status, and how long each took to answer.',
    labelNames: ['operation', 'operation_type', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'opsgraph_graphql_errors_total',
    help: 'Errors in GraphQL responses by operation name and error code.',
    labelNames: ['operation', 'code'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'opsgraph_db_pool_connections',
    help: 'Database connections by pool (primary or replica) and state: total, idle, and requests waiting for one.',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { role, pool } of pools) {
        this.inc({ pool: role, state: 'total' }, pool.totalCount);
        this.inc({ pool: role, state: 'idle' }, pool.idleCount);
        this.inc({ pool: role, state: 'waiting' }, pool.waitingCount);
      }
    },
  });
  new Gauge({
    name: 'opsgraph_graphql_subscriptions',
    help: 'Open GraphQL subscriptions (over SSE and WebSocket) by kind of event.',
    labelNames: ['event'] as const,
    registers: [registry],
    collect() {
      for (const [event, count] of liveEvents.counts()) this.set({ event }, count);
    },
  });
  const answer = async (
    authorization: string | null | undefined,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> => {
    if (!authorized(token, authorization)) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer' },
        body: 'Send the metrics token as a bearer token.\n',
      };
    }
    return { status: 200, headers: { 'content-type': registry.contentType }, body: await registry.metrics() };
  };
  return {
    observe({ operation, trusted, operationType = '', status, seconds, errorCodes }) {
      const label = operationLabel(operation, trusted);
      requests.observe({ operation: label, operation_type: operationType, status: String(status) }, seconds);
      for (const code of errorCodes) errors.inc({ operation: label, code: codeLabel(code) });
    },
    plugin: {
      // Not async: every other request passes straight through, without a promise of its own.
      onRequest({ url, request, endResponse }) {
        if (url.pathname !== '/metrics' || request.method !== 'GET') return;
        return answer(request.headers.get('authorization')).then(({ status, headers, body }) =>
          endResponse(new Response(body, { status, headers })),
        );
      },
    },
    listener(req, res) {
      const path = new URL(req.url ?? '/', 'http://metrics').pathname;
      if (path !== '/metrics' || req.method !== 'GET') {
        res.writeHead(404).end();
        return;
      }
      answer(req.headers.authorization).then(
        ({ status, headers, body }) => res.writeHead(status, headers).end(body),
        () => res.writeHead(500).end(),
      );
    },
  };
}
