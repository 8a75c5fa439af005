import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startStatementCounter } from '../bench/statement-counter.js';
import { useTestDatabase } from './helpers/database.js';

const database = useTestDatabase();

describe('the statement counter', () => {
  it('counts simple and extended-protocol statements passing through it', async () => {
    const counter = await startStatementCounter(database.url);
    const client = new pg.Client({ connectionString: counter.url });
    await client.connect();
    try {
      const before = counter.statements();
      await client.query('SELECT 1');
      await client.query('SELECT $1::int + 1 AS two', [1]);
      await client.query('SELECT 1; SELECT 2');
      expect(counter.statements() - before).toBe(3);
      expect((await client.query('SELECT $1::text AS echoed', ['through the proxy'])).rows).toEqual([
        { echoed: 'through the proxy' },
      ]);
      expect(counter.statements() - before).toBe(4);
    } finally {
      await client.end();
      await counter.close();
    }
  });
});
