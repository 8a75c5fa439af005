import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type CORSOptions, type Plugin } from 'graphql-yoga';
import type { Config } from './config.js';
import type { Context } from './context.js';
import { badInput, retryableDatabaseError } from './lib/errors.js';
import { useLoadLimit, type LoadLimits } from './lib/load-guard.js';
import { useBodySizeLimit, useQueryCostLimit } from './lib/query-cost.js';
import { useTenantScope } from './lib/request-tenant.js';
import { useSubscriptionEvents } from './lib/subscription-events.js';
import { configureTokens } from './lib/tokens.js';
import {
  loadTrustedDocuments,
  TRUSTED_DOCUMENT_PARAMETER,
  trustedDocumentRule,
  useTrustedDocuments,
  type TrustedDocuments,
} from './lib/trusted-documents.js';
import { createContext } from './modules/auth/authenticate.js';
import { googleIdTokens } from './modules/auth/google-id-token.js';
import { configureLiveEvents } from './modules/live/live-events.js';
import { configureTimeclock } from './modules/timeclock/rules.js';
import { useTimesheetExport } from './modules/timeclock/timeclock.export.js';
import { cachedGraphiQL } from './ops/graphiql.js';
import { useErrorBodies } from './ops/http-errors.js';
import { createLogger, type Logger } from './ops/logger.js';
import { createMetrics, metricsBesideApi, type Metrics } from './ops/metrics.js';
import { type Lifecycle, useReadiness } from './ops/readiness.js';
import { useRequestLog } from './ops/request-log.js';
import { schema } from './schema.js';

// GraphiQL opens on two of the example client operations: sign-in, then the web dashboard.
const defaultQuery = ['auth.graphql', 'dashboard.graphql']
  .map((file) => readFileSync(fileURLToPath(new URL(`../operations/${file}`, import.meta.url)), 'utf8'))
  .join('\n');

/**
 * graphql-js ends some messages with "Did you mean …?", naming fields, arguments, types or enum
 * values close to what was sent: in validation, and in the coercion of variables, which
 * graphql-armor's field-suggestion block does not cover. Production answers without them.
 */
function useNoSuggestions(): Plugin {
  const strip = (result: { errors?: readonly GraphQLError[] }) => {
    for (const error of result.errors ?? []) {
      const at = error.message.indexOf(' Did you mean ');
      if (at >= 0) error.message = error.message.slice(0, at);
    }
  };
  return {
    onResultProcess({ result }) {
      if (Array.isArray(result)) result.forEach(strip);
      else if (!(Symbol.asyncIterator in result)) strip(result);
    },
  };
}

/**
 * Browsers may call the API only from the configured origins; other origins, and every origin
 * when none is configured, get no CORS headers. Tokens travel in Authorization, never in cookies,
 * so no origin is allowed credentials.
 */
function cors(origins: string[]): false | ((request: Request) => CORSOptions) {
  if (origins.length === 0) return false;
  const allowed = new Set(origins);
  return (request) => {
    const origin = request.headers.get('origin');
    return origin !== null && allowed.has(origin) ? { origin: [origin], credentials: false, maxAge: 600 } : false;
  };
}

const loadLimits = ({ limits }: Config): LoadLimits => ({
  perRequest: limits.maxLoadBytes,
  inFlight: limits.maxLoadBytesInFlight,
});

/** The limits every request is held to; each answers with an error that names it. */
function limits(config: Config): Plugin[] {
  const { limits, env } = config;
  const plugins: Plugin[] = [
    useBodySizeLimit(limits.maxBodyBytes),
    // A browser cannot add these to a cross-site request without a CORS preflight.
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization'] }),
    maxTokensPlugin({ n: limits.maxTokens }),
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesPlugin({ n: limits.maxAliases }),
    maxDirectivesPlugin({ n: limits.maxDirectives }),
    useQueryCostLimit(schema, limits.maxCost),
    useLoadLimit(loadLimits(config)),
  ] as Plugin[];
  if (env === 'production') plugins.push(useNoSuggestions());
  if (!limits.introspection) plugins.push(useDisableIntrospection());
  return plugins;
}

/**
 * Database failures a client should retry, and input refused where no error union can carry it (a
 * query's arguments), keep their meaning; other unexpected errors are masked.
 */
function maskUnexpected(error: unknown, message: string, isDev?: boolean): Error {
  const graphqlError = error instanceof GraphQLError ? error : undefined;
  const original = graphqlError?.originalError ?? error;
  const expected = retryableDatabaseError(original) ?? badInput(original);
  if (!expected) return maskError(error, message, isDev);
  return new GraphQLError(expected.message, {
    nodes: graphqlError?.nodes,
    path: graphqlError?.path,
    extensions: expected.extensions,
  });
}

/** GraphiQL is a development tool: production serves the API alone. */
export const servesGraphiQL = (config: Config) => config.env !== 'production';

export type AppOptions = {
  /** Where request and error logs go (default: stdout, at config.logLevel in config.logFormat). */
  logger?: Logger;
  /** Set `stopping` while shutting down: /ready then answers 503. */
  lifecycle?: Lifecycle;
  /** Where requests are counted (default: a registry of the app's own). */
  metrics?: Metrics;
  /** The clients' trusted documents (default: read from config.trustedDocuments.manifest). */
  trustedDocuments?: TrustedDocuments;
};

export function createApp(config: Config, options: AppOptions = {}) {
  configureTokens(config.auth);
  configureTimeclock(config.timeclock);
  configureLiveEvents(config.limits);
  const logger = options.logger ?? createLogger(config.logLevel, { format: config.logFormat });
  const metrics = options.metrics ?? createMetrics(config.metrics);
  const trustedDocuments = options.trustedDocuments ?? loadTrustedDocuments(config.trustedDocuments.manifest);
  const requestLog = useRequestLog(logger, metrics, trustedDocuments);
  const graphiql = cachedGraphiQL();
  const google = config.google ? googleIdTokens(config.google) : null;
  return createYoga<{ req?: IncomingMessage }, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // GET /health answers 200 while the process runs (Yoga's built-in check); /ready is below.
    healthCheckEndpoint: '/health',
    logging: requestLog.yogaLogger,
    maskedErrors: { maskError: maskUnexpected },
    // useBodySizeLimit enforces limits.maxBodyBytes without streaming bodies that state their size.
    maxRequestBodySize: false,
    extraParamNames: [TRUSTED_DOCUMENT_PARAMETER],
    landingPage: false,
    cors: cors(config.corsOrigins),
    // GraphiQL's page and assets are served from the package, not from a CDN, so it works offline.
    renderGraphiQL: graphiql.renderGraphiQL,
    graphiql: !servesGraphiQL(config) ? false : { title: 'OpsGraph', defaultQuery },
    plugins: [
      requestLog.plugin,
      useErrorBodies(),
      graphiql.plugin,
      ...(metricsBesideApi(config) ? [metrics.plugin] : []),
      useReadiness(options.lifecycle ?? { stopping: false }, config),
      useTimesheetExport(config),
      useTrustedDocuments(trustedDocumentRule(config.trustedDocuments, trustedDocuments)),
      ...limits(config),
      useTenantScope(),
      useSubscriptionEvents(loadLimits(config)),
    ],
    context: ({ request, req }) => createContext({ request, req }, config, google),
  });
}
