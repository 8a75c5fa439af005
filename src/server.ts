import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './database/open.js';
import { loadTrustedDocuments, trustedDocumentRule } from './lib/trusted-documents.js';
import { liveEvents } from './modules/live/live-events.js';
import { serveWebSockets } from './modules/live/websocket.js';
import { createLogger } from './ops/logger.js';
import { createMetrics, metricsBesideApi } from './ops/metrics.js';
import type { Lifecycle } from './ops/readiness.js';
import { createApp, servesGraphiQL } from './yoga.js';

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

const OTHER_DOCUMENTS = {
  only: 'refused (TRUSTED_DOCUMENTS=only)',
  admins: "signed-in admins' only (TRUSTED_DOCUMENTS=admins)",
  any: 'accepted (TRUSTED_DOCUMENTS=any)',
} as const;

async function main() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env, { terminal: process.stdout.isTTY === true });
  const logger = createLogger(config.logLevel, { format: config.logFormat });
  const log = (message: string) => logger.info(message);
  const database = await openDatabase(config, log);
  const lifecycle: Lifecycle = { stopping: false };
  const metrics = createMetrics(config.metrics);
  const trustedDocuments = loadTrustedDocuments(config.trustedDocuments.manifest);
  log(
    `${trustedDocuments.size} trusted documents (${trustedDocuments.source}); other documents: ${OTHER_DOCUMENTS[config.trustedDocuments.mode]}`,
  );
  const app = createApp(config, { logger, lifecycle, metrics, trustedDocuments });
  const server = createServer((request, response) => void app(request, response));
  const webSockets = serveWebSockets(
    server,
    app,
    config,
    logger,
    trustedDocumentRule(config.trustedDocuments, trustedDocuments),
  );
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
    // Subscriptions end with a retryable error, so that their clients subscribe to another instance.
    liveEvents.close();
    void webSockets.close();
    const deadline = setTimeout(() => {
      logger.warn('shutdown deadline passed: closing the connections still open');
      webSockets.terminate();
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    // A keep-alive connection whose last response ended (an ended subscription's stream, too) is
    // closed at once, rather than when its client gives up on it.
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearTimeout(deadline);
      clearInterval(idle);
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
