import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { pools } from '../db.js';

/**
 * GET /metrics in Prometheus' text format: GraphQL requests, their durations and errors by
 * operation; HTTP durations by status; the database pools' connections; and the process' own
 * (CPU, memory, event-loop lag). Each app has a registry of its own.
 */
export function useMetrics(): Plugin {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'opsgraph_' });
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
  return usePrometheus({
    registry,
    endpoint: '/metrics',
    metrics: {
      graphql_envelop_request: true,
      graphql_envelop_request_duration: true,
      graphql_envelop_error_result: true,
      graphql_yoga_http_duration: true,
    },
    labels: { url: false },
  }) as Plugin;
}
