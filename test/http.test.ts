import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { DEMO_ADMIN_EMAIL, seedDemo } from '../src/database/seed.js';
import { createApp, DEV_VIEWER_HEADER } from '../src/yoga.js';
import { useTestDatabase } from './helpers/database.js';

const database = useTestDatabase();

const config = (env: Config['env']): Config => ({
  env,
  port: 0,
  host: '127.0.0.1',
  databaseUrl: database.url,
  dataDir: '.data',
  databasePoolSize: 2,
});

const dashboard = /* GraphQL */ `
  query {
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
`;

async function adminId() {
  await seedDemo(database.db);
  const admin = await database.db.user.findUniqueOrThrow({ where: { email: DEMO_ADMIN_EMAIL } });
  return admin.id;
}

describe('the HTTP surface', () => {
  it('serves GraphiQL from the package itself, with the demo viewer preset', async () => {
    const id = await adminId();
    const app = createApp(config('development'), { demoViewerId: id });
    const response = await app.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<title>OpsGraph</title>');
    expect(page).toContain('query Dashboard');
    expect(page).toContain(id);
    expect(page).not.toMatch(/<(script|link)[^>]+(src|href)="https?:\/\//);
  });

  it('answers the default dashboard query for the development viewer', async () => {
    const app = createApp(config('development'));
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', [DEV_VIEWER_HEADER]: await adminId() },
      body: JSON.stringify({ query: dashboard }),
    });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as {
      data: {
        viewer: { email: string; organisation: { name: string; equipment: { totalCount: number; edges: unknown[] } } };
      };
    };
    expect(data.viewer.email).toBe(DEMO_ADMIN_EMAIL);
    expect(data.viewer.organisation.name).toBe('Harbour Works Ltd');
    expect(data.viewer.organisation.equipment.totalCount).toBe(10);
    expect(data.viewer.organisation.equipment.edges).toHaveLength(3);
  });

  it('in production serves no GraphiQL and ignores the development viewer header', async () => {
    const app = createApp(config('production'));
    const page = await app.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('<title>OpsGraph</title>');
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', [DEV_VIEWER_HEADER]: await adminId() },
      body: JSON.stringify({ query: dashboard }),
    });
    expect(await response.json()).toEqual({ data: { viewer: null } });
  });
});
