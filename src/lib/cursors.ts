import { decodeCursorChunk } from '@pothos/core';
import {
  getNamedType,
  getVariableValues,
  GraphQLObjectType,
  Kind,
  TypeInfo,
  valueFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { InputValidationError, NOT_A_CURSOR, UUID } from './validation.js';

/** A cursor argument in a document: where it is, and its value. */
type CursorArgument = { path: string[]; value: ValueNode };

const found = new WeakMap<OperationDefinitionNode, CursorArgument[]>();

/** The after/before arguments of every connection an operation selects, found once per document. */
function cursorArguments(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) {
  let cursors = found.get(operation);
  if (cursors) return cursors;
  cursors = [];
  const typeInfo = new TypeInfo(schema);
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  const names: string[] = [];
  visit(
    { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] },
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter(field) {
          names.push(field.alias?.value ?? field.name.value);
          const connection = getNamedType(typeInfo.getType());
          const edges = connection instanceof GraphQLObjectType ? connection.getFields().edges : undefined;
          const edge = edges && getNamedType(edges.type);
          const node = edge instanceof GraphQLObjectType ? edge.getFields().node : undefined;
          if (!node) return;
          for (const argument of field.arguments ?? []) {
            if (argument.name.value === 'after' || argument.name.value === 'before') {
              cursors.push({ path: [...names, argument.name.value], value: argument.value });
            }
          }
        },
        leave() {
          names.pop();
        },
      },
    }),
  );
  found.set(operation, cursors);
  return cursors;
}

/** Whether a value is a cursor of this API: a row id (a role's users: the user's) first. */
function isCursor(cursor: unknown): boolean {
  if (typeof cursor !== 'string') return false;
  try {
    const decoded = Buffer.from(cursor, 'base64').toString('utf8');
    if (!decoded.startsWith('GPC:')) return false;
    const value: unknown = decodeCursorChunk(decoded.slice(4));
    const id: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
    return typeof id === 'string' && UUID.test(id);
  } catch {
    return false;
  }
}

/**
 * Refuses, before any resolver runs, a page whose cursor is not one this API gives: each with the
 * path of its argument. Whether it names a row the viewer can see is the data layer's to check,
 * in the page's own statement (database/tenant-scope.ts).
 */
export function checkCursors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): void {
  const cursors = cursorArguments(schema, document, operation);
  if (cursors.length === 0) return;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  const values = coerced.coerced ?? {};
  const issues = [];
  for (const { path, value } of cursors) {
    const cursor = valueFromAST(value, schema.getType('String') as never, values);
    if (cursor === null || cursor === undefined || isCursor(cursor)) continue;
    issues.push({ path, message: NOT_A_CURSOR });
  }
  if (issues.length > 0) throw new InputValidationError(issues);
}
