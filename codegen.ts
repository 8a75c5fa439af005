import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the example client operations in operations/, from the committed schema.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['operations/**/*.graphql'],
  ignoreNoDocuments: false,
  // Imports with their .js extension, as ECMAScript modules under NodeNext (this project's) need them.
  emitLegacyCommonJSImports: false,
  generates: {
    'operations/generated/': {
      preset: 'client',
      config: {
        scalars: { DateTime: 'string', Decimal: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
