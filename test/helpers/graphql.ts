import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { system as db } from '../../src/db.js';
import { DEMO_ADMIN_EMAIL, seedDemo } from '../../src/database/seed.js';
import { signAccessToken } from '../../src/lib/tokens.js';
import { createApp } from '../../src/yoga.js';
import { testConfig } from './config.js';
import type { TestDatabase } from './database.js';

export type GraphQLResponse<T = Record<string, any>> = {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
};

const sessions = new Map<string, string>();

/**
 * An access token for a user, as sign-in would issue it: for a session of its own, carrying the
 * user's current credentials version (so it is refused after a role or password change).
 */
export async function bearer(userId: string): Promise<string> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { credentialsChangedAt: true } });
  let sessionId = sessions.get(userId);
  if (!sessionId) {
    const session = await db.session.create({
      data: { userId, refreshTokenHash: randomUUID(), expiresAt: new Date(Date.now() + 3_600_000) },
    });
    sessionId = session.id;
    sessions.set(userId, sessionId);
  }
  const { token } = await signAccessToken({
    userId,
    sessionId,
    credentialsVersion: user.credentialsChangedAt.getTime(),
  });
  return token;
}

/** The selection of the errors every mutation can answer with (its result's __typename first). */
export const mutationErrors = /* GraphQL */ `
  __typename
  ... on Error { message }
  ... on InputValidationError { issues { path message } }
  ... on ConflictError { field }
  ... on NotFoundError { entity }
`;

export type As = { as?: string; token?: string };

/** Sends one GraphQL request through the Yoga app: as a user (by id), with a token, or anonymously. */
export async function graphql<T = Record<string, any>>(
  query: string,
  variables: Record<string, unknown> = {},
  { as, token }: As = {},
): Promise<GraphQLResponse<T>> {
  const credential = token ?? (as ? await bearer(as) : undefined);
  const response = await app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** The data of a request that must succeed. */
export async function data<T = Record<string, any>>(
  query: string,
  variables: Record<string, unknown> = {},
  options: As = {},
) {
  const result = await graphql<T>(query, variables, options);
  expect(result.errors).toBeUndefined();
  return result.data!;
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
