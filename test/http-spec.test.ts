import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from './helpers/database.js';
import { app, bearer, demo } from './helpers/graphql.js';

// GraphQL over HTTP, as the spec has it: https://graphql.github.io/graphql-over-http/draft/
const database = useTestDatabase();
let token: string;

beforeAll(async () => {
  token = await bearer((await demo(database)).admin);
});

const url = (params: Record<string, string>) => `http://localhost/graphql?${new URLSearchParams(params)}`;

describe('GraphQL over HTTP', () => {
  it('answers queries sent with GET', async () => {
    const response = await app.fetch(url({ query: '{ organisation { name } }' }), {
      headers: { accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/graphql-response+json');
    expect(await response.json()).toEqual({ data: { organisation: { name: 'Harbour Works Ltd' } } });
  });

  it('answers a GET without Authorization only when it carries x-graphql-yoga-csrf, as the README says', async () => {
    const bare = await app.fetch(url({ query: '{ __typename }' }));
    expect(bare.status).toBe(403);
    expect(await bare.text()).toContain('Required CSRF header(s) not present');
    const marked = await app.fetch(url({ query: '{ __typename }' }), { headers: { 'x-graphql-yoga-csrf': '1' } });
    expect({ status: marked.status, body: await marked.json() }).toEqual({
      status: 200,
      body: { data: { __typename: 'Query' } },
    });
  });

  it('refuses mutations sent with GET, with 405 and the allowed method', async () => {
    const response = await app.fetch(url({ query: 'mutation { deleteEquipment(id: "x") { __typename } }' }), {
      headers: { accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('answers a document that does not parse or validate with 400 and the reason', async () => {
    const post = (body: unknown) =>
      app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify(body),
      });
    const unparsable = await post({ query: '{ organisation { name ' });
    expect(unparsable.status).toBe(400);
    expect(((await unparsable.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/Syntax Error/);
    const invalid = await post({ query: '{ organisation { nickname } }' });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: { message: string }[] }).errors[0]!.message).toContain(
      'Cannot query field "nickname"',
    );
    const missing = await post({ variables: {} });
    expect(missing.status).toBe(400);
  });

  it('answers a document that does not validate with 200 and the errors to a client that accepts only application/json', async () => {
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ organisation { nickname } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as { data?: unknown; errors: { message: string }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.message).toContain('Cannot query field "nickname"');
  });

  it('refuses a body that is not JSON, and a media type it cannot produce', async () => {
    const notJson = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{ this is not json',
    });
    expect(notJson.status).toBe(400);
    const notAcceptable = await app.fetch(url({ query: '{ __typename }' }), { headers: { accept: 'image/png' } });
    expect(notAcceptable.status).toBe(406);
  });

  it('keeps internal errors out of responses', async () => {
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ node(id: "bm90LWEtdHlwZTox") { id } }' }),
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    expect(JSON.stringify(body)).not.toMatch(/prisma|stack|\.ts:/i);
  });
});
