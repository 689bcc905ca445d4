/**
 * The lint rules that keep the layers apart (docs/ARCHITECTURE.md): each core layer imports only
 * downward, front ends see only app and transport, the renderer only src/shared, SQL only in
 * src/core/store. Every wrong-way import between two layers must be an error, every right-way one
 * must pass, and every folder of src/core must be a layer the rule knows.
 */
import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.js';
// @ts-expect-error: the lint config is plain JavaScript, with no type declarations.
import { LAYERS as LAYER_LIST } from '../eslint.config.js';

const LAYERS = LAYER_LIST as string[];

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

const pairs = (below: boolean) =>
  LAYERS.flatMap((from, i) =>
    LAYERS.filter((_, j) => (below ? j < i : j > i)).map((to) => [from, to] as [string, string]),
  );
// transport carries app to the front ends: of the core it sees app alone.
const allowed = (from: string, to: string) => from !== 'transport' || to === 'app';

describe('the core layers', () => {
  it('every folder of src/core is a layer in the lint rule', () => {
    const folders = readdirSync(join(ROOT, 'src/core'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.sort()).toEqual([...LAYERS].sort());
  });

  it('no folder holds more than 30% of the core', () => {
    const lines = (dir: string) =>
      readdirSync(join(ROOT, 'src/core', dir), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.ts'))
        .reduce((n, e) => n + readFileSync(join(e.parentPath, e.name), 'utf8').split('\n').length, 0);
    const sizes = LAYERS.map((l) => [l, lines(l)] as const);
    const total = sizes.reduce((n, [, k]) => n + k, 0);
    for (const [layer, n] of sizes) expect([layer, n / total < 0.3]).toEqual([layer, true]);
  });

  it.each(pairs(false))('a %s file importing %s is refused', async (from, to) => {
    const msgs = await restricted(`src/core/${from}/x.ts`, use('thing', `../${to}/y.js`));
    expect(msgs.length).toBe(1);
  });

  it.each(pairs(true).filter(([f, t]) => !allowed(f, t)))(
    'a %s file importing %s is refused (transport sees app only)',
    async (from, to) => {
      expect((await restricted(`src/core/${from}/x.ts`, use('thing', `../${to}/y.js`))).length).toBe(1);
    },
  );

  it.each(pairs(true).filter(([f, t]) => allowed(f, t)))('a %s file may import %s', async (from, to) => {
    expect(await restricted(`src/core/${from}/x.ts`, use('thing', `../${to}/y.js`))).toEqual([]);
  });
});

describe('wrong-way imports are lint errors', () => {
  it.each([
    ['a base file importing Electron', 'src/core/base/x.ts', use('app', 'electron')],
    ['a vse file in a subfolder importing app', 'src/core/vse/data/x.ts', use('defaultDataDir', '../../app/paths.js')],
    ['a core file importing a front end', 'src/core/app/x.ts', use('x', '../../renderer/src/api')],
    ['a front end importing a store', 'src/cli/x.ts', use('LibraryStore', '../core/store/store.js')],
    ['the Electron main process importing a store', 'src/main/x.ts', use('LibraryStore', '../core/store/store.js')],
    ['web mode importing the runtime', 'src/web/x.ts', use('initBackend', '../core/runtime/tf/backend.js')],
    ['web mode importing search', 'src/web/x.ts', use('Searcher', '../core/search/search.js')],
    ['the CLI importing indexing', 'src/cli/x.ts', use('IndexPipeline', '../core/indexing/pipeline.js')],
    ['the renderer importing core', 'src/renderer/src/x.ts', use('train', '../../core/vse/train')],
    ['the renderer importing app', 'src/renderer/src/x.ts', use('createEngineApi', '../../core/app/api')],
    ['the renderer importing node:fs', 'src/renderer/src/x.ts', use('readFileSync', 'node:fs')],
    ['the renderer importing fs', 'src/renderer/src/x.ts', use('readFileSync', 'fs')],
    ['the renderer importing Electron', 'src/renderer/src/x.ts', use('ipcRenderer', 'electron')],
    ['shared importing Node', 'src/shared/x.ts', use('join', 'node:path')],
    [
      'SQL outside the store',
      'src/core/search/x.ts',
      'export const f = (db: { prepare(s: string): unknown }) => db.prepare("SELECT 1");\n',
    ],
    ['the database driver outside the store', 'src/core/indexing/x.ts', use('Database', 'better-sqlite3')],
    ['a bench importing a model script', 'bench/x.ts', use('readCorpus', '../scripts/model/corpus.js')],
    ['a model script importing a bench', 'scripts/model/x.ts', use('printTable', '../../bench/query.js')],
    ['a shared tool importing a script', 'tools/x.ts', use('x', '../scripts/model/corpus.js')],
    ['a bench opening the database itself', 'bench/x.ts', use('Database', 'better-sqlite3')],
  ])('%s', async (_what, file, code) => {
    expect((await restricted(file, code)).length).toBe(1);
  });

  it.each([
    ['Electron in the main process', 'src/main/index.ts', use('app', 'electron')],
    ['the main process importing transport', 'src/main/x.ts', use('serveRpc', '../core/transport/rpc.js')],
    ['the CLI importing app', 'src/cli/x.ts', use('createEngineApi', '../core/app/api.js')],
    ['core using Node', 'src/core/vse/x.ts', use('readFileSync', 'node:fs')],
    ['a bench using a shared tool', 'bench/x.ts', use('printTable', '../tools/table.js')],
    ['a model script using a shared tool', 'scripts/model/x.ts', use('readCorpus', '../../tools/corpus.js')],
    ['a bench using the store', 'bench/x.ts', use('LibraryStore', '../src/core/store/store.js')],
    ['a store file using SQL', 'src/core/store/store.ts', use('Database', 'better-sqlite3')],
    [
      'the renderer importing the contract',
      'src/renderer/src/x.ts',
      "import type { GlimpseApi } from '../../shared/contract';\nexport type A = GlimpseApi;\n",
    ],
  ])('allowed: %s', async (_what, file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
