import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { DEMO_ADMIN_EMAIL, DEMO_PASSWORD, seedDemo } from '../src/database/seed.js';
import { createApp } from '../src/yoga.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import { bearer, data, expectTypename, respond } from './helpers/graphql.js';

const database = useTestDatabase();

async function adminToken() {
  await seedDemo(database.db);
  const admin = await database.db.user.findUniqueOrThrow({ where: { email: DEMO_ADMIN_EMAIL } });
  return bearer(admin.id);
}

const dashboard = graphql(/* GraphQL */ `
  query HttpDashboard {
    viewer {
      email
      organisation {
        name
        equipment(first: 3) {
          totalCount
          edges {
            node {
              name
            }
          }
        }
      }
    }
  }
`);

const post = (app: ReturnType<typeof createApp>, token: string) => respond(dashboard, {}, { app, token });

describe('the HTTP surface', () => {
  it('serves GraphiQL from the package itself, opening on the dashboard query', async () => {
    const app = createApp(testConfig({ env: 'development' }));
    const response = await app.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<title>OpsGraph</title>');
    expect(page).toContain('query Dashboard');
    expect(page).not.toMatch(/<(script|link)[^>]+(src|href)="https?:\/\//);
  });

  it('sends GraphiQL compressed as the browser accepts and answers a reload with 304; API answers stay as they are', async () => {
    const app = createApp(testConfig({ env: 'development' }));
    const page = (headers: Record<string, string>) =>
      app.fetch('http://localhost/graphql', { headers: { accept: 'text/html', ...headers } });
    const plain = await page({ 'accept-encoding': 'identity' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const html = Buffer.from(await plain.arrayBuffer());
    for (const [encoding, decompress] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const first = await page({ 'accept-encoding': `${encoding}, deflate` });
      expect(first.status).toBe(200);
      expect(first.headers.get('content-encoding')).toBe(encoding);
      expect(first.headers.get('cache-control')).toBe('no-cache');
      expect(first.headers.get('vary')).toBe('Accept, Accept-Encoding');
      const body = Buffer.from(await first.arrayBuffer());
      expect(body.length).toBeLessThan(html.length / 3);
      expect(decompress(body).equals(html)).toBe(true);
      const reload = await page({ 'accept-encoding': encoding, 'if-none-match': first.headers.get('etag')! });
      expect({ status: reload.status, body: await reload.text() }).toEqual({ status: 304, body: '' });
    }
    const refused = await page({ 'accept-encoding': 'br;q=0, gzip' });
    expect(refused.headers.get('content-encoding')).toBe('gzip');
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'br, gzip' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('etag')).toBeNull();
  });

  it('answers the dashboard for a signed-in viewer', async () => {
    const response = await post(createApp(testConfig({ env: 'development' })), await adminToken());
    expect(response.status).toBe(200);
    const viewer = response.result.data?.viewer;
    expect(viewer?.email).toBe(DEMO_ADMIN_EMAIL);
    expect(viewer?.organisation.name).toBe('Harbour Works Ltd');
    expect(viewer?.organisation.equipment.totalCount).toBe(10);
    expect(viewer?.organisation.equipment.edges).toHaveLength(3);
  });

  it('in production serves no GraphiQL', async () => {
    const app = createApp(testConfig({ env: 'production' }));
    const page = await app.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('<title>OpsGraph</title>');
    expect((await post(app, await adminToken())).status).toBe(200);
  });
});

describe('CORS', () => {
  const APP_ORIGIN = 'https://app.example.com';
  const simple = (app: ReturnType<typeof createApp>, origin: string) =>
    app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
  const preflight = (app: ReturnType<typeof createApp>, origin: string) =>
    app.fetch('http://localhost/graphql', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
  const corsHeaders = (response: Response) =>
    [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

  it('by default sends no CORS headers to any origin, in production too', async () => {
    for (const env of ['development', 'production'] as const) {
      const app = createApp(testConfig({ env }));
      for (const origin of [APP_ORIGIN, 'https://evil.example']) {
        expect(corsHeaders(await simple(app, origin))).toEqual([]);
        expect(corsHeaders(await preflight(app, origin))).toEqual([]);
      }
    }
  });

  it('allows exactly the configured origins, without credentials', async () => {
    const app = createApp(testConfig({ env: 'production', corsOrigins: [APP_ORIGIN, 'http://localhost:5173'] }));
    const allowed = await preflight(app, APP_ORIGIN);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const answer = await simple(app, APP_ORIGIN);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null']) {
      expect(corsHeaders(await simple(app, origin))).toEqual([]);
      expect(corsHeaders(await preflight(app, origin))).toEqual([]);
    }
  });
});

// Documents and variables that do not validate, on purpose: strings.
describe('error messages in production', () => {
  let token: string;
  const send = async (app: ReturnType<typeof createApp>, query: string, variables: Record<string, unknown>) => {
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return ((await response.json()) as { errors?: { message: string }[] }).errors?.map((error) => error.message);
  };
  // Each with the name development suggests.
  const requests: [string, Record<string, unknown>, string][] = [
    ['query($s: [EquipmentStatus!]) { equipment(filter: { status: $s }) { totalCount } }', { s: ['ACTIV'] }, 'ACTIVE'],
    ['query($f: EquipmentFilter) { equipment(filter: $f) { totalCount } }', { f: { statu: ['ACTIVE'] } }, 'status'],
    ['query($o: EquipmentOrder) { equipment(orderBy: $o) { totalCount } }', { o: 'NAME_AS' }, 'NAME_ASC'],
    ['{ equipment(orderBy: NAME_AS) { totalCount } }', {}, 'NAME_ASC'],
    ['{ equipment(filte: {}) { totalCount } }', {}, 'filter'],
    ['{ viewr { id } }', {}, 'viewer'],
  ];

  it('suggest no field, argument or enum value names, in validation or in variables', async () => {
    const development = createApp(testConfig({ env: 'development' }));
    const production = createApp(testConfig({ env: 'production' }));
    token = await adminToken();
    for (const [query, variables, suggested] of requests) {
      const [shown] = (await send(development, query, variables)) ?? [];
      expect(shown, query).toContain(`Did you mean`);
      expect(shown, query).toContain(`"${suggested}"`);
      const hidden = await send(production, query, variables);
      expect(hidden, query).toEqual([shown!.slice(0, shown!.indexOf(' Did you mean'))]);
      expect(hidden![0], query).not.toContain(`"${suggested}"`);
    }
  });
});

describe('the client address behind proxies (TRUST_PROXY)', () => {
  const login = async (config: Partial<Config>, forwardedFor: string, email: string, password: string) => {
    const options = { app: createApp(testConfig(config)), headers: { 'x-forwarded-for': forwardedFor } };
    const result = await data(
      graphql(/* GraphQL */ `
        mutation HttpLogin($input: LoginInput!) {
          login(input: $input) {
            __typename
            ... on LoginSuccess {
              tokens {
                accessToken
              }
            }
          }
        }
      `),
      { input: { email, password } },
      options,
    );
    return result.login;
  };
  const sessionAddress = async (signedIn: Awaited<ReturnType<typeof login>>) => {
    const { viewer } = await data(
      graphql(/* GraphQL */ `
        query HttpSessionAddress {
          viewer {
            sessions(first: 1) {
              edges {
                node {
                  ipAddress
                }
              }
            }
          }
        }
      `),
      {},
      { app: createApp(testConfig()), token: expectTypename(signedIn, 'LoginSuccess').tokens.accessToken },
    );
    return viewer?.sessions.edges[0]?.node.ipAddress;
  };

  it('is the address the outermost trusted proxy saw, not what the client wrote to its left', async () => {
    await adminToken();
    const header = '198.51.100.66, 203.0.113.7, 10.0.0.2';
    const viaTwo = await login({ trustProxy: 2 }, header, DEMO_ADMIN_EMAIL, DEMO_PASSWORD);
    expect(await sessionAddress(viaTwo)).toBe('203.0.113.7');
    const viaOne = await login({ trustProxy: 1 }, header, DEMO_ADMIN_EMAIL, DEMO_PASSWORD);
    expect(await sessionAddress(viaOne)).toBe('10.0.0.2');
    const ignored = await login({ trustProxy: 0 }, header, DEMO_ADMIN_EMAIL, DEMO_PASSWORD);
    expect(await sessionAddress(ignored)).toBe('unknown');
  });

  it('throttles an address whatever the client forges in X-Forwarded-For', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 21; i++) {
      const forged = `192.0.2.${i}, 203.0.113.9`;
      outcomes.push((await login({ trustProxy: 1 }, forged, `forger${i}@harbourworks.example`, 'guess')).__typename);
    }
    expect(outcomes.slice(0, 20)).toEqual(Array(20).fill('AuthenticationError'));
    expect(outcomes[20]).toBe('TooManyAttemptsError');
  });
});
