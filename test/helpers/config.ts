import { loadConfig, type Config } from '../../src/config.js';

/** The configuration the tests run with: the environment's (NODE_ENV=test), with overrides. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig(), port: 0, databaseUrl: undefined, ...overrides };
}
