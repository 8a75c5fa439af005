import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kind, parse, type FormattedExecutionResult } from 'graphql';
import { TargetType, type HTTPRequest, type Page, type Target } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ORGANISATION_NAME, seedDemo } from '../src/database/seed.js';
import { backend } from './helpers/backend.js';
import { launchChromium, type Chromium } from './helpers/browser.js';
import { repoRoot, startServer, type RunningServer } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import type { DashboardQuery, SignInMutation } from './generated/graphql.js';

// The README's first steps in a real browser: GraphiQL as `npm start` serves it, SignIn run, its
// access token put into the Headers tab, Dashboard run; and not one request off this machine.
const STEP_TIMEOUT_MS = 60_000;

// On PostgreSQL the server runs on this file's database with the demo loaded; on PGlite it starts
// on an empty data folder and loads the demo itself, as a first `npm start` does.
const database = backend === 'postgres' ? useTestDatabase() : undefined;
let dataDir: string | undefined;
let server: RunningServer | undefined;
let chromium: Chromium | undefined;
let page: Page;

type Seen = { via: string; method: string; url: string; headers?: Record<string, string>; body?: string };
const seen: Seen[] = [];
/** Targets whose requests could not be watched (one that closed first had none left to send). */
const unwatched: { target: Target; error: string }[] = [];

beforeAll(async () => {
  if (database) {
    await seedDemo(database.db);
    server = await startServer({ DATABASE_URL: database.url });
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-graphiql-'));
    server = await startServer({ DATABASE_URL: undefined, DATA_DIR: dataDir });
  }
  chromium = await launchChromium();
  const { browser } = chromium;
  // Every target the browser starts (service workers, shared workers, anything in the background)
  // reports its requests too, not only the page.
  browser.on('targetcreated', (target: Target) => void watch(target));
  const watch = async (target: Target) => {
    if (target.type() === TargetType.PAGE) return;
    try {
      const session = await target.createCDPSession();
      session.on('Network.requestWillBeSent', ({ request }) =>
        seen.push({ via: `${target.type()} target`, method: request.method, url: request.url }),
      );
      await session.send('Network.enable');
    } catch (error) {
      unwatched.push({ target, error: String(error) });
    }
  };
  page = await browser.newPage();
  // Monaco draws only the lines in view: the result pane is tall enough for the whole dashboard.
  await page.setViewport({ width: 1400, height: 8000 });
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('request', (request: HTTPRequest) =>
    seen.push({
      via: 'page',
      method: request.method(),
      url: request.url(),
      headers: request.headers(),
      body: request.postData(),
    }),
  );
  const devtools = await page.createCDPSession();
  devtools.on('Network.requestWillBeSent', ({ request }) =>
    seen.push({ via: 'devtools', method: request.method, url: request.url }),
  );
  devtools.on('Network.webSocketCreated', ({ url }) => seen.push({ via: 'devtools', method: 'WEBSOCKET', url }));
  await devtools.send('Network.enable');
}, 240_000);

afterAll(async () => {
  try {
    await chromium?.close();
  } finally {
    const code = await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (server) expect(code).toBe(0);
  }
});

/**
 * The text of a Monaco editor as it is on screen: its lines in order, a wrapped line's pieces
 * (each after an indent of its own, in an unclassed span) joined again.
 */
async function editorText(editor: string): Promise<string> {
  const lines = await page.$$eval(`${editor} .view-line`, (nodes) =>
    nodes.map((node) => ({
      top: Number.parseFloat((node as HTMLElement).style.top),
      spans: [...(node.firstElementChild?.children ?? [])].map((span) => ({
        className: String(span.className),
        text: String(span.textContent),
      })),
    })),
  );
  let text = '';
  for (const { spans } of lines.sort((a, b) => a.top - b.top)) {
    const continued = text !== '' && spans[0]?.className === '';
    if (text !== '' && !continued) text += '\n';
    text += (continued ? spans.slice(1) : spans).map((span) => span.text.replaceAll('\u00a0', ' ')).join('');
  }
  return text;
}

