import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import { app, bearer, data, demo } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let token: string;

beforeAll(async () => {
  people = await demo(database);
  token = await bearer(people.manager);
});

/** A small seeded generator (mulberry32), so that a failing case can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

type Random = ReturnType<typeof random>;

const operations = readdirSync(join(repoRoot, 'operations'))
  .filter((file) => file.endsWith('.graphql'))
  .map((file) => readFileSync(join(repoRoot, 'operations', file), 'utf8'));

const PIECES = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ':',
  '$',
  '!',
  '@',
  '...',
  '=',
  '"',
  '"""',
  '#',
  ',',
  '\n',
  ' ',
  '\\u0000',
];
const WORDS = [
  'query',
  'mutation',
  'subscription',
  'fragment',
  'on',
  'node',
  'nodes',
  'id',
  'viewer',
  'equipment',
  'first',
  'last',
  'after',
  'adjustStock',
  'input',
  '__typename',
  '__schema',
  '__type',
  'true',
  'null',
  '-1',
  '1e309',
  '99999999999999999999',
  '"\\uD800"',
  '"🚒"',
  'include',
  'skip',
  'if',
  'defer',
  'stream',
  'login',
  'organisation',
];

/** A valid client operation, damaged: characters cut, doubled, replaced or spliced in. */
function damaged(rng: Random): string {
  let text = rng.pick(operations);
  for (let edits = 1 + rng.int(6); edits > 0; edits -= 1) {
    const at = rng.int(text.length + 1);
    const piece = rng.next() < 0.5 ? rng.pick(PIECES) : rng.pick(WORDS);
    const kind = rng.int(3);
    if (kind === 0) text = text.slice(0, at) + text.slice(at + 1 + rng.int(20));
    else if (kind === 1) text = text.slice(0, at) + piece + text.slice(at);
    else text = text.slice(0, at) + piece + text.slice(at + piece.length);
  }
  return text;
}

/** A document put together from GraphQL's pieces and the schema's words, mostly nonsense. */
function assembled(rng: Random): string {
  return Array.from({ length: 1 + rng.int(60) }, () => (rng.next() < 0.5 ? rng.pick(PIECES) : rng.pick(WORDS))).join(
    rng.pick([' ', '', '\n']),
  );
}

function value(rng: Random, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.pick([0, -1, 1.5, 2 ** 31, -(2 ** 53), Number.MAX_SAFE_INTEGER]);
    case 2:
      return rng.pick(['', 'x', 'ÿ'.repeat(300), 'SW5ZW50b3J5SXRlbTp4', 'a\u0000b', '{"a":1}']);
    case 3:
      return rng.next() < 0.5;
    case 4:
      return 'InventoryItem:' + 'f'.repeat(rng.int(40));
    case 5:
      return rng.pick(['ADJUSTMENT', 'NOPE', 'SKU_ASC']);
    case 6:
    case 7:
      return Object.fromEntries(
        Array.from({ length: rng.int(5) }, () => [
          rng.pick(['input', 'id', 'itemId', 'delta', 'first', '__proto__', 'x']),
          value(rng, depth + 1),
        ]),
      );
    default:
      return Array.from({ length: rng.int(4) }, () => value(rng, depth + 1));
  }
}

type Result = { data?: unknown; errors?: { message?: unknown; extensions?: { code?: unknown } }[] };

type Case = { method: string; headers: Record<string, string>; body?: string; query?: string };

