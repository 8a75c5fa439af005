import { createServer, type Server } from 'node:http';
import { grafserv } from 'postgraphile/grafserv/node';
import { makePgService } from 'postgraphile/adaptors/pg';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { postgraphile } from 'postgraphile';

// Benchmarked as deployed: Grafast's production mode.
process.env.GRAPHILE_ENV ??= 'production';

/** PostGraphile v5 (5.0.0-rc.3: the last release that supports Node 20; see README, Dependencies) serving
 * the same tables, as its users would run it (the amber preset). */
export async function createPostGraphileServer(databaseUrl: string, { poolSize = 10 } = {}) {
  const service = makePgService({
    connectionString: databaseUrl,
    schemas: ['auth', 'assets', 'inventory', 'procurement', 'bench'],
    poolConfig: { max: poolSize },
    // No subscriptions are measured: without its LISTEN client, closing leaves no connection
    // whose termination (a dropped test database) would end the process.
    pubsub: false,
  });
  const pgl = postgraphile({
    extends: [PostGraphileAmberPreset],
    pgServices: [service],
    grafserv: { graphqlPath: '/graphql', graphiql: false },
    grafast: { explain: false },
  });
  const serv = pgl.createServ(grafserv);
  const server: Server = createServer();
  await serv.addTo(server);
  await pgl.getSchema();
  return {
    server,
    pgl,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await pgl.release();
      // Its pool too, unless the release ended it: a test drops the database after this.
      const { pool } = service.adaptorSettings as { pool: { ending: boolean; end(): Promise<void> } };
      if (!pool.ending) await pool.end();
    },
  };
}
