import type { CodegenConfig } from '@graphql-codegen/cli';
import { preset } from '@graphql-codegen/client-preset';

// Typed documents for the example client operations in operations/, from the committed schema.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['operations/**/*.graphql'],
  ignoreNoDocuments: false,
  // Imports with their .js extension, as ECMAScript modules under NodeNext (this project's) need them.
  emitLegacyCommonJSImports: false,
  generates: {
    'operations/generated/': {
      // The project's own client-preset, whose ids carry GraphQL over HTTP's `sha256:` prefix: the
      // CLI carries an older one that the name 'client' resolves to when codegen runs from code.
      // (Its types come from that CLI's plugin-helpers, a major version behind.)
      preset: preset as unknown as Extract<CodegenConfig['generates'][string], { preset?: unknown }>['preset'],
      // The operations are the clients' trusted documents: persisted-documents.json maps each one's
      // hash to its text; the server loads it (src/lib/trusted-documents.ts).
      presetConfig: { persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        scalars: { DateTime: 'string', Decimal: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
