import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/yoga.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import { app, bearer, demo, execute, globalId, graphql as sendString, otherOrganisation } from './helpers/graphql.js';

// What a hostile client might send, and the clear error each limit answers with. The documents built
// to break a limit, or not to validate, stay strings; the requests of a client are typed documents.
const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let token: string;

beforeAll(async () => {
  people = await demo(database);
  token = await bearer(people.admin);
});

const firstError = async (query: string, variables: Record<string, unknown> = {}) => {
  const result = await sendString(query, variables, { token });
  expect(result.data ?? null).toBeNull();
  return result.errors?.[0]?.message ?? '';
};

describe('query limits', () => {
  it('refuses a query nested deeper than the limit', async () => {
    let selection = 'name';
    for (let i = 0; i < 8; i++) selection = `organisation { users(first: 1) { edges { node { ${selection} } } } }`;
    expect(await firstError(`{ viewer { ${selection} } }`)).toMatch(/depth/i);
  });

  it('refuses an alias bomb', async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: viewer { id }`).join(' ');
    expect(await firstError(`{ ${aliases} }`)).toMatch(/aliases/i);
  });

  it('refuses a document with too many tokens', async () => {
    const fields = Array.from({ length: 2500 }, () => 'id').join(' ');
    expect(await firstError(`{ viewer { ${fields} } }`)).toMatch(/token/i);
  });

  it('refuses a query whose pages multiply beyond the cost limit, with the cost', async () => {
    const query = `{ equipment(first: 100) { edges { node { maintenanceRecords(first: 100) { edges { node { id notes performedBy { name } } } } } } } }`;
    expect(await firstError(query)).toMatch(/could return \d+ fields, more than the limit of 25000/);
  });

  it('refuses cyclic fragments', async () => {
    const message = await firstError(
      `{ viewer { ...A } } fragment A on User { organisation { users(first: 1) { edges { node { ...B } } } } } fragment B on User { ...A }`,
    );
    expect(message).toMatch(/Cannot spread fragment "A" within itself/);
  });

  it('refuses an oversized body with 413 before reading it', async () => {
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '500000', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `{ viewer { id } }`, variables: { padding: 'x'.repeat(499_950) } }),
    });
    expect(response.status).toBe(413);
    expect(JSON.stringify(await response.json())).toContain('limit is 100000');
  });

  it('counts a chunked body (no Content-Length) as it arrives and cuts it off at the limit with 413', async () => {
    const server = createServer((request, response) => void app(request, response)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const send = (padding: number) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/graphql',
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          },
          (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode!, body }));
          },
        );
        request.on('error', reject);
        request.write('{"query":"{ viewer { email } }","variables":{"padding":"');
        for (let sent = 0; sent < padding; sent += 10_000) request.write('x'.repeat(10_000));
        request.end('"}}');
      });
    try {
      const small = await send(10_000);
      expect(small.status).toBe(200);
      const answer = JSON.parse(small.body) as { data: { viewer: { email: string } } };
      expect(answer.data.viewer.email).toBe('ada@harbourworks.example');
      const large = await send(200_000);
      expect(large.status).toBe(413);
      expect((JSON.parse(large.body) as { errors: { message: string }[] }).errors[0]?.message).toBe(
        'The request body is over 100000 bytes; the limit is 100000.',
      );
    } finally {
      server.close();
    }
  });

  it('refuses a malformed Content-Length with 400', async () => {
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '12, 12', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `{ viewer { id } }` }),
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('Content-Length must be one whole number.');
  });

  it('needs a header a cross-site form cannot send for an anonymous GET (CSRF)', async () => {
    const simple = await app.fetch(`http://localhost/graphql?query=${encodeURIComponent('{ viewer { id } }')}`);
    expect(simple.status).toBe(403);
    const withHeader = await app.fetch(`http://localhost/graphql?query=${encodeURIComponent('{ viewer { id } }')}`, {
      headers: { 'x-graphql-yoga-csrf': '1' },
    });
    expect(withHeader.status).toBe(200);
  });
});

