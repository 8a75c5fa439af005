import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import ValidationPlugin from '@pothos/plugin-validation';
import { z } from 'zod';
import type PrismaTypes from './generated/pothos-types.js';
import { getDatamodel } from './generated/pothos-types.js';
import type { Context } from './context.js';
import { db } from './db.js';
import { forbidden, unauthenticated } from './lib/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './lib/pagination.js';
import { may, type Permission } from './lib/permissions.js';
import { listSize } from './lib/query-cost.js';
import { InputValidationError } from './lib/validation.js';

const pageSize = (argument: string) =>
  z
    .number()
    .int()
    .min(0, `${argument} cannot be negative.`)
    .max(MAX_PAGE_SIZE, `${argument} can be at most ${MAX_PAGE_SIZE}: ask for the next page with after or before.`)
    .nullish();

/**
 * A global id is base64 of "Type:id". One that is not is refused as input here; an id that is not
 * a UUID is refused where it is used (validation.ts, or the database's own check).
 */
function decodeGlobalID(globalID: string) {
  const decoded = Buffer.from(globalID, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const typename = decoded.slice(0, separator);
  const canonical = Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '');
  if (separator < 1 || canonical !== globalID.replace(/=+$/, '') || !/^[A-Z]\w*$/.test(typename)) {
    throw new InputValidationError([{ path: [], message: `Not an id this API issued: ${globalID.slice(0, 100)}` }]);
  }
  return { typename, id: decoded.slice(separator + 1) };
}

function capitalise(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  AuthScopes: {
    signedIn: boolean;
    may: Permission;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    Date: { Input: string; Output: Date | string };
    Decimal: { Input: string; Output: { toString(): string } };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [
    ScopeAuthPlugin,
    ErrorsPlugin,
    ValidationPlugin,
    PrismaPlugin,
    RelayPlugin,
    DataloaderPlugin,
    SimpleObjectsPlugin,
  ],
  scopeAuth: {
    authScopes: (context) => ({
      signedIn: context.viewer !== null,
      may: (permission) => may(context.viewer, permission),
    }),
    unauthorizedError: (_parent, context) => (context.viewer ? forbidden() : unauthenticated()),
    // A subscription field's scopes are checked once, when it is subscribed to: refused then, or
    // not at all. Each event's record is still checked by its type's scopes.
    authorizeOnSubscribe: true,
  },
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  prisma: {
    client: () => db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    maxConnectionSize: MAX_PAGE_SIZE,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'error',
  },
  relay: {
    firstArgOptions: { validate: pageSize('first') },
    lastArgOptions: { validate: pageSize('last') },
    clientMutationId: 'omit',
    decodeGlobalID,
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    nodesQueryOptions: { extensions: listSize({ argument: 'ids' }) },
  },
  errors: {
    defaultResultOptions: { name: ({ fieldName }) => `${capitalise(fieldName)}Success` },
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalise(fieldName)}Result` },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
