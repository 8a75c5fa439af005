import type { CodegenConfig } from '@graphql-codegen/cli';
import { testDocumentsPluck } from './graphql.config.js';

// Typed documents, from the committed schema: for the example client operations in operations/, and
// for the tests (committed in test/generated/; a test checks they are current).
const client = {
  preset: 'client',
  config: {
    scalars: { Date: 'string', DateTime: 'string', Decimal: 'string', JSON: 'unknown' },
    enumsAsTypes: true,
    useTypeImports: true,
  },
} as const;

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: false,
  noSilentErrors: true,
  // Imports with their .js extension, as ECMAScript modules under NodeNext (this project's) need them.
  emitLegacyCommonJSImports: false,
  pluckConfig: testDocumentsPluck,
  generates: {
    'operations/generated/': { ...client, documents: ['operations/**/*.graphql'] },
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