function request(rng: Random): Case {
  const document = rng.next() < 0.6 ? damaged(rng) : assembled(rng);
  const variables = rng.next() < 0.8 ? value(rng) : rng.pick(['{"a":', '[]', '"x"', '1']);
  const headers: Record<string, string> = {
    'content-type': rng.pick([
      'application/json',
      'application/json; charset=utf-8',
      'application/graphql+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin-7',
      '',
    ]),
  };
  const accept = rng.pick([
    undefined,
    '*/*',
    'application/graphql-response+json',
    'text/html',
    'image/png',
    'text/event-stream',
  ]);
  if (accept) headers.accept = accept;
  const authorization = rng.pick([
    undefined,
    `Bearer ${token}`,
    'Bearer',
    'Basic abc',
    `Bearer ${token}x`,
    'Bearer a.b.c',
  ]);
  if (authorization) headers.authorization = authorization;
  if (rng.next() < 0.2) headers['x-request-id'] = rng.pick(['ok-1', ' ', 'x'.repeat(500)]);
  const method = rng.pick(['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH']);
  if (method === 'GET') {
    const params = new URLSearchParams({ query: document });
    if (rng.next() < 0.5) params.set('variables', JSON.stringify(variables) ?? 'null');
    return { method, headers, query: params.toString() };
  }
  const shapes = [
    () => JSON.stringify({ query: document, variables }),
    () => JSON.stringify({ query: document, variables, operationName: rng.pick(['Dashboard', '', 42, null]) }),
    () => JSON.stringify({ query: rng.pick([42, null, ['{ x }'], { a: 1 }]) }),
    () => JSON.stringify([{ query: document }, { query: document }]),
    () => JSON.stringify({ query: document }).slice(0, 1 + rng.int(30)),
    () => document,
  ];
  return { method, headers, body: rng.pick(shapes)() };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const CASES = Number(process.env.FUZZ_CASES ?? 600);

describe('fuzzing the GraphQL endpoint', () => {
  it(`answers ${CASES} malformed and random requests with well-formed GraphQL errors, never an internal error (seed ${SEED})`, async () => {
    const rng = random(SEED);
    const statuses = new Map<number, number>();
    for (let index = 0; index < CASES; index += 1) {
      const sent = request(rng);
      const url = `http://localhost/graphql${sent.query ? `?${sent.query}` : ''}`;
      const response = await app.fetch(url, { method: sent.method, headers: sent.headers, body: sent.body });
      const text = await response.text();
      const replay = `case ${index} of seed ${SEED}: ${sent.method} ${JSON.stringify(sent.headers)} ${(sent.body ?? sent.query ?? '').slice(0, 300)}\n→ ${response.status} ${text.slice(0, 300)}`;
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect(response.status, replay).toBeLessThan(500);
      const type = response.headers.get('content-type') ?? '';
      // A browser's GET for HTML gets GraphiQL.
      if (type.startsWith('text/html') && sent.method === 'GET' && sent.headers.accept === 'text/html') continue;
      // GraphQL over server-sent events: each event's data is a result.
      const documents = type.startsWith('text/event-stream')
        ? [...text.matchAll(/^data: (.*)$/gm)].map((match) => match[1]!).filter((line) => line !== '')
        : [text];
      const results: Result[] = documents.flatMap((document) => {
        let parsed: Result | Result[];
        try {
          parsed = JSON.parse(document);
        } catch {
          throw new Error(`not a GraphQL result: ${replay}`);
        }
        return Array.isArray(parsed) ? parsed : [parsed];
      });
      expect(results.length, replay).toBeGreaterThan(0);
      for (const result of results) {
        expect('data' in result || Array.isArray(result.errors), replay).toBe(true);
        for (const error of result.errors ?? []) {
          expect(typeof error.message, replay).toBe('string');
          expect(error.extensions?.code, replay).not.toBe('INTERNAL_SERVER_ERROR');
        }
      }
    }
    // It keeps serving: a real request afterwards is answered as always.
    const { viewer } = await data(
      graphql(/* GraphQL */ `
        query FuzzAfterwards {
          viewer {
            id
          }
        }
      `),
      {},
      { token },
    );
    expect(viewer?.id).toEqual(expect.any(String));
    // The statuses seen, so that a run shows the cases reached more than one kind of refusal.
    expect(statuses.size).toBeGreaterThan(3);
  });
});
