import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { Config } from './config.js';
import type { Context, Viewer } from './context.js';
import { db } from './db.js';
import { schema } from './schema.js';

// GraphiQL opens on the web dashboard's own query, one of the example client operations.
const defaultQuery = readFileSync(fileURLToPath(new URL('../operations/dashboard.graphql', import.meta.url)), 'utf8');

// Until sign-in exists, development and test builds take the viewer's user id from a header.
export const DEV_VIEWER_HEADER = 'x-opsgraph-viewer';

async function developmentViewer(request: Request): Promise<Viewer | null> {
  const userId = request.headers.get(DEV_VIEWER_HEADER);
  if (!userId) return null;
  return db.user.findFirst({
    where: { id: userId, isActive: true },
    select: { id: true, organisationId: true },
  });
}

export function createApp(config: Config, { demoViewerId }: { demoViewerId?: string } = {}) {
  return createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // GraphiQL's page and assets are served from the package, not from a CDN, so it works offline.
    renderGraphiQL,
    graphiql:
      config.env === 'production'
        ? false
        : {
            title: 'OpsGraph',
            defaultQuery,
            headers: demoViewerId ? JSON.stringify({ [DEV_VIEWER_HEADER]: demoViewerId }) : undefined,
          },
    context: async ({ request }) => ({
      viewer: config.env === 'production' ? null : await developmentViewer(request),
    }),
  });
}
