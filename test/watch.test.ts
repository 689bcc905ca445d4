/** Watching roots: changes reach the index by themselves, and the polling fallback works too. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { initBackend } from '../src/core/engine/tf/backend.js';
import { loadBundle } from '../src/core/engine/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/engine/runtime/embedder.js';
import { LibraryStore } from '../src/core/library/store.js';
import { Library } from '../src/core/app/library.js';
import { LibraryWatcher } from '../src/core/library/watch.js';
import { shapeSvg } from './library-fixture.js';
import { trainTinyModel } from './tiny-model.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
let embedder: Embedder;
beforeAll(async () => {
  await initBackend('wasm');
  embedder = bundleEmbedder(await loadBundle(await trainTinyModel(tmp.dir)));
}, 240_000);
afterAll(() => tmp.cleanup());

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for the index to catch up');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each([
  ['inotify watching', { debounceMs: 200 }, 'watching'],
  ['polling fallback (watch budget exhausted)', { debounceMs: 50, maxWatches: 0, rescanMs: 300 }, 'polling'],
] as const)('%s', (_name, opts, mode) => {
  it('indexes added photos and drops deleted ones', async () => {
    const root = join(tmp.dir, `root-${mode}`);
    const dataDir = join(tmp.dir, `data-${mode}`);
    mkdirSync(join(root, 'sub'), { recursive: true });
    await sharp(shapeSvg('red', 'circle')).jpeg().toFile(join(root, 'first.jpg'));
    const lib = new Library({ store: LibraryStore.open(dataDir), embedder, dataDir });
    await lib.index([root]);
    const w = new LibraryWatcher(lib, opts);
    await w.start();
    expect(w.mode).toBe(mode);
    await sharp(shapeSvg('blue', 'square'))
      .jpeg()
      .toFile(join(root, 'sub', 'added.jpg'));
    await until(() => lib.store.photoByPath(join(root, 'sub', 'added.jpg')) !== undefined);
    rmSync(join(root, 'first.jpg'));
    await until(() => lib.store.photoByPath(join(root, 'first.jpg')) === undefined);
    await w.stop();
    lib.close();
  });
});
