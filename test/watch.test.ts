/**
 * Folder watching, end to end through the API as the desktop app and web mode create it: photos
 * added, renamed and deleted in a library folder reach the library by themselves (inotify, and the
 * polling fallback when the watch budget is spent), status says how folders are followed, a full
 * index pauses the watcher, and a removed root is no longer watched.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import { createEngineApi, type EngineApi } from '../src/core/app/api.js';
import { shapeSvg } from './library-fixture.js';
import { trainTinyModel } from './tiny-model.js';
import { ok, tempDir } from './helpers.js';

const tmp = tempDir();
let embedder: Embedder;
beforeAll(async () => {
  await initBackend('wasm');
  embedder = bundleEmbedder(await loadBundle(await trainTinyModel(tmp.dir)));
}, 240_000);
afterAll(() => tmp.cleanup());

async function until(cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting for the library to follow the folder');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The library's photos, as paths relative to the root. */
async function photos(api: EngineApi, root: string): Promise<string[]> {
  return ok(await api.browse({ limit: 100 }))
    .photos.map((p) => p.path.slice(root.length + 1))
    .sort();
}

describe.each([
  ['inotify watching', { debounceMs: 200 }, /^watching 2 folders for changes$/],
  [
    'polling fallback (watch budget spent)',
    { debounceMs: 50, maxWatches: 0, rescanMs: 300 },
    /^checking for changes every 1 min \(\d\+ folders exceed the 0 watches budget\)$/,
  ],
] as const)('%s', (name, opts, says) => {
  it('follows photos added, renamed and deleted on disk, and says so in status', async () => {
    const root = join(tmp.dir, `root-${name.split(' ')[0]}`);
    const dataDir = join(tmp.dir, `data-${name.split(' ')[0]}`);
    mkdirSync(join(root, 'sub'), { recursive: true });
    await sharp(shapeSvg('red', 'circle')).jpeg().toFile(join(root, 'IMG_0001.jpg'));
    const api = createEngineApi({ dataDir, embedder, ocr: null, watch: opts });
    try {
      ok(await api.index({ folders: [root] }));
      expect(await photos(api, root)).toEqual(['IMG_0001.jpg']);
      expect(ok(await api.status({})).watching).toMatch(says);

      await sharp(shapeSvg('blue', 'square'))
        .jpeg()
        .toFile(join(root, 'sub', 'IMG_0002.jpg'));
      await until(async () => (await photos(api, root)).includes('sub/IMG_0002.jpg'));

      const before = ok(await api.browse({ limit: 100 })).photos.find((p) => p.path.endsWith('IMG_0001.jpg'))!;
      renameSync(join(root, 'IMG_0001.jpg'), join(root, 'sub', 'IMG_0003.jpg'));
      await until(async () => (await photos(api, root)).join() === 'sub/IMG_0002.jpg,sub/IMG_0003.jpg');
      // A rename is a move: the same photo (its id, albums and captions) at its new path.
      const after = ok(await api.browse({ limit: 100 })).photos.find((p) => p.path.endsWith('IMG_0003.jpg'))!;
      expect(after.id).toBe(before.id);

      rmSync(join(root, 'sub', 'IMG_0002.jpg'));
      await until(async () => (await photos(api, root)).join() === 'sub/IMG_0003.jpg');
      // Each change was indexed as a job the Jobs page lists.
      expect(ok(await api.jobs({})).jobs.some((j) => /changed on disk/.test(j.title))).toBe(true);
    } finally {
      api.close();
    }
  });
});

describe('watching and the rest of the app', () => {
  it('stops watching a removed folder, and watches nothing in the CLI', async () => {
    const root = join(tmp.dir, 'root-removed');
    const dataDir = join(tmp.dir, 'data-removed');
    mkdirSync(root, { recursive: true });
    await sharp(shapeSvg('green', 'circle')).jpeg().toFile(join(root, 'IMG_0001.jpg'));
    const api = createEngineApi({ dataDir, embedder, ocr: null, watch: { debounceMs: 100 } });
    try {
      ok(await api.index({ folders: [root] }));
      expect(ok(await api.status({})).watching).toMatch(/^watching 1 folder for changes$/);
      ok(await api.removeRoot({ folder: root }));
      expect(ok(await api.status({})).watching).toBe('off');
      await sharp(shapeSvg('red', 'square')).jpeg().toFile(join(root, 'IMG_0002.jpg'));
      await new Promise((r) => setTimeout(r, 1000));
      expect(ok(await api.browse({ limit: 10 })).total).toBe(0);
    } finally {
      api.close();
    }
    const cli = createEngineApi({ dataDir, embedder, ocr: null });
    expect(ok(await cli.status({})).watching).toBe('off');
    cli.close();
  });

  it('waits while a full index runs, then indexes the change', async () => {
    const root = join(tmp.dir, 'root-paused');
    const dataDir = join(tmp.dir, 'data-paused');
    mkdirSync(root, { recursive: true });
    await sharp(shapeSvg('red', 'circle')).jpeg().toFile(join(root, 'IMG_0001.jpg'));
    const api = createEngineApi({ dataDir, embedder, ocr: null, watch: { debounceMs: 50 } });
    try {
      ok(await api.index({ folders: [root] }));
      await new Promise((r) => setTimeout(r, 300));
      // A full index that sees the new photo itself; the watcher's run waits for it to end.
      await sharp(shapeSvg('blue', 'circle')).jpeg().toFile(join(root, 'IMG_0002.jpg'));
      const full = api.index({ folders: [] });
      ok(await full);
      const watcherDone = async () =>
        ok(await api.jobs({})).jobs.some((j) => /changed on disk/.test(j.title) && j.state === 'done');
      await until(watcherDone);
      const jobs = ok(await api.jobs({})).jobs.filter((j) => j.state === 'done');
      const fullJob = jobs.find((j) => j.title === 'Indexing the library')!;
      for (const j of jobs.filter((x) => /changed on disk/.test(x.title)))
        expect(j.startedAt >= fullJob.endedAt! || j.endedAt! <= fullJob.startedAt).toBe(true);
      expect(fullJob.summary).toMatch(/^1 indexed/);
      expect(ok(await api.browse({ limit: 10 })).total).toBe(2);
    } finally {
      api.close();
    }
  });
});
