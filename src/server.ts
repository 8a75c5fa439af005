import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './database/open.js';
import { createLogger } from './ops/logger.js';
import type { Lifecycle } from './ops/readiness.js';

function listen(server: Server, port: number, host: string, setting: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(
              `port ${port} is in use on ${host}: stop what listens there, or set ${setting} to a free port.`,
            )
          : error,
      );
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

async function main() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env, { terminal: process.stdout.isTTY === true });
  const logger = createLogger(config.logLevel, { format: config.logFormat });
  const log = (message: string) => logger.info(message);
  // The schema and the API's modules load while the database answers: the one keeps the CPU busy
  // while the other waits on the network.
  const [database, { createApp, servesGraphiQL }, { createMetrics, metricsBesideApi }] = await Promise.all([
    openDatabase(config, log),
    import('./yoga.js'),
    import('./ops/metrics.js'),
  ]);
  const lifecycle: Lifecycle = { stopping: false };
  const metrics = createMetrics(config.metrics);
  const app = createApp(config, { logger, lifecycle, metrics });
  const server = createServer((request, response) => void app(request, response));
  const metricsServer = config.metrics.port === undefined ? undefined : createServer(metrics.listener);
  if (!metricsServer && !metricsBesideApi(config)) {
    logger.warn(
      '/metrics is off: set METRICS_TOKEN to serve it beside the API, or METRICS_PORT for a listener of its own',
    );
  }
  // Node's default (5 s) closes idle connections that a client or balancer may be reusing at that
  // very moment; its request then fails without an answer.
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = config.keepAliveTimeoutMs + 1_000;
  try {
    if (metricsServer) {
      await listen(metricsServer, config.metrics.port!, config.host, 'METRICS_PORT');
      log(`Metrics on http://${config.host}:${config.metrics.port}/metrics`);
    }
    await listen(server, config.port, config.host, 'PORT');
  } catch (error) {
    metricsServer?.close();
    await database.close();
    throw error;
  }
  const endpoint = `http://${config.host}:${config.port}/graphql`;
  // From the process' start: what the person who ran `npm start` waited.
  const ready = `ready in ${process.uptime().toFixed(1)} s`;
  log(
    servesGraphiQL(config)
      ? `GraphQL and GraphiQL on ${endpoint} (${database.mode} database), ${ready}`
      : `GraphQL on ${endpoint}, GraphiQL off in production (${database.mode} database), ${ready}`,
  );

  const exit = (code: number) => logger.flush(() => process.exit(code));
  // Stop taking requests, let those in flight finish (at most shutdownTimeoutMs), close the pool.
  const stop = (signal: string) => {
    if (lifecycle.stopping) return;
    lifecycle.stopping = true;
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    log(`${signal}: finishing in-flight requests (at most ${config.shutdownTimeoutMs} ms)`);
    const deadline = setTimeout(() => {
      logger.warn('shutdown deadline passed: closing the connections still open');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    server.close(() => {
      clearTimeout(deadline);
      database.close().then(
        () => {
          log('stopped');
          exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'closing the database failed');
          exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`[opsgraph] configuration error: ${error.message}`);
  } else {
    console.error('[opsgraph] could not start:', error);
  }
  process.exit(1);
});
