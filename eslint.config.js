// Lint, including the layering rule: core never imports Electron, the renderer (and the shared
// contract it reads) never import core, preload, Electron or Node built-ins.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));

const rendererImports = {
  paths: [
    { name: 'electron', message: 'The renderer talks to the app only through the API contract.' },
    ...nodeBuiltins.map((name) => ({ name, message: 'The renderer runs in a browser sandbox: no Node built-ins.' })),
  ],
  patterns: [
    { group: ['node:*'], message: 'The renderer runs in a browser sandbox: no Node built-ins.' },
    { group: ['**/main/**', '**/core/**', '**/preload/**', '**/cli/**'], message: 'The renderer sees only src/shared (the API contract).' },
  ],
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test/artifacts/**', '.tmp/**', 'resources/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['src/main/core/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'src/main/core is pure Node: it runs under tests, the CLI and web mode.' }],
        patterns: [{ group: ['**/renderer/**', '**/preload/**', '**/main/index*', '../../index*'], message: 'Core must not depend on front ends.' }],
      }],
    },
  },
  {
    files: ['src/web/**', 'src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The CLI and web mode run without Electron.' }] }] },
  },
  {
    files: ['src/renderer/**', 'src/shared/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', rendererImports] },
  },
);