describe('production hardening', () => {
  const production = createApp(
    testConfig({ env: 'production', limits: { ...testConfig().limits, introspection: false } }),
  );
  it('turns introspection off by configuration', async () => {
    const types = graphql(/* GraphQL */ `
      query AdversarialSchemaTypes {
        __schema {
          types {
            name
          }
        }
      }
    `);
    expect((await execute(types, {}, { app: production, token })).errors?.[0]?.message).toMatch(/introspection/i);
    const queryType = graphql(/* GraphQL */ `
      query AdversarialQueryType {
        __schema {
          queryType {
            name
          }
        }
      }
    `);
    expect((await execute(queryType, {}, { token })).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('suggests no field names in production', async () => {
    const misspelt = '{ viewr { id } }';
    const development = (await sendString(misspelt, {}, { token })).errors?.[0]?.message;
    expect(development).toContain('Did you mean "viewer"?');
    const hardened = (await sendString(misspelt, {}, { app: production, token })).errors?.[0]?.message;
    expect(hardened).toContain('Cannot query field "viewr"');
    expect(hardened).not.toContain('viewer');
  });

  it('masks internal errors', async () => {
    await database.sql(`ALTER TABLE auth.organisations RENAME COLUMN name TO name_gone`);
    try {
      const result = await execute(
        graphql(/* GraphQL */ `
          query AdversarialOrganisationName {
            organisation {
              name
            }
          }
        `),
        {},
        { app: production, token },
      );
      expect(result.errors?.[0]?.message).toBe('Unexpected error.');
      expect(JSON.stringify(result)).not.toMatch(/name_gone|prisma|does not exist/i);
    } finally {
      await database.sql(`ALTER TABLE auth.organisations RENAME COLUMN name_gone TO name`);
    }
  });
});

describe("another organisation's ids smuggled in", () => {
  it('in cursors, filters, nested arguments and mutation inputs, finds nothing', async () => {
    const rival = await otherOrganisation(database);
    const theirs = await database.db.equipment.create({
      data: {
        organisationId: rival.organisationId,
        name: 'AAA Rival Crane',
        category: 'VEHICLE',
        serialNumber: 'RC-1',
      },
    });
    const supplier = await database.db.supplier.create({
      data: { organisationId: rival.organisationId, name: 'Rival Supplies' },
    });
    const cursor = Buffer.from(`GPC:S:${theirs.id}`).toString('base64');
    const paged = await execute(
      graphql(/* GraphQL */ `
        query AdversarialForeignCursor($after: String) {
          equipment(first: 50, after: $after) {
            edges {
              node {
                name
              }
            }
          }
        }
      `),
      { after: cursor },
      { token },
    );
    expect(JSON.stringify(paged)).not.toContain('Rival');

    const filtered = await execute(
      graphql(/* GraphQL */ `
        query AdversarialForeignSupplier($supplier: ID!) {
          purchaseOrders(first: 10, filter: { supplierId: $supplier }) {
            totalCount
          }
        }
      `),
      { supplier: globalId('Supplier', supplier.id) },
      { token },
    );
    expect(filtered.data).toEqual({ purchaseOrders: { totalCount: 0 } });

    const item = await database.db.inventoryItem.findFirstOrThrow({ where: { organisationId: people.organisationId } });
    const order = await execute(
      graphql(/* GraphQL */ `
        mutation AdversarialForeignOrder($supplier: ID!, $item: ID!) {
          createPurchaseOrder(
            input: { number: "PO-X", supplierId: $supplier, lines: [{ itemId: $item, quantity: 1, unitPrice: "1" }] }
          ) {
            __typename
            ... on NotFoundError {
              entity
            }
          }
        }
      `),
      { supplier: globalId('Supplier', supplier.id), item: globalId('InventoryItem', item.id) },
      { token },
    );
    expect(order.data).toEqual({ createPurchaseOrder: { __typename: 'NotFoundError', entity: 'Supplier' } });

    const maintenance = await execute(
      graphql(/* GraphQL */ `
        mutation AdversarialForeignPerformer($equipment: ID!, $user: ID!) {
          addMaintenanceRecord(
            input: { equipmentId: $equipment, maintenanceDate: "2026-01-01T00:00:00Z", performedById: $user }
          ) {
            __typename
            ... on NotFoundError {
              entity
            }
          }
        }
      `),
      {
        equipment: globalId(
          'Equipment',
          (await database.db.equipment.findFirstOrThrow({ where: { organisationId: people.organisationId } })).id,
        ),
        user: globalId('User', rival.admin),
      },
      { token },
    );
    expect(maintenance.data).toEqual({ addMaintenanceRecord: { __typename: 'NotFoundError', entity: 'User' } });
  });
});
