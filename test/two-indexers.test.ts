/**
 * Two indexers on one data dir (two `glimpse index` processes at once): both finish, and the
 * photos are embedded once: the second waits for the first, then finds them indexed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { withIndexLock } from '../src/core/indexing/index-lock.js';
import { join } from 'node:path';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { makePhotoFixture, type PhotoFixture } from './library-fixture.js';
import { trainTinyModel } from './tiny-model.js';
import { ROOT, tempDir } from './helpers.js';

const tmp = tempDir();
let fx: PhotoFixture;
let model: string;
const dataDir = join(tmp.dir, 'data');

function indexInChild(): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src', 'cli', 'main.ts'),
        'index',
        fx.root,
        '--json',
        '--model',
        model,
        '--data-dir',
        dataDir,
      ],
      { cwd: ROOT },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

beforeAll(async () => {
  await initBackend('wasm');
  model = await trainTinyModel(tmp.dir);
  fx = await makePhotoFixture(join(tmp.dir, 'photos'));
}, 240_000);
afterAll(() => tmp.cleanup());

describe('two indexers on one data dir', () => {
  it('both finish, and each photo is embedded once', async () => {
    const runs = await Promise.all([indexInChild(), indexInChild()]);
    for (const r of runs) expect(r.code, r.err).toBe(0);
    const summaries = runs.map(
      (r) => JSON.parse(r.out.trim().split('\n').pop()!) as { indexed: number; skipped: number },
    );
    expect(summaries.map((s) => s.indexed).sort()).toEqual([0, fx.good.length]);
    expect(summaries.find((s) => s.indexed === 0)!.skipped).toBe(fx.good.length);
  }, 120_000);

  it('takes over a lock left by a process that died (kill -9), instead of waiting on it', async () => {
    const dir = join(tmp.dir, 'stale');
    mkdirSync(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    writeFileSync(join(dir, 'index.lock'), JSON.stringify({ pid: dead, host: hostname(), since: 'then' }));
    const waited: number[] = [];
    const r = await withIndexLock(dir, async () => 'ran', { onWait: (h) => waited.push(h.pid) });
    expect([r, waited, existsSync(join(dir, 'index.lock'))]).toEqual(['ran', [], false]);
  });
});
