// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'packages/*/dist/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // src/config.ts reads the environment, once, validated; everything else is handed what it needs.
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts', 'src/testing/**', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment through src/config.ts.' },
      ],
    },
  },
  {
    // The client commands talk to a server over HTTP, with the SDK's contract; only `serve` builds one.
    files: ['src/cli/**/*.ts'],
    ignores: ['src/cli/commands/serve.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '../server/*',
            '../../server/*',
            '../storage/*',
            '../../storage/*',
            '../webhooks/*',
            '../../webhooks/*',
            '../domain/*',
            '../../domain/*',
          ],
        },
      ],
    },
  },
  {
    // The SDK is published alone and runs in browsers and edge runtimes: no Node built-ins, nothing of the server.
    files: ['packages/sdk/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', '../../../src/*', 'fastify', 'pg', 'better-sqlite3'] },
      ],
    },
  },
  {
    // @groupgate/sdk/testing is for Node test suites: Node built-ins, still nothing of the server, and the rest of
    // the SDK through its public entry points, as a user imports it.
    files: ['packages/sdk/src/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['../*', '../../../src/*', 'fastify', 'pg', 'better-sqlite3'] },
      ],
    },
  },
  {
    // The wire contract depends on nothing.
    files: ['packages/sdk/src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['../*'] }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: ['../storage/*', '../webhooks/*', '../server/*', '../cli/*', 'fastify', 'better-sqlite3'],
        },
      ],
    },
  },
  {
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '../server/*',
            '../../server/*',
            '../cli/*',
            '../../cli/*',
            '../webhooks/*',
            '../../webhooks/*',
            'fastify',
          ],
        },
      ],
    },
  },
  {
    // The server is started by the CLI, never the other way round.
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['../cli/*', '../../cli/*', '../../../cli/*'] }],
    },
  },
  {
    // The console runs in the browser and talks to the server only through the public API and the SDK.
    files: ['console/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', '../../src/*', '../src/*', 'fastify'] }],
    },
  },
  {
    // The delivery worker runs beside the HTTP server, not inside it.
    files: ['src/webhooks/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['../server/*', '../cli/*', 'fastify'] }],
    },
  },
);
