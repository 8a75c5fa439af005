import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode, type FormattedExecutionResult } from 'graphql';
import { expect } from 'vitest';
import { system as db } from '../../src/db.js';
import { DEMO_ADMIN_EMAIL, DEMO_PASSWORD, seedDemo } from '../../src/database/seed.js';
import { signAccessToken } from '../../src/lib/tokens.js';
import { createApp } from '../../src/yoga.js';
import { graphql as typed } from '../generated/index.js';
import { testConfig } from './config.js';
import type { TestDatabase } from './database.js';

export type GraphQLResponse<T = Record<string, unknown>> = {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
};

/** A session per user, in each test database (test files may share a module, and the demo's user ids). */
const sessions = new WeakMap<typeof db, Map<string, string>>();

/**
 * An access token for a user, as sign-in would issue it: for a session of its own, carrying the
 * user's current credentials version (so it is refused after a role or password change).
 */
export async function bearer(userId: string): Promise<string> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { credentialsChangedAt: true } });
  let ofDatabase = sessions.get(db);
  if (!ofDatabase) sessions.set(db, (ofDatabase = new Map<string, string>()));
  let sessionId = ofDatabase.get(userId);
  if (!sessionId) {
    const session = await db.session.create({
      data: { userId, refreshTokenHash: randomUUID(), expiresAt: new Date(Date.now() + 3_600_000) },
    });
    sessionId = session.id;
    ofDatabase.set(userId, sessionId);
  }
  const { token } = await signAccessToken({
    userId,
    sessionId,
    credentialsVersion: user.credentialsChangedAt.getTime(),
  });
  return token;
}

/**
 * The errors every mutation can answer with. A typed document selects its result's `__typename`,
 * spreads this fragment and adds its success type: `{ __typename ...MutationError ... on
 * CreateEquipmentSuccess { equipment { id } } }`.
 */
export const mutationError = typed(/* GraphQL */ `
  fragment MutationError on Error {
    __typename
    message
    ... on InputValidationError {
      issues {
        path
        message
      }
    }
    ... on ConflictError {
      field
    }
    ... on NotFoundError {
      entity
    }
  }
`);

/**
 * Who sends a request: a user (by id), a token, or nobody; and through which app (the default one of
 * testConfig() unless given), with which extra headers.
 */
export type As = { as?: string; token?: string; app?: App; headers?: Record<string, string> };

type App = ReturnType<typeof createApp>;

export type { TypedDocumentNode };

async function send(query: string, variables: unknown, { as, token, app: through = app, headers }: As) {
  const credential = token ?? (as ? await bearer(as) : undefined);
  return through.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
}

function source(document: DocumentNode): string {
  // graphql() answers an empty object for a source that test/generated/ does not know yet.
  if (!('kind' in document)) throw new Error('a typed document is missing from test/generated/: npm run codegen');
  return print(document);
}

/**
 * Sends a typed document (`graphql()` of test/generated/) through the Yoga app: as a user (by id),
 * with a token, or anonymously, and answers the response typed by the document.
 */
export async function execute<R>(
  document: TypedDocumentNode<R, Record<string, never>>,
  variables?: Record<string, never>,
  options?: As,
): Promise<FormattedExecutionResult<R>>;
export async function execute<R, V>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  options?: As,
): Promise<FormattedExecutionResult<R>>;
export async function execute(document: DocumentNode, variables: unknown = {}, options: As = {}): Promise<unknown> {
  return (await send(source(document), variables, options)).json() as Promise<unknown>;
}

/** execute()'s answer, with the status and headers of the HTTP response it came in. */
export async function respond<R, V>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  options: As = {},
): Promise<{ status: number; headers: Headers; result: FormattedExecutionResult<R> }> {
  const response = await send(source(document), variables, options);
  return {
    status: response.status,
    headers: response.headers,
    result: (await response.json()) as FormattedExecutionResult<R>,
  };
}

