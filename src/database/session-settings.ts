import type pg from 'pg';
import { GuardedClient, type PgConnection, type PgQuery } from '../lib/load-guard.js';

/** What every statement the server sends runs under; 0 and true leave PostgreSQL's own setting. */
export type SessionSettings = {
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  jit: boolean;
};

function settingValues({ statementTimeoutMs, idleInTransactionTimeoutMs, jit }: SessionSettings): [string, string][] {
  const values: [string, string][] = [];
  if (statementTimeoutMs > 0) values.push(['statement_timeout', String(statementTimeoutMs)]);
  if (idleInTransactionTimeoutMs > 0) {
    values.push(['idle_in_transaction_session_timeout', String(idleInTransactionTimeoutMs)]);
  }
  if (!jit) values.push(['jit', 'off']);
  return values;
}

/** The settings as parameters of a connection's start: they hold for the whole session. */
export function startupSettings({
  statementTimeoutMs,
  idleInTransactionTimeoutMs,
  jit,
}: SessionSettings): Pick<pg.ClientConfig, 'statement_timeout' | 'idle_in_transaction_session_timeout' | 'options'> {
  return {
    statement_timeout: statementTimeoutMs || undefined,
    idle_in_transaction_session_timeout: idleInTransactionTimeoutMs || undefined,
    options: jit ? undefined : '-c jit=off',
  };
}

/**
 * A client for a connection through a transaction pooler, which passes no setting made at a
 * connection's start (PgBouncer refuses the connection) and may run each transaction on another
 * server connection. The settings travel with the statements instead: one sent outside a
 * transaction (a query on its own, or the BEGIN of a transaction) is preceded, in the same round
 * trip and before the same Sync, by a statement that makes them for that transaction alone
 * (set_config(…, true), which is SET LOCAL). Statements up to a Sync run in one implicit
 * transaction on one server connection, and a BEGIN among them makes it the explicit one; the
 * statements inside a transaction keep what its first statement set.
 */
export function transactionPoolerClient(settings: SessionSettings): typeof GuardedClient | undefined {
  const values = settingValues(settings);
  if (values.length === 0) return undefined;
  const statement = `SELECT ${values.map(([name, value]) => `set_config('${name}', '${value}', true)`).join(', ')}`;

  return class TransactionPoolerClient extends GuardedClient {
    #inTransaction = false;

    constructor(config: pg.ClientConfig) {
      super(config);
      // Registered before pg's own listener, which sends the next statement.
      (this as unknown as { connection: NodeJS.EventEmitter }).connection.on(
        'readyForQuery',
        (message: { status: string }) => (this.#inTransaction = message.status !== 'I'),
      );
    }

    protected override adapt(query: PgQuery): PgQuery {
      const { prepare, handleDataRow, handleCommandComplete } = query;
      let settingsPending = false;
      query.queryMode = 'extended';
      query.prepare = (connection: PgConnection) => {
        settingsPending = !this.#inTransaction;
        if (settingsPending) {
          connection.parse({ text: statement });
          connection.bind({});
          connection.execute({});
        }
        prepare.call(query, connection);
      };
      // The settings statement's row and completion are its own, not the query's.
      query.handleDataRow = (row) => {
        if (!settingsPending) handleDataRow.call(query, row);
      };
      query.handleCommandComplete = (message, connection) => {
        if (settingsPending) settingsPending = false;
        else handleCommandComplete.call(query, message, connection);
      };
      return query;
    }
  };
}