/** Reads until the value is as expected, for at most a step's time; the error shows the last value read. */
async function eventually<T>(read: () => Promise<T>, expected: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (expected(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what} within ${STEP_TIMEOUT_MS} ms; last seen:\n${JSON.stringify(value, null, 2)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** JSON text as the value it holds, or undefined while it is not whole JSON yet. */
const parsed = <T>(text: string): T | undefined => {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
};

/**
 * The answer the result pane shows, once it is a whole JSON document with `field` in its data, or
 * errors: the answer to an example operation of operations/, typed by the tests' codegen.
 */
async function resultWith<R extends Record<string, unknown>>(field: keyof R & string) {
  const shown = await eventually(
    () => editorText('.graphiql-response'),
    (text) => {
      const result = parsed<FormattedExecutionResult<R>>(text);
      return result?.errors !== undefined || result?.data?.[field] !== undefined;
    },
    `the result pane did not show data.${field}`,
  );
  return JSON.parse(shown) as FormattedExecutionResult<R>;
}

/** Presses the run button and picks the operation from its menu, as one does with several in the editor. */
async function run(operation: string): Promise<string[]> {
  await page.click('.graphiql-execute-button');
  await page.waitForSelector('[role="menu"] [role="menuitem"]');
  const names = await page.$$eval('[role="menu"] [role="menuitem"]', (nodes) =>
    nodes.map((node) => String(node.textContent)),
  );
  await page.click(`::-p-aria([name="${operation}"][role="menuitem"])`);
  return names;
}

const operationNames = async (...files: string[]) =>
  (await Promise.all(files.map((file) => readFile(join(repoRoot, 'operations', file), 'utf8'))))
    .flatMap((source) => parse(source).definitions)
    .flatMap((definition) => (definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value] : []));

describe('GraphiQL in Chromium', () => {
  it("signs in and runs the dashboard as the README says, from the page's own editors, asking nothing of anyone else", async () => {
    const pageResponse = await page.goto(server!.url, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
    expect(pageResponse?.status()).toBe(200);
    expect(pageResponse?.headers()['content-encoding']).toMatch(/^(br|gzip)$/);
    expect(pageResponse?.headers().etag).toMatch(/^"[\w-]+-(br|gzip)"$/);
    expect(await page.title()).toBe('OpsGraph');

    // It opens on the example operations: the sign-in mutation first.
    const authOperations = await readFile(join(repoRoot, 'operations', 'auth.graphql'), 'utf8');
    await eventually(
      () => editorText('.graphiql-query-editor'),
      (text) => text.startsWith(authOperations.split('\n', 3).join('\n')),
      'the query editor did not open on the sign-in mutation',
    );
    const menu = await run('SignIn');
    expect(menu).toEqual(await operationNames('auth.graphql', 'dashboard.graphql'));
    const signIn = await resultWith<SignInMutation>('login');
    const login = signIn.data?.login;
    expect(login?.__typename).toBe('LoginSuccess');
    const token = login?.__typename === 'LoginSuccess' ? login.tokens.accessToken : '';
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    await page.click('.graphiql-editor-tools button[data-name="headers"]');
    await page.click('.monaco-editor[data-uri$="-request-headers.json"] .view-lines');
    const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
    // Typed as one input, as a paste is: Monaco would close each bracket and quote typed alone.
    await page.keyboard.sendCharacter(headers);
    expect(await editorText('.monaco-editor[data-uri$="-request-headers.json"]')).toBe(headers);

    await run('Dashboard');
    const dashboard = await resultWith<DashboardQuery>('viewer');
    expect(dashboard.errors).toBeUndefined();
    const shown = dashboard.data!;
    expect(shown.viewer?.roles).toMatchObject([{ name: 'ADMIN' }]);
    expect(shown.organisation.name).toBe(DEMO_ORGANISATION_NAME);
    expect(shown.organisation.summary.equipmentCount).toBeGreaterThan(0);
    expect(shown.overdue.totalCount).toBe(shown.organisation.summary.overdueEquipmentCount);

    // What the page showed is what the API answers any client sending that token.
    const direct = await fetch(server!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: await readFile(join(repoRoot, 'operations', 'dashboard.graphql'), 'utf8'),
        operationName: 'Dashboard',
      }),
    });
    expect(dashboard).toEqual(await direct.json());

    // GraphiQL sent them as written, the second with the header typed in.
    const sent = seen
      .filter((request) => request.via === 'page' && request.method === 'POST')
      .map(({ body, headers }) => ({
        operation: parsed<{ operationName?: string }>(body ?? '')?.operationName,
        authorization: headers?.authorization,
      }))
      .filter(({ operation }) => operation !== 'IntrospectionQuery');
    expect(sent).toEqual([
      { operation: 'SignIn', authorization: undefined },
      { operation: 'Dashboard', authorization: `Bearer ${token}` },
    ]);

    // Every request went to the server itself: none left the machine.
    const origin = new URL(server!.url).origin;
    // Inline fonts (data:) and the editors' workers (blob: URLs of the page's origin) load nothing.
    const offOrigin = seen.filter(({ url }) => !url.startsWith('data:') && new URL(url).origin !== origin);
    expect(offOrigin.map(({ via, method, url }) => `${via}: ${method} ${url}`)).toEqual([]);
    expect(chromium!.elsewhere).toEqual([]);
    const open = chromium!.browser.targets();
    expect(unwatched.filter(({ target }) => open.includes(target))).toEqual([]);
    expect(seen.filter(({ via }) => via === 'devtools').map(({ method, url }) => `${method} ${url}`)).toEqual(
      expect.arrayContaining([`GET ${server!.url}`, `POST ${server!.url}`]),
    );

    // The proxy would have seen a request that tried to leave.
    const attempt = await page.evaluate(`fetch('http://opsgraph.invalid/').then(() => 'answered', () => 'refused')`);
    expect(attempt).toBe('refused');
    expect(chromium!.elsewhere).toEqual(['GET http://opsgraph.invalid/']);
  }, 240_000);
});
