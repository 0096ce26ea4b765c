import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// Bare module names only (a regex, so a relative `../events/model` is not mistaken for `events`).
const NODE_OR_NATIVE =
  '^(electron(/.*)?|node:.*|(fs|path|os|net|tls|http|https|crypto|child_process|events|stream|url|util|worker_threads)(/.*)?|better-sqlite3|aedes|mqtt|ws|fastify|@fastify/.*|serialport)$';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['scripts/**/*.{js,mjs}', '*.config.{js,ts}', 'bench/**', 'tests/**', 'e2e/**'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: NODE_OR_NATIVE, message: 'src-shared is pure: no Node, Electron or native imports.' },
            {
              group: ['**/src-main/**', '**/src-renderer/**', '../../src-main/*', '../../src-renderer/*'],
              message: 'src-shared may not reach into main or renderer.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: NODE_OR_NATIVE,
              message: 'The renderer has no Node: talk to the core through the Bridge.',
            },
            { group: ['**/src-main/**'], message: 'The renderer may not import main-process code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The core never imports electron; only src-main/electron does.' },
          ],
        },
      ],
    },
  },
);
