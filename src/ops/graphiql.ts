import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

type Encoding = 'br' | 'gzip' | 'identity';
type Page = { etag: string; bodies: Record<Encoding, Uint8Array<ArrayBuffer>> };

/** The encodings a client accepts (a q of 0 refuses one). */
function acceptedEncodings(header: string | null): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const quality = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    if (name && (quality === undefined || Number(quality.slice(2)) > 0)) accepted.add(name);
  }
  return accepted;
}

async function compress(html: string): Promise<Page> {
  const identity = Buffer.from(html);
  // Brotli's top qualities take seconds on the 9 MB page; 9 is within a few per cent of them.
  const [br, gzipped] = await Promise.all([
    promisify(brotliCompress)(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }),
    promisify(gzip)(identity, { level: 9 }),
  ]);
  const etag = createHash('sha256').update(identity).digest('base64url').slice(0, 27);
  return { etag, bodies: { br: new Uint8Array(br), gzip: new Uint8Array(gzipped), identity } };
}

/**
 * GraphiQL's page inlines its scripts and styles (about 9 MB), so that it works offline. It is
 * rendered and compressed once, sent compressed as the browser accepts, and revalidated by ETag:
 * a reload costs a 304. Its renderer, a 9 MB module, is loaded when the page is first asked for,
 * not at start: production never serves it.
 */
export function cachedGraphiQL(): { renderGraphiQL: (options?: GraphiQLOptions) => Promise<string>; plugin: Plugin } {
  let html: string | undefined;
  let page: Promise<Page> | undefined;
  return {
    renderGraphiQL: async (options) =>
      (html ??= (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options)),
    plugin: {
      async onResponse({ request, response, setResponse }) {
        if (html === undefined || request.method !== 'GET' || response.headers.get('content-type') !== 'text/html') {
          return;
        }
        const { etag, bodies } = await (page ??= compress(html));
        const accepted = acceptedEncodings(request.headers.get('accept-encoding'));
        const encoding: Encoding = accepted.has('br') ? 'br' : accepted.has('gzip') ? 'gzip' : 'identity';
        const headers = new Headers({
          'content-type': 'text/html; charset=utf-8',
          etag: `"${etag}-${encoding}"`,
          'cache-control': 'no-cache',
          vary: 'Accept, Accept-Encoding',
        });
        const known = request.headers.get('if-none-match');
        if (known !== null && (known.trim() === '*' || known.includes(`"${etag}-${encoding}"`))) {
          setResponse(new Response(null, { status: 304, headers }));
          return;
        }
        if (encoding !== 'identity') headers.set('content-encoding', encoding);
        setResponse(new Response(bodies[encoding], { status: 200, headers }));
      },
    },
  };
}
