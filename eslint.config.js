// Lint, including the layering rules (docs/ARCHITECTURE.md): each core layer imports only the
// layers below it, front ends reach the core through app and transport only, the renderer sees
// only src/shared, and only src/core/store speaks SQL.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));

/** The core layers, bottom first: a layer may import those before it, never those after. */
export const LAYERS = [
  'base',
  'language',
  'vse',
  'interop',
  'tags',
  'runtime',
  'ocr',
  'faces',
  'places',
  'store',
  'albums',
  'captions',
  'search',
  'indexing',
  'app',
  'transport',
];
const FRONT_ENDS = ['main', 'preload', 'web', 'cli', 'renderer'];
/** The core layers a front end may import: the app, its transport, and base utilities (workers). */
const FRONT_END_LAYERS = ['base', 'app', 'transport'];

const noElectron = { name: 'electron', message: 'src/core is pure Node: it runs under tests, the CLI and web mode.' };
const noSqlite = {
  name: 'better-sqlite3',
  message: 'Only src/core/store holds the database.',
};

/** The import rule for one core layer. */
function layerRule(layer, { sql = false } = {}) {
  const above = LAYERS.slice(LAYERS.indexOf(layer) + 1);
  // transport carries the app to the front ends: it sees app and shared, nothing under app.
  const hidden = layer === 'transport' ? LAYERS.filter((l) => l !== 'app' && l !== 'transport') : [];
  const patterns = [
    ...above.map((l) => ({
      group: [`**/${l}/**`],
      message: `src/core/${layer} must not import src/core/${l}: layers import only downward.`,
    })),
    ...hidden.map((l) => ({
      group: [`**/${l}/**`],
      message: `src/core/transport sees only app and shared, not src/core/${l}.`,
    })),
    { group: FRONT_ENDS.map((f) => `**/${f}/**`), message: 'The core must not depend on front ends.' },
  ];
  return { 'no-restricted-imports': ['error', { paths: sql ? [noElectron] : [noElectron, noSqlite], patterns }] };
}

const frontEndImports = (extraPaths = []) => ({
  paths: extraPaths,
  patterns: [
    {
      group: LAYERS.filter((l) => !FRONT_END_LAYERS.includes(l)).map((l) => `**/core/${l}/**`),
      message: 'Front ends reach the core through src/core/app and src/core/transport (and base utilities) only.',
    },
  ],
});

const rendererImports = {
  paths: [
    { name: 'electron', message: 'The renderer talks to the app only through the API contract.' },
    ...nodeBuiltins.map((name) => ({ name, message: 'The renderer runs in a browser sandbox: no Node built-ins.' })),
  ],
  patterns: [
    { group: ['node:*'], message: 'The renderer runs in a browser sandbox: no Node built-ins.' },
    {
      group: ['**/main/**', '**/core/**', '**/preload/**', '**/cli/**', '**/web/**'],
      message: 'The renderer sees only src/shared (the API contract).',
    },
  ],
};

const STORE_FILES = ['src/core/store/**'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test/artifacts/**', '.tmp/**', 'resources/**', 'scratch/**'] },
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
  // Type-aware checks: a promise is awaited, returned or explicitly voided, never dropped.
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'tools/**/*.ts'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.node.json', './tsconfig.web.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  ...LAYERS.map((layer) => ({ files: [`src/core/${layer}/**`], rules: layerRule(layer) })),
  { files: STORE_FILES, rules: layerRule('store', { sql: true }) },
  // SQL lives in the store files: nothing else prepares a statement.
  {
    files: ['src/core/**'],
    ignores: STORE_FILES,
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='prepare']",
          message: 'SQL lives in src/core/store: call a store method.',
        },
      ],
    },
  },
  { files: ['src/main/**', 'src/preload/**'], rules: { 'no-restricted-imports': ['error', frontEndImports()] } },
  {
    files: ['src/web/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        frontEndImports([{ name: 'electron', message: 'The CLI and web mode run without Electron.' }]),
      ],
    },
  },
  {
    files: ['src/renderer/**', 'src/shared/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', rendererImports] },
  },
  // Tooling rooms: bench/ and scripts/ share their helpers through tools/, never each other, and
  // bench code reaches the database through the store.
  ...[
    ['bench', ['scripts', 'test']],
    ['scripts', ['bench', 'test']],
    ['tools', ['bench', 'scripts', 'test']],
  ].map(([room, others]) => ({
    files: [`${room}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ ...noSqlite, message: 'Tooling reaches the database through the store (src/core/store).' }],
          patterns: [
            {
              group: others.map((o) => `**/${o}/**`),
              message: `${room}/ must not import ${others.join(' or ')}/: shared helpers go in tools/.`,
            },
          ],
        },
      ],
    },
  })),
  // Layout is Prettier's (npm run format): stylistic lint rules that would fight it are off.
  prettier,
  ...svelte.configs['flat/prettier'],
);
