import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { loadTrustedDocuments, trustedDocumentRule } from '../src/lib/trusted-documents.js';
import { liveEvents } from '../src/modules/live/live-events.js';
import { serveWebSockets } from '../src/modules/live/websocket.js';
import { createLogger } from '../src/ops/logger.js';
import { createApp } from '../src/yoga.js';
import { graphql } from './generated/index.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { bearer, data, demo, globalId, type GraphQLResponse } from './helpers/graphql.js';
import { documentId, manifestOf } from './helpers/trusted-documents.js';

// What production accepts: the clients' trusted documents, by id; any other text only where
// configured, and then only from a signed-in admin. The texts trusted here are strings, hashed as
// they are written.
const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

const EQUIPMENT = 'query EquipmentCount { equipment(first: 1) { totalCount } }';
const CREATE = `mutation Create { createEquipment(input: { name: "Smuggled", serialNumber: "S-1", category: OTHER }) { __typename } }`;
let manifest: string;

beforeAll(async () => {
  people = await demo(database);
  manifest = await manifestOf([EQUIPMENT]);
});

const appFor = (mode: Config['trustedDocuments']['mode']) =>
  createApp(testConfig({ env: 'production', trustedDocuments: { mode, manifest } }));

type Sent = { status: number; body: GraphQLResponse };

async function post(app: ReturnType<typeof createApp>, body: object, as?: string): Promise<Sent> {
  const response = await app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(as ? { authorization: `Bearer ${await bearer(as)}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse };
}

const codes = ({ body }: Sent) => body.errors?.map((error) => error.extensions?.code);

describe('trusted documents only (production default)', () => {
  it('is what production runs without TRUSTED_DOCUMENTS, and what the setting can change', () => {
    const production = { NODE_ENV: 'production', AUTH_SECRET: 'x'.repeat(8) + '0123456789abcdefghijklmnopqrstuvwxyz' };
    expect(loadConfig(production).trustedDocuments.mode).toBe('only');
    expect(loadConfig({ ...production, TRUSTED_DOCUMENTS: 'admins' }).trustedDocuments.mode).toBe('admins');
    expect(loadConfig({ NODE_ENV: 'development' }).trustedDocuments.mode).toBe('any');
    expect(() => loadConfig({ ...production, TRUSTED_DOCUMENTS: 'some' })).toThrow(
      'TRUSTED_DOCUMENTS must be one of only, admins, any (production\'s default is only), not "some".',
    );
  });

  it('runs a trusted document sent by its id alone: documentId, by POST or GET, or persistedQuery', async () => {
    const app = appFor('only');
    const id = documentId(EQUIPMENT);
    const byPost = await post(app, { documentId: id }, people.worker);
    expect(byPost).toEqual({ status: 200, body: { data: { equipment: { totalCount: 10 } } } });
    const byGet = await app.fetch(`http://localhost/graphql?documentId=${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${await bearer(people.worker)}` },
    });
    expect(await byGet.json()).toEqual(byPost.body);
    const apollo = await post(
      app,
      { extensions: { persistedQuery: { version: 1, sha256Hash: id.slice('sha256:'.length) } } },
      people.worker,
    );
    expect(apollo.body).toEqual(byPost.body);
  });

  it("refuses any text, even a trusted document's own or an admin's, and runs nothing of it", async () => {
    const app = appFor('only');
    for (const [query, as] of [
      [EQUIPMENT, people.worker],
      [CREATE, people.admin],
      [CREATE, undefined],
    ] as const) {
      const refused = await post(app, { query }, as);
      expect(refused.status).toBe(400);
      expect(codes(refused)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
      expect(refused.body.errors?.[0]?.message).toBe(
        'This API accepts only its trusted documents: send the documentId your client was built with, not the text.',
      );
      expect(refused.body.data).toBeUndefined();
    }
    expect(await database.db.equipment.count({ where: { name: 'Smuggled' } })).toBe(0);
  });

  it('says which id it does not know, and what a request without a document lacks', async () => {
    const app = appFor('only');
    const unknown = await post(app, { documentId: documentId('query Other { __typename }') }, people.worker);
    expect({ status: unknown.status, codes: codes(unknown) }).toEqual({
      status: 400,
      codes: ['TRUSTED_DOCUMENT_NOT_FOUND'],
    });
    for (const body of [{}, { documentId: 42 }, { extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } }]) {
      const empty = await post(app, body, people.worker);
      expect({ status: empty.status, codes: codes(empty) }).toEqual({ status: 400, codes: ['BAD_REQUEST'] });
    }
  });
});

