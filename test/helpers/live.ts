import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A subscription's result as a client receives it: data, or errors (then the stream ends). */
export type Received<R = unknown> = {
  /** The HTTP status of a refused Server-Sent Events request. */
  status?: number;
  data?: R | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
};

export type Transport = 'sse' | 'ws';

/** A subscription held open by a real client, and what it received so far. */
export type Stream<R = unknown> = {
  readonly received: Received<R>[];
  /** When each result arrived (performance.now()). */
  readonly arrivals: number[];
  /** The next result not yet taken (waits for it). */
  next(): Promise<Received<R>>;
  /** Settles when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Ends it from the client's side. */
  close(): Promise<void>;
};

/**
 * A client of the API's subscriptions: `graphql-sse` in distinct connections mode over Yoga's own
 * Server-Sent Events (POST /graphql, Accept: text/event-stream), or `graphql-ws` over a WebSocket
 * to the same path, the token in connectionParams. Neither retries: a refusal is a result here.
 */
export function liveClient(transport: Transport, graphqlUrl: string, token: string | undefined) {
  const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (transport === 'sse') {
    const client = createSseClient({ url: graphqlUrl, headers: authorization, retryAttempts: 0 });
    return { iterate: (query: string) => client.iterate({ query }), dispose: () => client.dispose() };
  }
  const client = createWsClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization,
    retryAttempts: 0,
    lazy: true,
  });
  return { iterate: (query: string) => client.iterate({ query }), dispose: () => client.dispose() };
}

export type LiveClient = ReturnType<typeof liveClient>;

/**
 * What a refused subscription answered: graphql-ws reports the errors; graphql-sse throws on a
 * response other than 200, whose body (Server-Sent Events) holds the errors as its one event.
 */
async function refusal(error: unknown): Promise<Received<never>> {
  if (Array.isArray(error)) return { errors: error as Received['errors'] };
  const response = (error as { response?: Response }).response;
  if (!response) return { errors: [{ message: error instanceof Error ? error.message : String(error) }] };
  const event = /^data: (\{.*)$/m.exec(await response.text());
  return { status: response.status, ...(event ? (JSON.parse(event[1]!) as Received<never>) : {}) };
}

/**
 * Subscribes with a typed document (`graphql()` of test/generated/), and collects what arrives,
 * typed by it. Errors the protocol reports end the stream as a result.
 */
export function subscribe<R>(client: LiveClient, document: TypedDocumentNode<R, Record<string, never>>): Stream<R> {
  const iterator = client.iterate(print(document));
  const received: Received<R>[] = [];
  const arrivals: number[] = [];
  let taken = 0;
  let done = false;
  let wake: (() => void) | undefined;
  const ended = (async () => {
    try {
      for await (const result of iterator) {
        arrivals.push(performance.now());
        received.push(result as Received<R>);
        wake?.();
      }
    } catch (error) {
      received.push(await refusal(error));
    } finally {
      done = true;
      wake?.();
    }
  })();
  return {
    received,
    arrivals,
    async next() {
      while (taken >= received.length) {
        if (done) throw new Error(`the stream ended after ${received.length} results`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return received[taken++]!;
    },
    ended,
    async close() {
      await iterator.return?.();
      await ended;
    },
  };
}
