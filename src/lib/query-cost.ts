import {
  GraphQLError,
  Kind,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The page size a connection gets when neither first nor last is given (Pothos' default). */
const DEFAULT_PAGE = 20;

function intValue(node: ValueNode | undefined, variables: Record<string, unknown>): number | undefined {
  if (!node) return undefined;
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    return typeof value === 'number' ? value : undefined;
  }
  return undefined;
}

/**
 * The number of fields a response can hold: every field counts one, and everything under a list
 * field taking first or last counts that many times over (a connection without them, 20 times).
 */
export function queryCost(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const cost = (selectionSet: SelectionSetNode | undefined, seen: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        if (seen.has(name)) continue;
        total += cost(fragments[name]?.selectionSet, new Set([...seen, name]));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += cost(selection.selectionSet, seen);
      } else {
        const argument = (name: string) => selection.arguments?.find((arg) => arg.name.value === name)?.value;
        const paged = argument('first') ?? argument('last');
        const isConnection = selection.selectionSet?.selections.some(
          (child) => child.kind === Kind.FIELD && child.name.value === 'edges',
        );
        const times = paged ? (intValue(paged, variables) ?? DEFAULT_PAGE) : isConnection ? DEFAULT_PAGE : 1;
        total += 1 + times * cost(selection.selectionSet, seen);
      }
    }
    return total;
  };
  return cost(operation.selectionSet, new Set());
}

/** Refuses, before it runs, an operation whose response could hold more than maxCost fields. */
export function useQueryCostLimit(maxCost: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const fragments: Record<string, FragmentDefinitionNode> = {};
      let operation: OperationDefinitionNode | undefined;
      for (const definition of args.document.definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
        if (
          definition.kind === Kind.OPERATION_DEFINITION &&
          (!args.operationName || definition.name?.value === args.operationName)
        ) {
          operation = definition;
        }
      }
      if (!operation) return;
      const cost = queryCost(operation, fragments, (args.variableValues ?? {}) as Record<string, unknown>);
      if (cost > maxCost) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError(
              `The query could return ${cost} fields, more than the limit of ${maxCost}: ask for smaller pages (first/last) or fewer nested lists.`,
              { extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost } },
            ),
          ],
        });
      }
    },
  };
}

/**
 * Refuses a request body over maxBytes with 413. A body with a Content-Length is judged by it
 * before it is read (Node's server reads no more than that); one without (chunked) is counted as
 * it streams in and cut off at the limit. This replaces Yoga's own limit, which streams every body.
 */
export function useBodySizeLimit(maxBytes: number): Plugin {
  const tooLarge = (size: string) =>
    new GraphQLError(`The request body is ${size}; the limit is ${maxBytes}.`, {
      extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } },
    });
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const header = request.headers.get('content-length');
      if (header !== null) {
        if (!/^\d+$/.test(header)) {
          throw new GraphQLError('Content-Length must be one whole number.', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
        if (Number(header) > maxBytes) throw tooLarge(`${header} bytes`);
        return;
      }
      if (!requestParser || !request.body) return;
      setRequestParser((unlimited) => {
        let read = 0;
        // A native stream needs the native TransformStream, a ponyfilled one the ponyfill (as in Yoga).
        const Transform = unlimited.body instanceof ReadableStream ? TransformStream : fetchAPI.TransformStream;
        const body = unlimited.body!.pipeThrough(
          new Transform<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              read += chunk.byteLength;
              if (read > maxBytes) controller.error(tooLarge(`over ${maxBytes} bytes`));
              else controller.enqueue(chunk);
            },
          }),
        );
        return requestParser(
          new fetchAPI.Request(unlimited.url, {
            method: unlimited.method,
            headers: unlimited.headers,
            body,
            duplex: 'half',
          } as RequestInit),
        );
      });
    },
  };
}
