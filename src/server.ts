import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './database/open.js';
import { createApp } from './yoga.js';

const log = (message: string) => console.log(`[opsgraph] ${message}`);

async function main() {
  const config = loadConfig();
  const database = await openDatabase(config, log);
  const app = createApp(config);
  const server = createServer(app);
  server.listen(config.port, config.host, () => {
    log(`GraphQL and GraphiQL on http://${config.host}:${config.port}/graphql (${database.mode} database)`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing in-flight requests`);
    server.close(() => {
      database.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`[opsgraph] configuration error: ${error.message}`);
  } else {
    console.error('[opsgraph] could not start:', error);
  }
  process.exit(1);
});
