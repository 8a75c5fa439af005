import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { MigrationPgAdapterFactory, quoteIdentifier, withClient, withDatabase } from './pg-adapter.js';
import { engineVersion, lastPanicMessage, startSchemaEngine, type SchemaEngine } from './wasm.js';
import { describeConnectionError, type EngineError } from './errors.js';

type Datasource = { url?: string; shadowDatabaseUrl?: string };
type Invocation = {
  datamodels: string[];
  datasource: Datasource;
  command: string[];
  version: boolean;
};

type RpcRequest = { id: number | string; method: string; params?: unknown };
type DiagnoseInput = Parameters<SchemaEngine['diagnoseMigrationHistory']>[0];

function parseArguments(argv: string[]): Invocation {
  const invocation: Invocation = { datamodels: [], datasource: {}, command: [], version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--version' || arg === '-V') invocation.version = true;
    else if (arg === '--datamodels') invocation.datamodels.push(value());
    else if (arg === '--datasource') invocation.datasource = JSON.parse(value()) as Datasource;
    else if (arg === '--enabled-preview-features' || arg === '--extension-types') value();
    else if (arg === 'cli') invocation.command = argv.slice(i + 1);
    else if (invocation.command.length === 0) throw new Error(`unknown argument ${arg}`);
    if (arg === 'cli') break;
  }
  return invocation;
}

function logLine(level: 'INFO' | 'ERROR', fields: Record<string, unknown>): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    level,
    fields,
    target: 'schema_engine::logger',
  });
}

function requireUrl(datasource: Datasource): string {
  if (!datasource.url) throw new Error('No database URL was given to the schema engine.');
  return datasource.url;
}

async function createDatabase(url: string): Promise<string> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
  const exists = await withClient(withDatabase(url, 'postgres'), async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    return Boolean(rowCount);
  });
  return exists ? `Database ${database} already exists.` : `Database ${database} created.`;
}

/** The one-shot commands the CLI runs before it starts the engine for real. */
async function runOneShot(invocation: Invocation): Promise<number> {
  const [command] = invocation.command;
  try {
    const url = requireUrl(invocation.datasource);
    if (command === 'can-connect-to-database') {
      await withClient(url, async (client) => client.query('SELECT 1'));
    } else if (command === 'create-database') {
      process.stderr.write(`${logLine('INFO', { message: await createDatabase(url) })}\n`);
    } else {
      throw new Error(`unsupported command: cli ${invocation.command.join(' ')}`);
    }
    return 0;
  } catch (error) {
    const described = describeConnectionError(error, invocation.datasource.url);
    const fields = described
      ? { message: described.message, error_code: described.errorCode }
      : { message: error instanceof Error ? error.message : String(error) };
    process.stderr.write(`schema-engine-cli: ${command} failed\n${logLine('ERROR', fields)}\n`);
    return 1;
  }
}

function rpcError(error: unknown): { code: number; message: string; data: Record<string, unknown> } {
  const engineError = parseEngineError(error);
  return {
    code: 4466,
    message: 'An error happened. Check the data field for details.',
    data: engineError,
  };
}

function parseEngineError(error: unknown): EngineError {
  const message = error instanceof Error ? error.message : String(error);
  const panic = lastPanicMessage();
  if (panic) return { is_panic: true, message: panic, backtrace: null };
  try {
    const parsed = JSON.parse(message) as EngineError;
    if (parsed && typeof parsed === 'object' && 'message' in parsed) return parsed;
  } catch {
    // not a serialised engine error: the message is all we have
  }
  const described = describeConnectionError(error);
  return described
    ? { is_panic: false, message: described.message, error_code: described.errorCode, meta: null }
    : { is_panic: false, message, meta: null };
}

