/**
 * The catalog answers before the model has loaded: on a fresh start, browsing, albums, settings,
 * the photo view and the user's captions need no model, while search waits for it. The model here
 * is the tiny test bundle behind a load that takes seconds, as the shipped one does on a slow disk.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { createEngineApi, type EngineApi } from '../src/core/app/api.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import type { Result } from '../src/shared/contract.js';
import { trainTinyModel } from './tiny-model.js';
import { makeUiFixture, type UiFixture } from './ui-fixture.js';
import { tempDir, ok } from './helpers.js';

const tmp = tempDir();
const dataDir = join(tmp.dir, 'data');
const SLOW_LOAD_MS = 4000;
let fx: UiFixture;
let embedder: Embedder;
let tiny: string;

/** Runs `call` and returns its value with the milliseconds it took. */
async function timed<T>(call: () => Promise<Result<T>>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = ok(await call());
  return { value, ms: performance.now() - start };
}

beforeAll(async () => {
  await initBackend('wasm');
  tiny = await trainTinyModel(tmp.dir, 0);
  embedder = bundleEmbedder(await loadBundle(tiny));
  fx = await makeUiFixture(join(tmp.dir, 'photos'));
  const first = createEngineApi({ dataDir, embedder });
  ok(await first.index({ folders: [fx.root] }));
  ok(await first.createAlbum({ name: 'Red things', label: 'red circle' }));
  first.close();
}, 240_000);
afterAll(() => {
  embedder?.dispose();
  tmp.cleanup();
});

describe('a fresh start with a slow model load', () => {
  let api: EngineApi;
  afterAll(() => api?.close());

  it('answers browse, albums, settings, the photo view and caption edits in under 200 ms; search waits for the model', async () => {
    let loads = 0;
    api = createEngineApi({
      dataDir,
      loadEmbedder: async () => {
        loads++;
        await new Promise((r) => setTimeout(r, SLOW_LOAD_MS));
        // A model the app loaded is the app's to release when it closes.
        return bundleEmbedder(await loadBundle(tiny));
      },
    });
    const started = performance.now();
    let searchDone = 0;
    const search = api.search({ query: 'red circle' }).then((r) => {
      searchDone = performance.now() - started;
      return r;
    });

    const browse = await timed(() => api.browse({}));
    expect(browse.value.total).toBe(fx.red.length + fx.blue.length + fx.other.length);
    const albums = await timed(() => api.albums({}));
    expect(albums.value.albums.map((a) => a.name)).toEqual(['Red things']);
    const settings = await timed(() => api.settings({}));
    expect(settings.value.roots).toHaveLength(1);
    const photo = await timed(() => api.photo({ path: fx.red[0]! }));
    // The captions stored at index time come with the photo view, without the model.
    expect(photo.value.captions.length).toBeGreaterThan(0);
    const caption = await timed(() => api.setCaption({ path: fx.red[0]!, caption: 'the first red disc' }));
    const add = await timed(() => api.addToAlbum({ id: albums.value.albums[0]!.id, photos: [photo.value.id] }));
    expect(add.value.count).toBe(1);

    for (const t of [browse, albums, settings, photo, caption, add]) expect(t.ms).toBeLessThan(200);
    expect(searchDone).toBe(0); // the model is still loading
    const hits = ok(await search);
    expect(hits.results.length).toBeGreaterThan(0);
    expect(searchDone).toBeGreaterThanOrEqual(SLOW_LOAD_MS - 50);
    // The caption edit's background re-caption and the search shared one model load.
    ok(await api.search({ query: 'blue square' }));
    expect(loads).toBe(1);
  });

  it('names its phases while it works: loading the model, (scanning,) embedding, preparing captions, captioning, reading text, finding faces', async () => {
    const fresh = createEngineApi({
      dataDir: join(tmp.dir, 'phases'),
      loadEmbedder: async () => {
        await new Promise((r) => setTimeout(r, 500));
        return bundleEmbedder(await loadBundle(tiny));
      },
    });
    const phases: string[] = [];
    ok(
      await fresh.index(
        { folders: [fx.root] },
        { onProgress: (p) => phases.at(-1) !== p.phase && phases.push(p.phase) },
      ),
    );
    fresh.close();
    // 'loading model' is said at once, not after the load; a small folder scans too fast to report.
    expect(phases.filter((p) => p !== 'scanning')).toEqual([
      'starting',
      'loading model',
      'embedding',
      // A new library embeds the model's caption bank first, with its own progress.
      'preparing captions',
      'captioning',
      'reading text',
      // Faces are on by default, and found last.
      'finding faces',
    ]);
  });
});
