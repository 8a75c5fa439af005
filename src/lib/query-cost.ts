import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getNullableType,
  getVariableValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  isIntrospectionType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type NamedTypeNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.js';

/** How many items a plain list field can hold: at most a number, or one per item of a list argument. */
export type ListSize = number | { argument: string };

/**
 * Declares, in a field's extensions, how long a plain list (not a connection) can be, for the
 * cost limit: `extensions: listSize(200)`. The schema is refused without it on any list of objects.
 */
export function listSize(size: ListSize): { listSize: ListSize } {
  return { listSize: size };
}

const isConnection = (type: GraphQLCompositeType) =>
  isObjectType(type) && 'edges' in type.getFields() && 'pageInfo' in type.getFields();

/** The lists of objects that declare no size: their cost could not be counted. */
export function unboundedLists(schema: GraphQLSchema): string[] {
  const unbounded: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type) || isConnection(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const list = isListType(getNullableType(field.type));
      if (list && isCompositeType(getNamedType(field.type)) && field.extensions.listSize === undefined) {
        unbounded.push(`${type.name}.${field.name}`);
      }
    }
  }
  return unbounded;
}

type Variables = Record<string, unknown>;

const selectionSetIds = new WeakMap<SelectionSetNode, number>();
let nextSelectionSetId = 0;
const idOf = (set: SelectionSetNode) => {
  let id = selectionSetIds.get(set);
  if (id === undefined) selectionSetIds.set(set, (id = nextSelectionSetId++));
  return id;
};

/**
 * The number of fields the operation's response can hold, counted as graphql-js will execute it:
 * fragments expanded for each possible type (an abstract type costs its costliest member),
 * @skip/@include and variables (with their defaults) applied. A connection's edges count its page
 * (first/last, else 20; at most 100) times, a plain list its declared size, `nodes` its ids.
 * Introspection counts each selected field once: its size is the schema's, not the data's.
 */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Variables,
): number {
  const memo = new Map<string, number>();

  const included = (node: SelectionNode) =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;

  const applies = (condition: NamedTypeNode | undefined, type: GraphQLObjectType) => {
    if (!condition) return true;
    const conditionType = schema.getType(condition.name.value);
    if (conditionType === type) return true;
    return !!conditionType && isAbstractType(conditionType) && schema.isSubType(conditionType, type);
  };

  const collect = (
    type: GraphQLObjectType,
    set: SelectionSetNode,
    fields: Map<string, FieldNode[]>,
    spread: Set<string>,
  ) => {
    for (const selection of set.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        fields.set(key, [...(fields.get(key) ?? []), selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition, type)) collect(type, selection.selectionSet, fields, spread);
      } else {
        const fragment = fragments[selection.name.value];
        if (spread.has(selection.name.value) || !fragment) continue;
        spread.add(selection.name.value);
        if (applies(fragment.typeCondition, type)) collect(type, fragment.selectionSet, fields, spread);
      }
    }
  };

  const pageSize = (field: GraphQLField<unknown, unknown>, node: FieldNode) => {
    const { first, last } = getArgumentValues(field, node, variables);
    const asked = [first, last].filter((size): size is number => typeof size === 'number');
    const size = asked.length > 0 ? Math.max(...asked) : DEFAULT_PAGE_SIZE;
    return Math.min(Math.max(size, 0), MAX_PAGE_SIZE);
  };

  const items = (field: GraphQLField<unknown, unknown>, node: FieldNode, parent: GraphQLObjectType, page: number) => {
    if (!isListType(getNullableType(field.type))) return 1;
    if (isConnection(parent)) return page;
    const size = field.extensions.listSize as ListSize | undefined;
    if (typeof size === 'number') return size;
    if (size) {
      const values = getArgumentValues(field, node, variables)[size.argument];
      return Array.isArray(values) ? values.length : 0;
    }
    return 1;
  };

  const fieldOf = (type: GraphQLObjectType, name: string) => {
    if (type === schema.getQueryType() && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (type === schema.getQueryType() && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    return type.getFields()[name];
  };

  const objectCost = (type: GraphQLObjectType, sets: SelectionSetNode[], page: number) => {
    const fields = new Map<string, FieldNode[]>();
    const spread = new Set<string>();
    for (const set of sets) collect(type, set, fields, spread);
    let total = 0;
    for (const nodes of fields.values()) {
      const node = nodes[0]!;
      const field = fieldOf(type, node.name.value);
      total += 1;
      const named = field && getNamedType(field.type);
      if (!field || !isCompositeType(named)) continue;
      const times = isIntrospectionType(named) ? 1 : items(field, node, type, page);
      if (times === 0) continue;
      const subsets = [...new Set(nodes.map((one) => one.selectionSet!))];
      total += times * cost(named, subsets, isConnection(named) ? pageSize(field, node) : 0);
    }
    return total;
  };

  const cost = (type: GraphQLCompositeType, sets: SelectionSetNode[], page: number): number => {
    const key = `${type.name}:${page}:${sets.map(idOf).join(',')}`;
    let total = memo.get(key);
    if (total === undefined) {
      total = isObjectType(type)
        ? objectCost(type, sets, page)
        : Math.max(0, ...schema.getPossibleTypes(type).map((member) => objectCost(member, sets, page)));
      memo.set(key, total);
    }
    return total;
  };

  return cost(schema.getRootType(operation.operation)!, [operation.selectionSet], 0);
}

/**
 * The cost of the operation a request runs, or undefined when it will not run (no such operation,
 * or variables that execution will refuse).
 */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Variables | null | undefined,
): number | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (!variables.coerced) return undefined;
  return operationCost(schema, operation, fragments, variables.coerced);
}

const SHAPES_PER_DOCUMENT = 64;

// Strings (ids, names, cursors) do not change a cost; the variables' types are checked when the
// cost is first counted, so a string where a number belongs still fails there, once per shape.
const shapeOnly = (_key: string, value: unknown) => (typeof value === 'string' ? 's' : value);

/** Refuses, before it runs, an operation whose response could hold more than maxCost fields. */
export function useQueryCostLimit(schema: GraphQLSchema, maxCost: number): Plugin {
  const unbounded = unboundedLists(schema);
  if (unbounded.length > 0) {
    throw new Error(`These lists need a declared size (extensions: listSize(...)): ${unbounded.join(', ')}.`);
  }
  // A document's cost depends on its variables' numbers and list lengths, not on their text: it is
  // counted once per shape of variables (ids and strings left out), however often it is sent.
  const costs = new WeakMap<DocumentNode, Map<string, number | undefined>>();
  const costOf = (document: DocumentNode, operationName: string | null | undefined, variables: unknown) => {
    let known = costs.get(document);
    if (!known) costs.set(document, (known = new Map<string, number | undefined>()));
    const key = `${operationName ?? ''}:${JSON.stringify(variables ?? {}, shapeOnly)}`;
    if (known.has(key)) return known.get(key);
    const cost = queryCost(schema, document, operationName, variables as Variables);
    if (known.size >= SHAPES_PER_DOCUMENT) known.delete(known.keys().next().value!);
    known.set(key, cost);
    return cost;
  };
  const refusal = ({ document, operationName, variableValues }: ExecutionArgs): GraphQLError | undefined => {
    const cost = costOf(document, operationName, variableValues);
    if (cost === undefined || cost <= maxCost) return undefined;
    return new GraphQLError(
      `The query could return ${cost} fields, more than the limit of ${maxCost}: ask for smaller pages (first/last) or fewer nested lists.`,
      { extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost } },
    );
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution({ errors: [refused] });
    },
    // A subscription's cost is that of one event.
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution({ errors: [refused] });
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
