import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { repoRoot } from './cli.js';

/** An example client subscription of operations/subscriptions.graphql, by name. */
export function exampleSubscription(name: string): string {
  const document = parse(readFileSync(join(repoRoot, 'operations', 'subscriptions.graphql'), 'utf8'));
  const operation = document.definitions.find(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.name?.value === name,
  );
  if (!operation) throw new Error(`no subscription ${name} in operations/subscriptions.graphql`);
  return print(operation);
}

/** A subscription's result as a client receives it: data, or errors (then the stream ends). */
export type Received = {
  /** The HTTP status of a refused Server-Sent Events request. */
  status?: number;
  data?: Record<string, any> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
};

export type Transport = 'sse' | 'ws';

/** A subscription held open by a real client, and what it received so far. */
export type Stream = {
  readonly received: Received[];
  /** When each result arrived (performance.now()). */
  readonly arrivals: number[];
  /** The next result not yet taken (waits for it). */
  next(): Promise<Received>;
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
async function refusal(error: unknown): Promise<Received> {
  if (Array.isArray(error)) return { errors: error as Received['errors'] };
  const response = (error as { response?: Response }).response;
  if (!response) return { errors: [{ message: error instanceof Error ? error.message : String(error) }] };
  const event = /^data: (\{.*)$/m.exec(await response.text());
  return { status: response.status, ...(event ? (JSON.parse(event[1]!) as Received) : {}) };
}

/** Subscribes, and collects what arrives. Errors the protocol reports end the stream as a result. */
export function subscribe(client: LiveClient, query: string): Stream {
  const iterator = client.iterate(query);
  const received: Received[] = [];
  const arrivals: number[] = [];
  let taken = 0;
  let done = false;
  let wake: (() => void) | undefined;
  const ended = (async () => {
    try {
      for await (const result of iterator) {
        arrivals.push(performance.now());
        received.push(result);
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