describe('TRUSTED_DOCUMENTS=admins', () => {
  it("runs an admin's text, and refuses everyone else's", async () => {
    const app = appFor('admins');
    const admin = await post(app, { query: CREATE }, people.admin);
    expect(admin.body).toEqual({ data: { createEquipment: { __typename: 'CreateEquipmentSuccess' } } });
    for (const as of [people.manager, people.worker, undefined]) {
      const refused = await post(app, { query: EQUIPMENT }, as);
      expect(codes(refused)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    }
    const trusted = await post(app, { documentId: documentId(EQUIPMENT) }, people.worker);
    expect(trusted.body.data).toEqual({ equipment: { totalCount: 11 } });
  });

  it('answers a bad token with text as a bad token, not as an admin', async () => {
    const forged = await appFor('admins').fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.token' },
      body: JSON.stringify({ query: CREATE }),
    });
    const body = (await forged.json()) as GraphQLResponse;
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('the manifest', () => {
  it("is refused at start when it cannot be read or an id is not its text's hash", async () => {
    const start = (path: string) => () => createApp(testConfig({ trustedDocuments: { mode: 'only', manifest: path } }));
    expect(start('/nonexistent/persisted-documents.json')).toThrow(ConfigError);
    expect(start('/nonexistent/persisted-documents.json')).toThrow(/cannot read .*`npm run codegen` writes it/);
    const tampered = await manifestOf([EQUIPMENT]);
    await writeFile(tampered, JSON.stringify({ [documentId(EQUIPMENT)]: CREATE }));
    expect(start(tampered)).toThrow(/is not sha256:<the SHA-256 of its text>/);
    const list = await manifestOf([]);
    await writeFile(list, JSON.stringify([EQUIPMENT]));
    expect(start(list)).toThrow(/must map document ids to document texts/);
  });
});

describe('over WebSocket', () => {
  const STOCK = 'subscription Stock { stockLevelChanged { id qty } }';

  it('subscribes by id alone, and refuses the text, as over HTTP', async () => {
    const config = testConfig({ env: 'production', trustedDocuments: { mode: 'only', manifest } });
    const rules = { ...config.trustedDocuments, manifest: await manifestOf([EQUIPMENT, STOCK]) };
    const app = createApp({ ...config, trustedDocuments: rules });
    const server = createServer((req, res) => void app(req, res));
    const sockets = serveWebSockets(
      server,
      app,
      config,
      createLogger('silent'),
      trustedDocumentRule(rules, loadTrustedDocuments(rules.manifest)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createClient({
      url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${await bearer(people.manager)}` },
      retryAttempts: 0,
    });
    try {
      const refused = client.iterate({ query: STOCK });
      await expect(refused.next()).rejects.toEqual([
        expect.objectContaining({ extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED' } }),
      ]);
      const events = client.iterate({
        query: '',
        extensions: { persistedQuery: { version: 1, sha256Hash: documentId(STOCK).slice(7) } },
      });
      const first = events.next();
      const item = await database.db.inventoryItem.findFirstOrThrow({
        where: { organisationId: people.organisationId },
      });
      // The subscription is held once the server counts it; then a change is announced to it.
      while ((liveEvents.counts().get('stock') ?? 0) === 0) await new Promise((r) => setTimeout(r, 10));
      const adjusted = await data(
        graphql(/* GraphQL */ `
          mutation TrustedAdjust($input: AdjustStockInput!) {
            adjustStock(input: $input) {
              __typename
            }
          }
        `),
        { input: { itemId: globalId('InventoryItem', item.id), delta: 1 } },
        { as: people.manager },
      );
      expect(adjusted.adjustStock.__typename).toBe('AdjustStockSuccess');
      expect((await first).value).toEqual({
        data: { stockLevelChanged: { id: globalId('InventoryItem', item.id), qty: item.qty + 1 } },
      });
      await events.return?.();
    } finally {
      await client.dispose();
      await sockets.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
