import { expect } from 'vitest';
import type { Config } from '../../src/config.js';
import { DEMO_ADMIN_EMAIL, seedDemo } from '../../src/database/seed.js';
import { createApp, DEV_VIEWER_HEADER } from '../../src/yoga.js';
import type { TestDatabase } from './database.js';

export type GraphQLResponse<T = Record<string, any>> = {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
};

export function testConfig(env: Config['env'] = 'test'): Config {
  return { env, port: 0, host: '127.0.0.1', databaseUrl: undefined, dataDir: '.data', databasePoolSize: 2 };
}

/** The selection of the errors every mutation can answer with (its result's __typename first). */
export const mutationErrors = /* GraphQL */ `
  __typename
  ... on Error { message }
  ... on InputValidationError { issues { path message } }
  ... on ConflictError { field }
  ... on NotFoundError { entity }
`;

/** Sends one GraphQL request through the Yoga app, as the given user (by id) or anonymously. */
export async function graphql<T = Record<string, any>>(
  query: string,
  variables: Record<string, unknown> = {},
  { as }: { as?: string } = {},
): Promise<GraphQLResponse<T>> {
  const response = await app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(as ? { [DEV_VIEWER_HEADER]: as } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** The data of a request that must succeed. */
export async function data<T = Record<string, any>>(
  query: string,
  variables: Record<string, unknown> = {},
  options: { as?: string } = {},
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
    worker: byEmail('wes@harbourworks.example'),
  };
}

/** A second organisation with one admin, for tenant-isolation checks. */
export async function otherOrganisation(database: TestDatabase) {
  const organisation = await database.db.organisation.create({ data: { name: 'Rival Works' } });
  const user = await database.db.user.create({
    data: {
      organisationId: organisation.id,
      email: `rival-${organisation.id}@example.com`,
      name: 'Rita Rival',
      passwordHash: 'x',
    },
  });
  return { organisationId: organisation.id, admin: user.id };
}

export function globalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`).toString('base64');
}
