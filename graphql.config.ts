// The GraphQL documents of this repository, validated against the committed schema.graphql: the
// example client operations, and the tests' typed documents. Read by codegen.ts, by @graphql-eslint
// (eslint.config.js) and by editors' GraphQL extensions.

/**
 * The tests' documents are the `graphql()` calls of their generated module (test/generated/), and
 * only those: documents that stay strings (malformed or hostile on purpose) are not typed or
 * validated, even with a GraphQL comment that editors and Prettier read.
 */
export const testDocumentsPluck = {
  modules: [
    { name: './generated/index.js', identifier: 'graphql' },
    { name: '../generated/index.js', identifier: 'graphql' },
  ],
  globalGqlIdentifierName: [],
  isGqlTemplateLiteral: () => false,
};

export default {
  projects: {
    operations: { schema: 'schema.graphql', documents: 'operations/**/*.graphql' },
    tests: {
      schema: 'schema.graphql',
      documents: 'test/**/*.ts',
      exclude: 'test/generated/**',
      extensions: { pluckConfig: testDocumentsPluck },
    },
  },
};
