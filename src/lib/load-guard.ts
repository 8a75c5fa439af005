import { AsyncLocalStorage } from 'node:async_hooks';
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import pg from 'pg';

/*
 * The cost limit judges a document before it runs; this guard counts what its execution actually
 * loads, so that a mistake in the cost model ends one request instead of the process. It counts
 * bytes of rows as the driver receives them, because that is where memory goes first: Prisma loads
 * a whole planned selection (nested relations as JSON) in one statement, so counting Prisma's
 * records afterwards would come after the memory was already spent, and rows of nested JSON differ
 * in size by orders of magnitude. Past a limit the driver keeps no more rows, and every statement
 * of the request that returns rows fails. The rows of requests in flight are also counted
 * together: requests each within their limit, sent at once, would otherwise add up past the heap.
 */

export type LoadLimits = {
  /** The most bytes of rows one request may load. */
  perRequest: number;
  /** The most bytes of rows all requests in flight may hold at once. */
  inFlight: number;
};

type Budget = {
  readonly limits: LoadLimits;
  loaded: number;
  /** What this request adds to heldInFlight, until it ends. */
  held: number;
  ended: boolean;
  refusal?: GraphQLError;
};

const budgets = new AsyncLocalStorage<Budget>();
let heldInFlight = 0;

function responseTooLarge(maxBytes: number): GraphQLError {
  return new GraphQLError(
    `The request loaded more than ${maxBytes} bytes from the database, its limit: ask for smaller pages (first/last) or fewer nested lists.`,
    { extensions: { code: 'RESPONSE_TOO_LARGE', maxBytes } },
  );
}

function serverBusy(): GraphQLError {
  return new GraphQLError('The server is loading too much for other requests right now; retry in a moment.', {
    extensions: { code: 'SERVER_BUSY', retryable: true, http: { status: 503, headers: { 'retry-after': '1' } } },
  });
}

/** Counts a row against the request's budget, or says why it may not be kept. */
function charge(budget: Budget, bytes: number): GraphQLError | undefined {
  if (budget.loaded + bytes > budget.limits.perRequest) return responseTooLarge(budget.limits.perRequest);
  // A statement still running after its request ended (a sibling field failed) counts for its request alone.
  if (!budget.ended && heldInFlight + bytes > budget.limits.inFlight) return serverBusy();
  budget.loaded += bytes;
  if (!budget.ended) {
    budget.held += bytes;
    heldInFlight += bytes;
  }
  return undefined;
}

function end(budget: Budget) {
  heldInFlight -= budget.held;
  budget.held = 0;
  budget.ended = true;
}

type DataRow = { fields: (string | Buffer | null)[] };
type Callback = (error: Error | null, result?: unknown) => void;
type Submittable = {
  callback?: Callback;
  handleDataRow(row: DataRow): void;
  handleReadyForQuery(connection: unknown): void;
  handleError(error: Error, connection: unknown): void;
};
const Query = pg.Query as unknown as new (config: unknown, values?: unknown, callback?: unknown) => Submittable;

class GuardedQuery extends Query {
  #dropped = false;

  constructor(
    private readonly budget: Budget,
    config: unknown,
    values?: unknown,
    callback?: unknown,
  ) {
    super(config, values, callback);
  }

  override handleDataRow(row: DataRow) {
    const budget = this.budget;
    if (!budget.refusal) {
      let bytes = 0;
      for (const field of row.fields) bytes += field?.length ?? 0;
      budget.refusal = charge(budget, bytes);
    }
    if (budget.refusal) this.#dropped = true;
    else super.handleDataRow(row);
  }

  // A statement that returned no rows (BEGIN, COMMIT, an UPDATE) answers as usual, so a transaction
  // still ends the way the database ended it.
  override handleReadyForQuery(connection: unknown) {
    if (this.#dropped) this.handleError(this.budget.refusal!, connection);
    else super.handleReadyForQuery(connection);
  }
}

/** The query object pg sends a statement as (pg.Query), as far as a client subclass needs it. */
export type PgQuery = Submittable & {
  queryMode?: string;
  prepare(connection: PgConnection): void;
  handleCommandComplete(message: unknown, connection: unknown): void;
};

/** pg's connection to the server, as far as PgQuery.prepare uses it. */
export type PgConnection = {
  parse(message: { text: string; name?: string }): void;
  bind(message: object): void;
  execute(message: object): void;
};

export class GuardedClient extends pg.Client {
  /** Called with each statement before it is queued: a subclass may change how it is sent. */
  protected adapt(query: PgQuery): PgQuery {
    return query;
  }

  override query(...args: unknown[]): never {
    const query = super.query as (...a: unknown[]) => unknown;
    const [config, values, callback] = args;
    const submittable = typeof (config as { submit?: unknown } | null)?.submit === 'function';
    if (config == null || submittable) return query.apply(this, args) as never;
    const budget = budgets.getStore();
    const statement = this.adapt(
      (budget ? new GuardedQuery(budget, config, values, callback) : new Query(config, values, callback)) as PgQuery,
    );
    if (statement.callback) return query.call(this, statement) as never;
    return new Promise((resolve, reject) => {
      statement.callback = (error, result) => (error ? reject(error) : resolve(result));
      query.call(this, statement);
    }) as never;
  }
}

/** A connection pool whose statements count against the budget of the request that sent them. */
export class GuardedPool extends pg.Pool {
  constructor(config: pg.PoolConfig & { Client?: typeof GuardedClient }) {
    super({ ...config, Client: config.Client ?? GuardedClient });
  }

  // pool.query runs its statement in connect's callback, which a busy pool calls from whichever
  // request released a connection: bind it to the request that asked.
  override connect(...args: unknown[]): never {
    const connect = super.connect as (...a: unknown[]) => unknown;
    const [callback] = args;
    const budget = budgets.getStore();
    if (typeof callback !== 'function' || !budget) return connect.apply(this, args) as never;
    // run, not AsyncLocalStorage.bind: bind makes an async resource per statement, run does not.
    return connect.call(this, (...results: unknown[]) =>
      budgets.run(budget, () => (callback as (...a: unknown[]) => unknown)(...results)),
    ) as never;
  }
}

/**
 * One step of a subscription (waiting for an event, then executing it) with a budget of its own, as
 * a request has: an event that loads too much answers with the refusal instead of its data.
 */
export async function withLoadBudget(
  limits: LoadLimits,
  step: () => Promise<IteratorResult<ExecutionResult>>,
): Promise<IteratorResult<ExecutionResult>> {
  const budget: Budget = { limits, loaded: 0, held: 0, ended: false };
  try {
    const result = await budgets.run(budget, step);
    return budget.refusal && !result.done ? { value: { errors: [budget.refusal] }, done: false } : result;
  } finally {
    end(budget);
  }
}

/**
 * Ends a request that loads more than limits.perRequest bytes from the database with
 * RESPONSE_TOO_LARGE, whatever its cost was judged to be, and one that would take the rows held by
 * all requests in flight past limits.inFlight with SERVER_BUSY (503, retryable).
 */
export function useLoadLimit(limits: LoadLimits): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      const budget: Budget = { limits, loaded: 0, held: 0, ended: false };
      setExecuteFn(async (args: ExecutionArgs): Promise<unknown> => {
        try {
          return await budgets.run(budget, (): unknown => executeFn(args));
        } finally {
          end(budget);
        }
      });
      return {
        onExecuteDone({ setResult }) {
          if (budget.refusal) setResult({ errors: [budget.refusal] });
        },
      };
    },
  };
}