async function dispatch(
  engine: SchemaEngine,
  datasource: Datasource,
  { method, params }: RpcRequest,
  print: (content: string) => Promise<void>,
): Promise<unknown> {
  switch (method) {
    case 'diff': {
      // The native engine prints the diff through a "print" request to the CLI; so does this one.
      const { exitCode, stdout } = await engine.diff(params as never);
      if (stdout !== null) await print(stdout);
      return { exitCode };
    }
    case 'getDatabaseVersion':
      return engine.version(params as never);
    case 'createDatabase':
      return { databaseName: await createDatabase(requireUrl(datasource)) };
    case 'debugPanic':
      return engine.debugPanic();
    case 'createMigration':
    case 'evaluateDataLoss':
      // Unlike the native engine, the WASM one computes the migrations' schema (through a shadow
      // database) only in the diagnose commands, and these two read it from that cache.
      await engine.diagnoseMigrationHistory({
        ...(params as Pick<DiagnoseInput, 'migrationsList' | 'filters'>),
        optInToShadowDatabase: true,
      });
      return engine[method](params as never);
    case 'applyMigrations':
    case 'dbExecute':
    case 'devDiagnostic':
    case 'diagnoseMigrationHistory':
    case 'ensureConnectionValidity':
    case 'introspect':
    case 'introspectSql':
    case 'markMigrationApplied':
    case 'markMigrationRolledBack':
    case 'reset':
    case 'schemaPush':
      return (engine[method] as (input: unknown) => Promise<unknown>).call(engine, params);
    default:
      throw new Error(`The offline schema engine does not support the "${method}" command.`);
  }
}

/** Long-lived mode: newline-delimited JSON-RPC 2.0 on stdin/stdout, logs as JSON on stderr. */
async function serve(invocation: Invocation): Promise<number> {
  if (invocation.datasource.shadowDatabaseUrl) {
    process.stderr.write(
      `${logLine('ERROR', {
        message:
          'shadowDatabaseUrl is not supported by the offline schema engine: it creates and drops a temporary shadow database itself. Remove it from prisma.config.ts.',
      })}\n`,
    );
    return 1;
  }
  const datamodels = await Promise.all(
    invocation.datamodels.map(async (path) => [path, await readFile(path, 'utf8')] as [string, string]),
  );
  // A failure inside one of the engine's callbacks escapes every promise: report it the way the
  // native engine reports a panic (exit status 101 after an ERROR log line).
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${logLine('ERROR', { message: lastPanicMessage() ?? error.message, is_panic: true })}\n`);
    process.exit(101);
  });
  const adapterFactory = new MigrationPgAdapterFactory(invocation.datasource.url ?? 'postgresql://localhost/postgres');
  const engine = await startSchemaEngine(
    datamodels,
    adapterFactory,
    // The engine's own log lines are already JSON in the shape the CLI reads.
    (line: string) => process.stderr.write(`${line.trimEnd()}\n`),
  );
  const write = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
  const awaitingCli = new Map<string, () => void>();
  let printed = 0;
  const print = (content: string) =>
    new Promise<void>((resolve) => {
      const id = `print-${++printed}`;
      awaitingCli.set(id, resolve);
      write({ jsonrpc: '2.0', id, method: 'print', params: { content } });
    });

  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let queue = Promise.resolve();
  for await (const line of input) {
    if (!line.trim()) continue;
    let message: RpcRequest & { result?: unknown };
    try {
      message = JSON.parse(line) as RpcRequest & { result?: unknown };
    } catch {
      write({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      continue;
    }
    if (message.method === undefined) {
      // The CLI's answer to one of our print requests.
      awaitingCli.get(String(message.id))?.();
      awaitingCli.delete(String(message.id));
      continue;
    }
    const request = message;
    queue = queue.then(async () => {
      try {
        const result = await dispatch(engine, invocation.datasource, request, print);
        write({ jsonrpc: '2.0', id: request.id, result: result ?? null });
      } catch (error) {
        write({ jsonrpc: '2.0', id: request.id, error: rpcError(error) });
      }
    });
  }
  await queue;
  engine.free();
  await adapterFactory.close();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  // stdout is the JSON-RPC channel: anything a dependency prints goes to stderr instead.
  console.log = console.error;
  console.info = console.error;
  const invocation = parseArguments(argv);
  if (invocation.version) {
    process.stdout.write(`schema-engine-cli ${await engineVersion()}\n`);
    return 0;
  }
  if (invocation.command.length > 0) return runOneShot(invocation);
  return serve(invocation);
}
