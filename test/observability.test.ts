import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { createLogger, serializeError } from '../src/ops/logger.js';
import { createMetrics } from '../src/ops/metrics.js';
import { committedMigrations } from '../src/schema-engine/migrate.js';
import { createApp } from '../src/yoga.js';
import { backend } from './helpers/backend.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { bearer, demo, globalId } from './helpers/graphql.js';
import { manifestOf } from './helpers/trusted-documents.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
// The operations these tests send, as the clients' trusted documents: only their names are labels.
const TRUSTED = [
  'query Dashboard { __typename }',
  'query EquipmentDetail { node(id: "bad") { id } }',
  'query MyWork { __typename }',
];
let trustedDocuments: Config['trustedDocuments'];

beforeAll(async () => {
  people = await demo(database);
  trustedDocuments = { mode: 'any', manifest: await manifestOf(TRUSTED) };
});

/** An app whose JSON log lines are kept, parsed, for the test to read. */
function loggedApp(options: { stopping?: boolean; config?: Partial<Config> } = {}) {
  const lines: ({ level: number } & Record<string, unknown>)[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as { level: number } & Record<string, unknown>);
      done();
    },
  });
  const app = createApp(testConfig({ trustedDocuments, ...options.config }), {
    logger: createLogger('info', { destination: stream }),
    lifecycle: { stopping: options.stopping ?? false },
  });
  return { app, lines, raw };
}

const get = (app: ReturnType<typeof createApp>, path: string, headers: Record<string, string> = {}) =>
  app.fetch(`http://localhost${path}`, { headers });

const query = (app: ReturnType<typeof createApp>, name: string, body: string) =>
  app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `query ${name} ${body}` }),
  });

const METRICS_TOKEN = 'metrics token: 0123456789abcdefghijklmnopqrstuvwxyz';

describe('health and readiness', () => {
  it('/health answers 200 while the process runs', async () => {
    const response = await get(loggedApp().app, '/health');
    expect(response.status).toBe(200);
  });

  it('/ready answers 200 when the database answers and every migration is applied, and says how sessions are checked', async () => {
    const response = await get(loggedApp().app, '/ready');
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      // The test database listens for session changes on PostgreSQL, as the server does.
      body:
        backend === 'postgres'
          ? { status: 'ready', sessionChecks: 'remembered, listening for changes' }
          : {
              status: 'ready',
              sessionChecks: 'every request',
              sessionChecksReason: 'the embedded database has no session change listener',
            },
    });
  });

  it('/ready answers 503 and names the migrations not yet applied', async () => {
    const [last] = await database.sql<{ id: string; migration_name: string }>(
      'SELECT id, migration_name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1',
    );
    await database.sql('UPDATE _prisma_migrations SET finished_at = NULL WHERE id = $1', [last!.id]);
    try {
      const response = await get(loggedApp().app, '/ready');
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 503,
        body: { status: 'unavailable', reason: 'migrations not applied', pendingMigrations: [last!.migration_name] },
      });
    } finally {
      await database.sql('UPDATE _prisma_migrations SET finished_at = started_at WHERE id = $1', [last!.id]);
    }
    expect((await get(loggedApp().app, '/ready')).status).toBe(200);
  });

  it('/ready names every committed migration on a database never migrated', async () => {
    const committed = await committedMigrations();
    await database.sql('ALTER TABLE _prisma_migrations RENAME TO _prisma_migrations_aside');
    try {
      const response = await get(loggedApp().app, '/ready');
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 503,
        body: { status: 'unavailable', reason: 'migrations not applied', pendingMigrations: committed },
      });
    } finally {
      await database.sql('ALTER TABLE _prisma_migrations_aside RENAME TO _prisma_migrations');
    }
  });

  it('/ready answers 503 once the server is stopping, so that the balancer sends no more', async () => {
    const response = await get(loggedApp({ stopping: true }).app, '/ready');
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 503,
      body: { status: 'stopping' },
    });
  });
});

describe('request logs', () => {
  it('logs each request as one JSON line: id, operation, duration, status, viewer and organisation', async () => {
    const { app, lines } = loggedApp();
    const token = await bearer(people.manager);
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'req-42.a' },
      body: JSON.stringify({ query: 'query WhoAmI { viewer { id } }', operationName: 'WhoAmI' }),
    });
    expect(response.headers.get('x-request-id')).toBe('req-42.a');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        service: 'opsgraph',
        requestId: 'req-42.a',
        method: 'POST',
        path: '/graphql',
        status: 200,
        durationMs: expect.any(Number),
        operation: 'WhoAmI',
        operationType: 'query',
        viewerId: people.manager,
        organisationId: people.organisationId,
      }),
    ]);
  });

  it('gives a request without a usable id one of its own, and sends it back', async () => {
    const { app, lines } = loggedApp();
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad id\twith "quotes"' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[0]).toMatchObject({ requestId: id, operationType: 'query' });
    expect(lines[0]).not.toHaveProperty('viewerId');
  });

  it('never logs tokens, passwords or variables, and lists the error codes a request answered with', async () => {
    const { app, lines, raw } = loggedApp();
    const token = await bearer(people.employee);
    const secret = 'correct horse battery staple 1';
    await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation SignIn($input: LoginInput!) { login(input: $input) { __typename } }',
        variables: { input: { email: 'esi@harbourworks.example', password: secret } },
      }),
    });
    await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: 'query Item($id: ID!) { node(id: $id) { id } } ',
        variables: { id: globalId('Nope', 'x') },
      }),
    });
    await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    const text = raw.join('');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(token);
    expect(text).not.toContain('not-a-token');
    expect(text).not.toContain('harbourworks.example');
    expect(lines.map((line) => [line.operation, line.errors])).toEqual([
      ['SignIn', undefined],
      ['Item', expect.arrayContaining([expect.any(String)])],
      [undefined, ['UNAUTHENTICATED']],
    ]);
  });
});

