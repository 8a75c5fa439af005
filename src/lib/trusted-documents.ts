import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kind, parse, print, type DefinitionNode, type DocumentNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { ConfigError, type TrustedDocumentsConfig } from '../config.js';
import { requestViewer } from '../modules/auth/authenticate.js';
import { may } from './permissions.js';

/**
 * The documents the clients were built with (operations/, by codegen's persistedDocuments): a
 * client may send one by its id alone, and production may accept nothing else.
 */
export type TrustedDocuments = {
  /** Where they were read from, for the start-up log. */
  source: string;
  size: number;
  /** The text of the trusted document with this id (`sha256:<hex>`), if there is one. */
  text(id: string): string | undefined;
  /** The operation's name, if the document is a trusted one (sent by id, or its very text). */
  nameOf(document: DocumentNode): string | undefined;
};

const definitionKey = (definition: DefinitionNode) =>
  `${definition.kind}:${'name' in definition ? (definition.name?.value ?? '') : ''}`;

/** A document's text with its definitions in one order: the same operation and fragments, the same text. */
function canonical(document: DocumentNode): string {
  const definitions = [...document.definitions].sort((a, b) => definitionKey(a).localeCompare(definitionKey(b)));
  return print({ kind: Kind.DOCUMENT, definitions });
}

/** Reads a manifest ({ id: text }) and checks that each id is the SHA-256 of its text. */
export function loadTrustedDocuments(path: string): TrustedDocuments {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `TRUSTED_DOCUMENTS_MANIFEST: cannot read ${path} (${(error as Error).message}); \`npm run codegen\` writes it.`,
    );
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new ConfigError(`TRUSTED_DOCUMENTS_MANIFEST: ${path} must map document ids to document texts.`);
  }
  const texts = new Map<string, string>();
  const names = new Map<string, string>();
  for (const [id, text] of Object.entries(manifest)) {
    if (typeof text !== 'string' || id !== `sha256:${createHash('sha256').update(text).digest('hex')}`) {
      throw new ConfigError(
        `TRUSTED_DOCUMENTS_MANIFEST: in ${path}, "${id.slice(0, 80)}" is not sha256:<the SHA-256 of its text>.`,
      );
    }
    const document = parse(text);
    const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    const name = operations.length === 1 ? operations[0]!.name?.value : undefined;
    if (!name) {
      throw new ConfigError(`TRUSTED_DOCUMENTS_MANIFEST: in ${path}, ${id} must hold one named operation.`);
    }
    texts.set(id, text);
    names.set(canonical(document), name);
  }
  // Yoga parses each distinct text once and hands the same document to every request that sends it.
  const named = new WeakMap<DocumentNode, string | null>();
  return {
    source: path,
    size: texts.size,
    text: (id) => texts.get(id),
    nameOf(document) {
      let name = named.get(document);
      if (name === undefined) {
        name = names.get(canonical(document)) ?? null;
        named.set(document, name);
      }
      return name ?? undefined;
    },
  };
}

/** The request parameter that names a trusted document, beside GraphQL over HTTP's own. */
export const TRUSTED_DOCUMENT_PARAMETER = 'documentId';

/**
 * A trusted document's id as a request carries it: `documentId` in the body or the URL (GraphQL
 * over HTTP's persisted documents), or Apollo's `extensions.persistedQuery.sha256Hash`.
 */
function documentId(params: DocumentParams, request: Request): string | null {
  const given = params.documentId ?? new URL(request.url).searchParams.get(TRUSTED_DOCUMENT_PARAMETER);
  if (typeof given === 'string') return given;
  const persisted = params.extensions?.persistedQuery;
  if (persisted?.version === 1 && typeof persisted.sha256Hash === 'string') return `sha256:${persisted.sha256Hash}`;
  return null;
}

const requestError = (code: string, message: string) =>
  createGraphQLError(message, { extensions: { code, http: { status: 400 } } });

/** What a request names its document by, over HTTP (GraphQLParams) or WebSocket (graphql-ws' payload). */
export type DocumentParams = {
  query?: string | null;
  extensions?: { persistedQuery?: { version?: unknown; sha256Hash?: unknown } | null } | null;
  documentId?: unknown;
};

/**
 * What a request may run, over HTTP and WebSocket alike: a trusted document by its id, always; a
 * text when the mode is `any`, or when it is `admins` and the request's bearer token is a
 * signed-in admin's (`readWithAnyDocument`). Anything else is refused with a GraphQL error.
 */
export function trustedDocumentRule({ mode }: TrustedDocumentsConfig, documents: TrustedDocuments) {
  const refusal =
    mode === 'admins'
      ? 'This API accepts only its trusted documents, by documentId, from anyone but a signed-in admin.'
      : 'This API accepts only its trusted documents: send the documentId your client was built with, not the text.';
  return async function documentFor(params: DocumentParams, request: Request): Promise<string> {
    if (params.query) {
      if (mode === 'any' || (mode === 'admins' && may(await requestViewer(request), 'readWithAnyDocument'))) {
        return params.query;
      }
      throw requestError('TRUSTED_DOCUMENT_REQUIRED', refusal);
    }
    const id = documentId(params, request);
    if (id === null) throw requestError('BAD_REQUEST', "Send a query, or a trusted document's id as documentId.");
    const text = documents.text(id);
    if (text === undefined) {
      throw requestError(
        'TRUSTED_DOCUMENT_NOT_FOUND',
        'No trusted document has this documentId: the client was built with documents this server does not have.',
      );
    }
    return text;
  };
}

/** Applies the rule to every GraphQL request over HTTP, before Yoga checks and parses it. */
export function useTrustedDocuments(documentFor: ReturnType<typeof trustedDocumentRule>): Plugin {
  return {
    onParams({ params, request, setParams }) {
      return documentFor(params, request).then((query) => {
        if (query !== params.query) setParams({ ...params, query });
      });
    },
  };
}
