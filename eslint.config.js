import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { zonesPlugin } from './scripts/eslint/zones.js';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'test-reports/**',
    ],
  },
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
    // Layers as allow-lists per zone (scripts/eslint/zones.js): the store, the core, each
    // capability, the host, the simulator, the shell, the renderer and the pure shared layer.
    files: ['src-shared/**/*.{ts,tsx}', 'src-main/**/*.ts', 'src-renderer/**/*.{ts,tsx}'],
    plugins: { marshal: zonesPlugin },
    rules: { 'marshal/imports': 'error' },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
);