describe('error logs', () => {
  const signedIn = async (app: ReturnType<typeof createApp>, body: string, requestId: string) => {
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await bearer(people.manager)}`,
        'x-request-id': requestId,
      },
      body: JSON.stringify({ query: body }),
    });
    return (await response.json()) as { data?: unknown; errors?: Record<string, unknown>[] };
  };

  it('logs an unexpected error whole (message, code, cause, stack); the client gets only the masked message', async () => {
    const { app, lines } = loggedApp({ config: { env: 'production' } });
    await database.sql('ALTER TABLE auth.organisations RENAME COLUMN name TO name_gone');
    let answer;
    try {
      answer = await signedIn(app, 'query Broken { organisation { name } }', 'req-broken');
    } finally {
      await database.sql('ALTER TABLE auth.organisations RENAME COLUMN name_gone TO name');
    }
    expect(answer).toEqual({
      data: null,
      errors: [
        {
          message: 'Unexpected error.',
          locations: [{ line: 1, column: 16 }],
          path: ['organisation'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ],
    });
    expect(lines.filter((line) => line.level >= 50)).toEqual([
      expect.objectContaining({
        msg: 'unexpected error',
        requestId: 'req-broken',
        path: 'organisation',
        err: {
          type: 'PrismaClientKnownRequestError',
          code: 'P2022',
          message: expect.stringMatching(
            /^Invalid `prisma\.organisation\.\w+\(\)` invocation: The column `[\w.]*name` does not exist in the current database\.$/,
          ),
          stack: expect.stringMatching(/^ {4}at .*^ {4}at .*\/src\/[\w/.-]+\.ts:\d+:\d+\)?$/ms),
          cause: {
            type: 'DriverAdapterError',
            kind: 'ColumnNotFound',
            code: '42703',
            message: expect.stringMatching(/^column "?[\w.]*"?name"? does not exist$/),
          },
        },
      }),
    ]);
    expect(lines.at(-1)).toMatchObject({
      requestId: 'req-broken',
      operation: 'Broken',
      errors: ['INTERNAL_SERVER_ERROR'],
    });
  });

  it('logs no error for input a query refuses: the client is told, and the request line lists BAD_USER_INPUT', async () => {
    const { app, lines } = loggedApp();
    const answer = await signedIn(
      app,
      'query BadCursor { equipment(first: 2, after: "R1BDOlM6bm90LWEtdXVpZA==") { totalCount } }',
      'req-bad-cursor',
    );
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, requestId: 'req-bad-cursor', errors: ['BAD_USER_INPUT'] }),
    ]);
  });

  it('keeps the arguments Prisma quotes out of the message, and follows the cause chain', async () => {
    const secret = 'a value the log must not hold 7f3a';
    const refused = await database.db.user.findUnique({ where: { name: secret } as never }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const logged = serializeError(refused);
    expect(logged).toMatchObject({
      type: 'PrismaClientValidationError',
      message: expect.stringMatching(
        /^Invalid `prisma\.user\.findUnique\(\)` invocation: Argument `where` of type UserWhereUniqueInput needs at least one of /,
      ),
    });
    expect(JSON.stringify(logged)).not.toContain(secret);

    const failure = new Error('sign-in failed', {
      cause: new AggregateError(
        [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
        '',
      ),
    });
    expect(serializeError(failure)).toMatchObject({
      type: 'Error',
      message: 'sign-in failed',
      cause: {
        type: 'AggregateError',
        message: '',
        errors: [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }],
      },
    });
  });
});

describe('logs for a person', () => {
  it('writes one readable line per request and message, without JSON braces around it', async () => {
    const raw: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', { format: 'pretty', destination: stream });
    const app = createApp(testConfig(), { logger });
    await query(app, 'Dashboard', '{ __typename }');
    logger.info('Applying migration 1/6: 20261123071107_init');
    logger.error({ err: new Error('the reason', { cause: new Error('the cause') }) }, 'unexpected error');
    const text = stripVTControlCharacters(raw.join(''));
    expect(text).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: POST \/graphql 200 [\d.]+ ms query Dashboard \{"requestId":"[\w-]+"\}$/m,
    );
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Applying migration 1\/6: 20261123071107_init$/m);
    expect(text).toMatch(/^\[[\d:.]+\] ERROR: unexpected error ?\n {4}err: \{\n/m);
    expect(text).toContain('"message": "the reason"');
    expect(text).toContain('"message": "the cause"');
    expect(text).not.toContain('"level"');
  });
});

describe('metrics', () => {
  it('/metrics counts requests and errors by operation, and shows the pool', async () => {
    const { app } = loggedApp();
    await query(app, 'Dashboard', '{ __typename }');
    await query(app, 'Dashboard', '{ __typename }');
    await query(app, 'EquipmentDetail', '{ node(id: "bad") { id } }');
    const response = await get(app, '/metrics');
    expect(response.status).toBe(200);
    const text = await response.text();
    const sample = (pattern: RegExp) => Number(text.match(pattern)?.[1]);
    expect(
      sample(
        /^opsgraph_graphql_request_duration_seconds_count\{operation="Dashboard",operation_type="query",status="200"\} (\d+)$/m,
      ),
    ).toBe(2);
    expect(
      sample(
        /^opsgraph_graphql_request_duration_seconds_bucket\{le="10",operation="Dashboard",operation_type="query",status="200"\} (\d+)$/m,
      ),
    ).toBe(2);
    expect(sample(/^opsgraph_graphql_errors_total\{operation="EquipmentDetail",code="[A-Z_]+"\} (\d+)$/m)).toBe(1);
    expect(text).not.toMatch(/operation="Dashboard",code=/);
    expect(sample(/^opsgraph_db_pool_connections\{pool="primary",state="total"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(text).toMatch(/^opsgraph_db_pool_connections\{pool="primary",state="waiting"\} \d+$/m);
    expect(text).toMatch(/^opsgraph_process_resident_memory_bytes \d+/m);
  });

  it('counts operations outside the trusted documents under one label, however many names clients send', async () => {
    const { app } = loggedApp();
    for (let n = 0; n < 499; n++) await query(app, `RT_${n}`, '{ node(id: "bad") { id } }');
    // A trusted document's name on another document is not that document.
    await query(app, 'MyWork', '{ node(id: "bad") { id } }');
    await query(app, 'MyWork', '{ __typename }');
    const text = await (await get(app, '/metrics')).text();
    const series = (name: string) => text.split('\n').filter((line) => line.startsWith(`${name}{`));
    expect(text).not.toContain('RT_');
    expect(series('opsgraph_graphql_request_duration_seconds_count')).toEqual([
      expect.stringMatching(/^\S+\{operation="\(other\)",operation_type="query",status="200"\} 500$/),
      expect.stringMatching(/^\S+\{operation="MyWork",operation_type="query",status="200"\} 1$/),
    ]);
    expect(series('opsgraph_graphql_errors_total')).toEqual([
      expect.stringMatching(/^\S+\{operation="\(other\)",code="[A-Z_]+"\} 500$/),
    ]);
  });

  it('counts error codes outside the known ones under one label', async () => {
    const metrics = createMetrics();
    const app = createApp(testConfig(), { metrics });
    for (const code of ['FORBIDDEN', 'MADE_UP_1', 'MADE_UP_2']) {
      metrics.observe({
        operation: 'MyWork',
        trusted: true,
        operationType: 'query',
        status: 200,
        seconds: 0.01,
        errorCodes: [code],
      });
    }
    const text = await (await get(app, '/metrics')).text();
    expect(text).toMatch(/^opsgraph_graphql_errors_total\{operation="MyWork",code="FORBIDDEN"\} 1$/m);
    expect(text).toMatch(/^opsgraph_graphql_errors_total\{operation="MyWork",code="\(other\)"\} 2$/m);
    expect(text).not.toContain('MADE_UP');
  });

  it('with METRICS_TOKEN, answers /metrics only to that bearer token', async () => {
    const { app } = loggedApp({ config: { metrics: { token: METRICS_TOKEN, port: undefined } } });
    expect((await get(app, '/metrics')).status).toBe(401);
    expect((await get(app, '/metrics', { authorization: 'Bearer wrong' })).status).toBe(401);
    const allowed = await get(app, '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/^opsgraph_process_resident_memory_bytes \d+/m);
  });

  it('in production, serves /metrics beside the API only with METRICS_TOKEN', async () => {
    const open = loggedApp({ config: { env: 'production' } }).app;
    const response = await get(open, '/metrics');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('opsgraph_');
    const guarded = loggedApp({
      config: { env: 'production', metrics: { token: METRICS_TOKEN, port: undefined } },
    }).app;
    expect((await get(guarded, '/metrics')).status).toBe(401);
    expect((await get(guarded, '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
  });

  it('with METRICS_PORT, serves /metrics on a listener of its own and not beside the API', async () => {
    const metrics = createMetrics();
    const app = createApp(testConfig({ trustedDocuments, metrics: { token: undefined, port: 9464 } }), { metrics });
    await query(app, 'MyWork', '{ __typename }');
    expect((await get(app, '/metrics')).status).toBe(404);
    const listener = createServer(metrics.listener);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(
        /^opsgraph_graphql_request_duration_seconds_count\{operation="MyWork",operation_type="query",status="200"\} 1$/m,
      );
      expect((await fetch(`${base}/graphql`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});
