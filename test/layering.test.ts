/**
 * The lint rules that keep the layers apart (README, "Layout"): each core layer imports only
 * downward, front ends see only app and transport, the renderer only src/shared, SQL only in the
 * store files. Each wrong-way import below must be an error, each right-way one must pass.
 */
import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

// The snippets are not files in a tsconfig, so the type-aware rules (not under test here) are off.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    languageOptions: { parserOptions: { project: null } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
});
const RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

async function restricted(file: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return res!.messages.filter((m) => m.ruleId !== null && RULES.has(m.ruleId)).map((m) => m.message);
}

const use = (what: string, from: string) => `import { ${what} } from '${from}';\nexport const a = ${what};\n`;

describe('wrong-way imports are lint errors', () => {
  it.each([
    ['an engine file importing library', 'src/core/engine/x.ts', use('LibraryStore', '../library/store.js')],
    ['an engine file importing app', 'src/core/engine/data/x.ts', use('defaultDataDir', '../../app/paths.js')],
    ['an engine file importing Electron', 'src/core/engine/x.ts', use('app', 'electron')],
    ['a library file importing search', 'src/core/library/x.ts', use('Searcher', '../search/search.js')],
    ['a library file importing app', 'src/core/library/x.ts', use('Library', '../app/library.js')],
    ['a search file importing app', 'src/core/search/x.ts', use('Jobs', '../app/jobs.js')],
    ['an app file importing transport', 'src/core/app/x.ts', use('serveRpc', '../transport/rpc.js')],
    ['transport importing the engine', 'src/core/transport/x.ts', use('loadBundle', '../engine/bundle.js')],
    ['a core file importing a front end', 'src/core/app/x.ts', use('x', '../../renderer/src/api')],
    ['a front end importing a store', 'src/cli/x.ts', use('LibraryStore', '../core/library/store.js')],
    ['the Electron main process importing a store', 'src/main/x.ts', use('LibraryStore', '../core/library/store.js')],
    ['web mode importing the engine', 'src/web/x.ts', use('initBackend', '../core/engine/tf/backend.js')],
    ['web mode importing search', 'src/web/x.ts', use('Searcher', '../core/search/search.js')],
    ['the renderer importing core', 'src/renderer/src/x.ts', use('train', '../../core/engine/train')],
    ['the renderer importing app', 'src/renderer/src/x.ts', use('createEngineApi', '../../core/app/api')],
    ['the renderer importing node:fs', 'src/renderer/src/x.ts', use('readFileSync', 'node:fs')],
    ['the renderer importing fs', 'src/renderer/src/x.ts', use('readFileSync', 'fs')],
    ['the renderer importing Electron', 'src/renderer/src/x.ts', use('ipcRenderer', 'electron')],
    ['shared importing Node', 'src/shared/x.ts', use('join', 'node:path')],
    [
      'SQL outside the store files',
      'src/core/search/x.ts',
      'export const f = (db: { prepare(s: string): unknown }) => db.prepare("SELECT 1");\n',
    ],
    ['the database driver outside the store files', 'src/core/library/x.ts', use('Database', 'better-sqlite3')],
  ])('%s', async (_what, file, code) => {
    expect((await restricted(file, code)).length).toBe(1);
  });

  it.each([
    ['Electron in the main process', 'src/main/index.ts', use('app', 'electron')],
    ['the main process importing transport', 'src/main/x.ts', use('serveRpc', '../core/transport/rpc.js')],
    ['the CLI importing app', 'src/cli/x.ts', use('createEngineApi', '../core/app/api.js')],
    ['library importing the engine', 'src/core/library/x.ts', use('GlimpseError', '../engine/errors.js')],
    ['search importing library', 'src/core/search/x.ts', use('LibraryStore', '../library/store.js')],
    ['app importing search', 'src/core/app/x.ts', use('Searcher', '../search/search.js')],
    ['transport importing app', 'src/core/transport/x.ts', use('createEngineApi', '../app/api.js')],
    ['core using Node', 'src/core/engine/x.ts', use('readFileSync', 'node:fs')],
    ['a store file using SQL', 'src/core/library/store.ts', use('Database', 'better-sqlite3')],
    [
      'the renderer importing the contract',
      'src/renderer/src/x.ts',
      "import type { GlimpseApi } from '../../shared/contract';\nexport type A = GlimpseApi;\n",
    ],
  ])('allowed: %s', async (_what, file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
