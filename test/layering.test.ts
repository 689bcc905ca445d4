/** The lint rule that keeps the layers apart: core ↛ electron, renderer ↛ core, Node or Electron. */
import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

const eslint = new ESLint({ cwd: ROOT });

async function restricted(file: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return res!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('wrong-way imports are lint errors', () => {
  it.each([
    ['src/main/core/vse/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/main/core/x.ts', "import { x } from '../../renderer/src/api';\nexport const a = x;\n"],
    ['src/renderer/src/x.ts', "import { train } from '../../main/core/vse/train';\nexport const a = train;\n"],
    ['src/renderer/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"],
    ['src/renderer/src/x.ts', "import { readFileSync } from 'fs';\nexport const a = readFileSync;\n"],
    ['src/renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n"],
    ['src/shared/x.ts', "import { join } from 'node:path';\nexport const a = join;\n"],
  ])('%s: %s', async (file, code) => {
    expect((await restricted(file, code)).length).toBe(1);
  });

  it.each([
    ['src/main/index.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/main/core/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"],
    ['src/renderer/src/x.ts', "import type { GlimpseApi } from '../../shared/contract';\nexport type A = GlimpseApi;\n"],
  ])('allowed: %s', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
