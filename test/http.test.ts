import { describe, expect, it } from 'vitest';
import { DEMO_ADMIN_EMAIL, seedDemo } from '../src/database/seed.js';
import { createApp } from '../src/yoga.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { bearer } from './helpers/graphql.js';

const database = useTestDatabase();

async function adminToken() {
  await seedDemo(database.db);
  const admin = await database.db.user.findUniqueOrThrow({ where: { email: DEMO_ADMIN_EMAIL } });
  return bearer(admin.id);
}

const dashboard = /* GraphQL */ `
  {
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

const post = (app: ReturnType<typeof createApp>, token: string) =>
  app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: dashboard }),
  });

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

  it('answers the dashboard for a signed-in viewer', async () => {
    const response = await post(createApp(testConfig({ env: 'development' })), await adminToken());
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

  it('in production serves no GraphiQL', async () => {
    const app = createApp(testConfig({ env: 'production' }));
    const page = await app.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('<title>OpsGraph</title>');
    expect((await post(app, await adminToken())).status).toBe(200);
  });
});
