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
import { db } from '../db.js';
import type { Prisma } from '../generated/prisma/client.js';
import { InputValidationError, UUID } from './validation.js';

// The GraphQL node types whose rows differ in name from their Prisma model.
const MODELS: Record<string, Prisma.ModelName> = { RoleAssignment: 'UserRole' };

/** A cursor argument in a document: where it is, and the model whose row it must name. */
type CursorArgument = { path: string[]; model: Prisma.ModelName; value: ValueNode };

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
          const typename = getNamedType(node.type).name;
          for (const argument of field.arguments ?? []) {
            if (argument.name.value === 'after' || argument.name.value === 'before') {
              cursors.push({
                path: [...names, argument.name.value],
                model: MODELS[typename] ?? (typename as Prisma.ModelName),
                value: argument.value,
              });
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

/** The row id a cursor of this API names (a role's users: the user's), or undefined. */
function cursorId(cursor: unknown): string | undefined {
  if (typeof cursor !== 'string') return undefined;
  try {
    const decoded = Buffer.from(cursor, 'base64').toString('utf8');
    if (!decoded.startsWith('GPC:')) return undefined;
    const value: unknown = decodeCursorChunk(decoded.slice(4));
    const id: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
    return typeof id === 'string' && UUID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

type Finder = { findMany(args: object): Promise<{ id: string }[]> };

/**
 * Refuses a page whose cursor does not name a row the viewer can see. A cursor carries only a row
 * id, and the database pages from that row's sort values: another organisation's row would place
 * the page by values the viewer must not learn (a name, a quantity). Runs in the request's tenant,
 * so the data layer confines the look-up; one statement per model, only for pages with a cursor.
 */
export async function checkCursors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): Promise<void> {
  const cursors = cursorArguments(schema, document, operation);
  if (cursors.length === 0) return;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  const values = coerced.coerced ?? {};
  const wanted = new Map<Prisma.ModelName, Map<string, string[]>>();
  const issues = [];
  for (const { path, model, value } of cursors) {
    const cursor = valueFromAST(value, schema.getType('String') as never, values);
    if (cursor === null || cursor === undefined) continue;
    const id = cursorId(cursor);
    if (!id) {
      issues.push({ path, message: 'Not a cursor of this list: use a cursor the list gave.' });
      continue;
    }
    const ids = wanted.get(model) ?? new Map<string, string[]>();
    ids.set(id, path);
    wanted.set(model, ids);
  }
  for (const [model, ids] of wanted) {
    const delegate = (db as unknown as Record<string, Finder>)[model.charAt(0).toLowerCase() + model.slice(1)];
    if (!delegate) continue;
    const visible = await delegate.findMany({
      where: { id: { in: [...ids.keys()] } },
      select: { id: true },
    });
    const seen = new Set(visible.map((row) => row.id));
    for (const [id, path] of ids) {
      if (!seen.has(id)) issues.push({ path, message: 'Not a cursor of this list: use a cursor the list gave.' });
    }
  }
  if (issues.length > 0) throw new InputValidationError(issues);
}
