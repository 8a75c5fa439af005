import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  GraphQLError,
  getOperationAST,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionArgs,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type subscribe,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config.js';
import type { Context } from '../../context.js';
import { retryableDatabaseError, tooManySubscriptions } from '../../lib/errors.js';
import type { trustedDocumentRule } from '../../lib/trusted-documents.js';
import type { Logger } from '../../ops/logger.js';

type App = YogaServerInstance<{ req?: IncomingMessage }, Context>;

/** What this transport uses of yoga.getEnveloped's answer, which envelop types loosely. */
type Envelope = {
  schema: GraphQLSchema;
  parse(source: string): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
  contextFactory(): unknown;
  subscribe: typeof subscribe;
};

const HEADERS_KEPT = ['user-agent', 'x-forwarded-for'];

/**
 * The request the app's context is built from: the upgrade request's client headers, and the
 * Authorization header the client sent in connectionParams, since a browser's WebSocket cannot
 * send headers of its own.
 */
function requestOf(upgrade: IncomingMessage, connectionParams: Record<string, unknown> | undefined): Request {
  const headers = new Headers();
  for (const name of HEADERS_KEPT) {
    const value = upgrade.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  const authorization = connectionParams?.authorization;
  if (typeof authorization === 'string') headers.set('authorization', authorization);
  return new Request(new URL(upgrade.url ?? '/graphql', 'http://websocket'), { headers });
}

/** An error as a client sees it: without the HTTP status and headers it would have over HTTP. */
function formatted(error: GraphQLError): GraphQLFormattedError {
  const { extensions, ...rest } = error.toJSON();
  if (!extensions) return rest;
  const { http: _http, ...kept } = extensions;
  return Object.keys(kept).length > 0 ? { ...rest, extensions: kept } : rest;
}

function formattedResult({ errors, ...result }: { errors?: readonly GraphQLError[] }): FormattedExecutionResult {
  return errors ? { ...result, errors: errors.map(formatted) } : result;
}

const subscriptionsOnly = () =>
  new GraphQLError('The WebSocket carries subscriptions only: send queries and mutations over HTTP.', {
    extensions: { code: 'BAD_REQUEST' },
  });

/**
 * GraphQL subscriptions over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on the
 * API's own server and path. Each operation is parsed, validated, authenticated and subscribed by
 * the app's own plugins (yoga.getEnveloped), as over HTTP: the same limits, scopes and tenancy.
 * The access token comes in the connection's `connectionParams` as `{ authorization: "Bearer …" }`.
 */
export function serveWebSockets(
  server: Server,
  app: App,
  { limits }: Pick<Config, 'limits'>,
  logger: Logger,
  documentFor: ReturnType<typeof trustedDocumentRule>,
): { close(): Promise<void>; terminate(): void } {
  // Upgrades are taken from the server here: attached with `server`, ws would also report the HTTP
  // server's own errors (a port in use) as its own.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: limits.maxBodyBytes });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://websocket').pathname !== app.graphqlEndpoint) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (accepted) => sockets.emit('connection', accepted, request));
  });
  // Operations subscribed and not yet complete, by socket: a stopping server closes each socket
  // once its last operation has sent its final message.
  const operations = new Map<WebSocket, number>();
  let closing = false;
  const goAway = (socket: WebSocket) => socket.close(1001, 'Going away');
  // Each operation's subscribe, with the plugins its context was built by.
  const subscribers = new WeakMap<ExecutionArgs, typeof subscribe>();
  const refused = (error: unknown): readonly GraphQLError[] => {
    if (error instanceof GraphQLError) return [error];
    const retryable = retryableDatabaseError(error);
    if (retryable) return [retryable];
    logger.error({ err: error }, 'unexpected error');
    return [new GraphQLError('Unexpected error.')];
  };
  useServer<Record<string, unknown> | undefined>(
    {
      async onSubscribe(context, _id, params) {
        // This operation is counted already.
        if (Object.keys(context.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          return [tooManySubscriptions('connection', limits.maxSubscriptionsPerConnection)];
        }
        const request = requestOf(context.extra.request, context.connectionParams);
        const enveloped = app.getEnveloped({ request, req: context.extra.request, params }) as Envelope;
        try {
          const { schema } = enveloped;
          // Over HTTP, useTrustedDocuments applies the rule before Yoga parses: here, before parsing too.
          const document = enveloped.parse(await documentFor(params, request));
          const errors = enveloped.validate(schema, document);
          if (errors.length > 0) return errors;
          const operation = getOperationAST(document, params.operationName)?.operation;
          if (operation !== OperationTypeNode.SUBSCRIPTION) return [subscriptionsOnly()];
          const args: ExecutionArgs = {
            schema,
            document,
            contextValue: await enveloped.contextFactory(),
            variableValues: params.variables,
            operationName: params.operationName,
          };
          subscribers.set(args, enveloped.subscribe);
          operations.set(context.extra.socket, (operations.get(context.extra.socket) ?? 0) + 1);
          return args;
        } catch (error) {
          return refused(error);
        }
      },
      subscribe: (args) => subscribers.get(args)!(args),
      onComplete({ extra: { socket } }) {
        const left = operations.get(socket)! - 1;
        if (left > 0) operations.set(socket, left);
        else operations.delete(socket);
        if (closing && left === 0) goAway(socket);
      },
      onNext: (_context, _id, _params, _args, result) => formattedResult(result),
      onError: (_context, _id, _params, errors) => errors.map(formatted),
    },
    sockets,
  );
  return {
    /**
     * Takes no new sockets, and closes each open one (1001, going away) once its operations have
     * ended (the server ends its subscriptions first); the shutdown deadline closes any left.
     */
    close() {
      closing = true;
      for (const socket of sockets.clients) if (!operations.has(socket)) goAway(socket);
      return new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
    /** Cuts every socket still open: at the shutdown deadline. */
    terminate() {
      for (const socket of sockets.clients) socket.terminate();
    },
  };
}
