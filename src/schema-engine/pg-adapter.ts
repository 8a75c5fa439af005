import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { ColumnTypeEnum, DriverAdapterError } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter, SqlQueryable } from '@prisma/driver-adapter-utils';

const CHAR_OID = 18;
const TEXT_OID = 25;

type ResultSet = { fields?: { dataTypeID: number }[]; rows?: unknown[] };

const charColumnsOfRows = new WeakMap<object, number[]>();

// The schema engine's catalog queries return Postgres' one-byte "char" type, which the adapter
// rejects as unsupported. The client hands such columns to the adapter as text and remembers
// them, so that readCharColumns can report them to the engine as the Character type it expects.
class CatalogFriendlyClient extends pg.Client {
  override query(...args: unknown[]): never {
    const query = super.query as (...a: unknown[]) => unknown;
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      const done = callback as (error: Error | null, value: ResultSet) => void;
      return query.call(this, ...args.slice(0, -1), (error: Error | null, value: ResultSet) => {
        if (!error) rememberCharColumns(value);
        done(error, value);
      }) as never;
    }
    const result = query.apply(this, args);
    if (!(result instanceof Promise)) return result as never;
    return result.then((value: ResultSet) => rememberCharColumns(value)) as never;
  }
}

function rememberCharColumns(value: ResultSet | ResultSet[]): ResultSet | ResultSet[] {
  for (const set of Array.isArray(value) ? value : [value]) {
    const charColumns: number[] = [];
    set.fields?.forEach((field, index) => {
      if (field.dataTypeID !== CHAR_OID) return;
      field.dataTypeID = TEXT_OID;
      charColumns.push(index);
    });
    if (charColumns.length > 0 && set.rows) charColumnsOfRows.set(set.rows, charColumns);
  }
  return value;
}

function readCharColumns<T extends SqlQueryable>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumnsOfRows.get(result.rows) ?? []) {
      result.columnTypes[index] = ColumnTypeEnum.Character;
    }
    return result;
  };
  return queryable;
}

// The adapter splits a migration script on every ";" (breaking function bodies and string
// literals) and runs the pieces one by one on any pooled connection. Send it whole instead, as
// one simple query: PostgreSQL then runs it in one implicit transaction, as the native engine does.
async function executeWholeScript(pool: pg.Pool, script: string): Promise<void> {
  try {
    await pool.query(script);
  } catch (error) {
    const { code, severity, message, detail, column, hint } = error as pg.DatabaseError;
    throw new DriverAdapterError({
      kind: 'postgres',
      code: code ?? 'N/A',
      severity: severity ?? 'ERROR',
      message,
      detail,
      column,
      hint,
    });
  }
}

function fitForSchemaEngine<T extends SqlDriverAdapter>(adapter: T, pool: pg.Pool): T {
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => readCharColumns(await startTransaction(isolationLevel));
  adapter.executeScript = (script) => executeWholeScript(pool, script);
  return readCharColumns(adapter);
}

function pool(connectionString: string, max: number): pg.Pool {
  return new pg.Pool({ connectionString, Client: CatalogFriendlyClient, max });
}

/** Runs work on a connection of its own, closed afterwards whatever happens. */
export async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A PrismaPg factory fit for the schema engine: it reads catalog "char" columns, and its shadow
 * database is a real, separate database that is dropped only after its connections are closed.
 */
export class MigrationPgAdapterFactory extends PrismaPg {
  readonly #connectionString: string;
  readonly #pool: pg.Pool;
  readonly #maxConnections: number;

  constructor(connectionString: string, { maxConnections = 2 }: { maxConnections?: number } = {}) {
    const mainPool = pool(connectionString, maxConnections);
    super(mainPool, { disposeExternalPool: true });
    this.#connectionString = connectionString;
    this.#pool = mainPool;
    this.#maxConnections = maxConnections;
  }

  override async connect() {
    return fitForSchemaEngine(await super.connect(), this.#pool);
  }

  override async connectToShadowDb() {
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
    await this.#administer(`CREATE DATABASE ${quoteIdentifier(database)}`);
    const shadowPool = pool(withDatabase(this.#connectionString, database), this.#maxConnections);
    const adapter = await new PrismaPg(shadowPool, { disposeExternalPool: true }).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await this.#administer(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
    };
    return fitForSchemaEngine(adapter, shadowPool);
  }

  /** Closes the connections the engine left open (freeing the engine does not). */
  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }

  async #administer(statement: string): Promise<void> {
    await withClient(this.#connectionString, (client) => client.query(statement));
  }
}
