import { randomUUID } from 'node:crypto';
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { YogaLogger } from '@graphql-yoga/logger';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { badInput, retryableDatabaseError } from '../lib/errors.js';
import type { TrustedDocuments } from '../lib/trusted-documents.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** A request id a client or proxy may choose: short, and safe to print. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const NAME_LIMIT = 100;
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

type Entry = {
  id: string;
  path: string;
  start: number;
  operation?: string;
  /** Whether the operation ran a trusted document (its name is then the trusted one). */
  trusted?: boolean;
  operationType?: string;
  viewerId?: string;
  organisationId?: string;
  errorCodes: string[];
};

function errorCodes(result: unknown): string[] {
  const results = (Array.isArray(result) ? result : [result]) as ExecutionResult[];
  return results.flatMap((one) =>
    (one?.errors ?? []).map(({ extensions }) =>
      typeof extensions?.code === 'string' ? extensions.code : 'GRAPHQL_ERROR',
    ),
  );
}

/**
 * One JSON log line per request: its id (X-Request-Id, also sent back), operation, duration,
 * status, viewer and organisation, and the error codes it answered with; the same figures go to
 * the metrics. Unexpected errors get a line of their own with the same request id. Tokens,
 * passwords and variables are never logged.
 */
export function useRequestLog(
  logger: Logger,
  metrics: Metrics,
  trustedDocuments: TrustedDocuments,
): { plugin: Plugin<Context>; yogaLogger: YogaLogger } {
  const entries = new WeakMap<Request, Entry>();
  const logged = new WeakSet<object>();

  // A database outage is expected now and then: a warning. Input refused where no error union
  // carries it is the client's mistake, answered as BAD_USER_INPUT. Anything else is a bug: an
  // error, with its whole reason (the logger's err serializer).
  const report = (fields: object, error: Error) => {
    if (retryableDatabaseError(error)) logger.warn({ ...fields, err: error }, 'database unavailable');
    else if (!badInput(error)) logger.error({ ...fields, err: error }, 'unexpected error');
  };

  const reportUnexpected = (requestId: string | undefined, result: ExecutionResult) => {
    for (const error of result.errors ?? []) {
      const original = error.originalError;
      if (!original || original instanceof GraphQLError || logged.has(error)) continue;
      logged.add(error);
      report({ requestId, path: error.path?.join('.') }, original);
    }
  };

  // The request's entry, told what the operation is and whose it is.
  const describe = ({ contextValue, document, operationName }: ExecutionArgs & { contextValue: Context }) => {
    const entry = entries.get((contextValue as Context & { request: Request }).request);
    if (!entry) return undefined;
    const operation = getOperationAST(document, operationName);
    const trusted = trustedDocuments.nameOf(document);
    entry.operation = trusted ?? operation?.name?.value.slice(0, NAME_LIMIT);
    entry.trusted = trusted !== undefined;
    entry.operationType = operation?.operation;
    entry.viewerId = contextValue.viewer?.id;
    entry.organisationId = contextValue.viewer?.organisationId;
    return entry;
  };

  const plugin: Plugin<Context> = {
    onRequest({ request, url }) {
      const given = request.headers.get('x-request-id');
      entries.set(request, {
        id: given && REQUEST_ID.test(given) ? given : randomUUID(),
        path: url.pathname,
        start: performance.now(),
        errorCodes: [],
      });
    },
    onExecute({ args }) {
      const entry = describe(args);
      if (!entry) return;
      return { onExecuteDone: ({ result }) => reportUnexpected(entry.id, result as ExecutionResult) };
    },
    // Each event of a subscription (over WebSocket, without a request of its own) is reported too.
    onSubscribe({ args }) {
      const entry = describe(args);
      return { onSubscribeResult: () => ({ onNext: ({ result }) => reportUnexpected(entry?.id, result) }) };
    },
    onResultProcess({ request, result }) {
      entries.get(request)?.errorCodes.push(...errorCodes(result));
    },
    onResponse({ request, response }) {
      const entry = entries.get(request);
      if (!entry) return;
      response.headers.set('x-request-id', entry.id);
      const quiet = QUIET_PATHS.has(entry.path);
      const milliseconds = performance.now() - entry.start;
      if (!quiet) {
        metrics.observe({
          operation: entry.operation,
          trusted: entry.trusted ?? false,
          operationType: entry.operationType,
          status: response.status,
          seconds: milliseconds / 1000,
          errorCodes: entry.errorCodes,
        });
      }
      logger[quiet ? 'debug' : 'info']({
        requestId: entry.id,
        method: request.method,
        path: entry.path,
        status: response.status,
        durationMs: Math.round(milliseconds * 100) / 100,
        operation: entry.operation,
        trustedDocument: entry.trusted,
        operationType: entry.operationType,
        viewerId: entry.viewerId,
        organisationId: entry.organisationId,
        errors: entry.errorCodes.length > 0 ? entry.errorCodes : undefined,
      });
    },
  };

  // Yoga's own messages; an error it reports that the plugin above logged already is skipped.
  const at =
    (level: 'debug' | 'info' | 'warn') =>
    (...args: unknown[]) => {
      if (logger.isLevelEnabled(level)) logger[level]({ yoga: args.map(String) });
    };
  const yogaLogger: YogaLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: (...args: unknown[]) => {
      const [first] = args;
      if (first instanceof GraphQLError && logged.has(first)) return;
      const error = first instanceof GraphQLError ? (first.originalError ?? first) : first;
      if (error instanceof Error) report({}, error);
      else logger.error({ err: error }, 'unexpected error');
    },
  };
  return { plugin, yogaLogger };
}
