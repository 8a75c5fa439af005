// `npm run lint`: typescript-eslint (type-aware) over the TypeScript and JavaScript, and
// @graphql-eslint validating the example operations and the tests' typed documents against the
// committed schema.graphql (graphql.config.ts says which documents there are).
import js from '@eslint/js';
import graphqlPlugin from '@graphql-eslint/eslint-plugin';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      '.data/',
      'scratch/',
      'src/generated/',
      'operations/generated/',
      'test/generated/',
    ],
  },
  {
    files: ['**/*.{ts,js}'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // tsconfig.json's program covers src, test, bench, scripts, prisma and the config files;
        // the few JavaScript files outside it get a default project of their own.
        projectService: { allowDefaultProject: ['eslint.config.js', 'stubs/*/index.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // As tsc's noUnusedParameters: a leading underscore marks a binding kept on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Yoga's hook payloads declare their callbacks (endResponse, setResponse, setExecuteFn) as methods
      // to be destructured, and the pg subclasses call super.query/connect with .call: every report was such a use.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // vitest's asymmetric matchers (expect.any, expect.objectContaining) are typed any, and tests put
      // them in the objects they expect.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  // The graphql() documents of test files, linted as GraphQL under their file's name.
  { files: ['test/**/*.ts'], processor: graphqlPlugin.processor },
  {
    files: ['operations/**/*.graphql', 'test/**/*.graphql'],
    languageOptions: { parser: graphqlPlugin.parser },
    plugins: { '@graphql-eslint': graphqlPlugin },
    rules: graphqlPlugin.configs['flat/operations-recommended'].rules,
  },
  {
    files: ['test/**/*.graphql'],
    rules: {
      // A client selects ids for its cache; a test selects what it asserts, and compares whole answers.
      '@graphql-eslint/require-selections': 'off',
      // Tests walk the graph as deep as the server takes (GRAPHQL_MAX_DEPTH's default).
      '@graphql-eslint/selection-set-depth': ['error', { maxDepth: 12 }],
    },
  },
);
