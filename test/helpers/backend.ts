/**
 * Tests run on the PostgreSQL named by TEST_DATABASE_URL (or DATABASE_URL) when one is set, and on
 * embedded PGlite otherwise.
 */
export const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
export const backend: 'postgres' | 'pglite' = serverUrl ? 'postgres' : 'pglite';
