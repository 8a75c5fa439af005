import type { CodegenConfig } from '@graphql-codegen/cli';
import { preset } from '@graphql-codegen/client-preset';
import { testDocumentsPluck } from './graphql.config.js';

// Typed documents, from the committed schema: for the example client operations in operations/, and
// for the tests (committed in test/generated/; a test checks they are current).
const client = {
  // The project's own client-preset, whose ids carry GraphQL over HTTP's `sha256:` prefix: the
  // CLI carries an older one that the name 'client' resolves to when codegen runs from code.
  // (Its types come from that CLI's plugin-helpers, a major version behind.)
  preset: preset as unknown as Extract<CodegenConfig['generates'][string], { preset?: unknown }>['preset'],
  config: {
    scalars: { Date: 'string', DateTime: 'string', Decimal: 'string', JSON: 'unknown' },
    enumsAsTypes: true,
    useTypeImports: true,
  },
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: false,
  noSilentErrors: true,
  // Imports with their .js extension, as ECMAScript modules under NodeNext (this project's) need them.
  emitLegacyCommonJSImports: false,
  pluckConfig: testDocumentsPluck,
  generates: {
    'operations/generated/': {
      ...client,
      documents: ['operations/**/*.graphql'],
      // The operations are the clients' trusted documents: persisted-documents.json maps each one's
      // hash to its text; the server loads it (src/lib/trusted-documents.ts).
      presetConfig: { persistedDocuments: { hashAlgorithm: 'sha256' } },
    },
    // The tests' documents, and the example operations that test/operations.test.ts runs. Tests read
    // the fields a fragment selects, as a client without fragment masking does.
    'test/generated/': {
      ...client,
      documents: ['test/**/*.ts', '!test/generated/**', 'operations/**/*.graphql'],
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
