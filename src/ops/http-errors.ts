import type { Plugin } from 'graphql-yoga';

const REFUSALS: Record<number, { code: string; message: string }> = {
  400: { code: 'BAD_REQUEST', message: 'The request could not be read as a GraphQL request.' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'Send GraphQL requests with POST, or queries with GET.' },
  406: {
    code: 'NOT_ACCEPTABLE',
    message:
      'This server answers with application/graphql-response+json, application/json, multipart/mixed or text/event-stream: accept one of them.',
  },
  415: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Send the request body as application/json (or application/graphql+json, or multipart/form-data).',
  },
};

/**
 * Yoga refuses some requests at the HTTP level with an empty body. Every refusal here answers
 * with a GraphQL error a client can read, keeping the status and headers Yoga chose.
 */
export function useErrorBodies(): Plugin {
  return {
    onResponse({ response, setResponse }) {
      const refusal = REFUSALS[response.status];
      if (!refusal || response.body !== null) return;
      const headers = new Headers(response.headers);
      headers.set('content-type', 'application/json; charset=utf-8');
      setResponse(
        new Response(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] }), {
          status: response.status,
          headers,
        }),
      );
    },
  };
}