/** Sends a typed document to a server process (or its URL), as a client over the network does. */
export async function post<R, V>(
  to: string | { url: string },
  document: TypedDocumentNode<R, V>,
  variables: V,
  token?: string,
): Promise<FormattedExecutionResult<R>> {
  const response = await fetch(typeof to === 'string' ? to : to.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: source(document), variables }),
  });
  return (await response.json()) as FormattedExecutionResult<R>;
}

const signInMutation = typed(/* GraphQL */ `
  mutation HelpersSignIn($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on LoginSuccess {
        tokens {
          accessToken
        }
      }
    }
  }
`);

/** The access token of a demo user's sign-in, which must succeed, on a server process (or its URL). */
export async function signInTo(to: string | { url: string }, email: string): Promise<string> {
  const { data } = await post(to, signInMutation, { input: { email, password: DEMO_PASSWORD } });
  return expectTypename(data?.login, 'LoginSuccess').tokens.accessToken;
}

/**
 * Sends a document written as a string, for the few that cannot be typed documents: those malformed,
 * invalid or hostile on purpose (query limits, cost-limit probes, fuzzing, misspelt fields, batches
 * of aliased guesses built at run time) and those against a field only a test adds to the schema.
 * Its data is typed by the caller (`T`), or read as unknown. Every other test document is a typed
 * one, sent with execute() or data().
 */
export async function graphql<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  options: As = {},
): Promise<GraphQLResponse<T>> {
  return (await (await send(query, variables, options)).json()) as GraphQLResponse<T>;
}

/**
 * The data of a request that must succeed. Variables may be left out when the document needs none
 * (the first form), as with execute().
 */
export async function data<R>(
  document: TypedDocumentNode<R, Record<string, never>>,
  variables?: Record<string, never>,
  options?: As,
): Promise<R>;
export async function data<R, V>(document: TypedDocumentNode<R, V>, variables: V, options?: As): Promise<R>;
export async function data<T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
  options?: As,
): Promise<T>;
export async function data(
  query: string | DocumentNode,
  variables: Record<string, unknown> = {},
  options: As = {},
): Promise<unknown> {
  const response = await send(typeof query === 'string' ? query : source(query), variables, options);
  const result = (await response.json()) as GraphQLResponse;
  expect(result.errors).toBeUndefined();
  return result.data!;
}

/**
 * A result of a union or an interface narrowed to the type it must be: fails the test with the
 * whole result (an error's message and issues) when it is another.
 */
export function expectTypename<T extends { __typename?: string }, N extends NonNullable<T['__typename']>>(
  value: T | null | undefined,
  typename: N,
): Extract<T, { __typename?: N }> {
  expect(value).toMatchObject({ __typename: typename });
  return value as Extract<T, { __typename?: N }>;
}

const app = createApp(testConfig());

export { app };

/** Loads the demo organisation and returns the ids of its people, by role key. */
export async function demo(database: TestDatabase) {
  const { organisationId } = await seedDemo(database.db);
  const users = await database.db.user.findMany({
    where: { organisationId },
    include: { roles: { include: { role: true } } },
  });
  const byEmail = (email: string) => users.find((user) => user.email === email)!.id;
  return {
    organisationId,
    admin: byEmail(DEMO_ADMIN_EMAIL),
    manager: byEmail('marek@harbourworks.example'),
    employee: byEmail('esi@harbourworks.example'),
    worker: byEmail('wes@harbourworks.example'),
    superadmin: byEmail('operator@opsgraph.example'),
  };
}

/** A second organisation with one admin, for tenant-isolation checks. */
export async function otherOrganisation(database: TestDatabase) {
  const organisation = await database.db.organisation.create({ data: { name: 'Rival Works' } });
  const admin = await database.db.role.findUniqueOrThrow({ where: { name: 'ADMIN' } });
  const user = await database.db.user.create({
    data: {
      organisationId: organisation.id,
      email: `rival-${organisation.id}@example.com`,
      name: 'Rita Rival',
      passwordHash: 'x',
      roles: { create: { roleId: admin.id } },
    },
  });
  return { organisationId: organisation.id, admin: user.id };
}

export function globalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`).toString('base64');
}
