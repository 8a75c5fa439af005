import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { pools } from '../db.js';

/** What the request log hands over when a GraphQL request has been answered. */
export type Observation = {
  operation: string | undefined;
  operationType: string | undefined;
  status: number;
  seconds: number;
  errorCodes: string[];
};

export type Metrics = {
  observe(observation: Observation): void;
  /** Serves GET /metrics. */
  plugin: Plugin;
};

const ANONYMOUS = '(anonymous)';

/**
 * Prometheus metrics: GraphQL requests by operation and status with their durations, errors by
 * operation and code, the database pools' connections, and the process' own (CPU, memory,
 * event-loop lag). Each app has a registry of its own. Requests are recorded once, by the request
 * log, when they are answered: no hook of its own runs in a request's phases.
 */
export function createMetrics(): Metrics {
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
  return {
    observe({ operation = ANONYMOUS, operationType = '', status, seconds, errorCodes }) {
      requests.observe({ operation, operation_type: operationType, status: String(status) }, seconds);
      for (const code of errorCodes) errors.inc({ operation, code });
    },
    plugin: {
      // Not async: every other request passes straight through, without a promise of its own.
      onRequest({ url, request, endResponse }) {
        if (url.pathname !== '/metrics' || request.method !== 'GET') return;
        return registry
          .metrics()
          .then((text) => endResponse(new Response(text, { headers: { 'content-type': registry.contentType } })));
      },
    },
  };
}
