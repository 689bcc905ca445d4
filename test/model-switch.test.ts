/**
 * Switching models while the library is in use: search keeps answering on the previous model's
 * vectors until the new model has embedded every photo, then moves in one step; a cancelled
 * switch puts the previous model back, and adopting the new one again resumes without redoing the
 * photos it finished. The new model's image embedding is held at a gate, so the test decides when
 * the re-embedding moves on.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { createEngineApi, type EngineApi } from '../src/core/app/api.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle, readManifest } from '../src/core/vse/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import { trainTinyModel } from './tiny-model.js';
import { makeUiFixture, type UiFixture } from './ui-fixture.js';
import { tempDir, ok, withRawDb } from './helpers.js';

const tmp = tempDir();
const dataDir = join(tmp.dir, 'data');
let a: string;
let b: string;
let fx: UiFixture;
let api: EngineApi;
let photos = 0;

/** Image batches of the gated model wait here; `open` lets `n` more through (Infinity: all). */
const gate = {
  id: '',
  allowed: 0,
  calls: 0,
  waiting: [] as (() => void)[],
  open(n: number) {
    this.allowed += n;
    while (this.waiting.length && this.allowed > 0) {
      this.allowed--;
      this.waiting.shift()!();
    }
  },
  async pass(id: string) {
    if (id !== this.id) return;
    this.calls++;
    if (this.allowed > 0) {
      this.allowed--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  },
};

function gated(e: Embedder): Embedder {
  return {
    ...e,
    id: e.id,
    async embedImages(pixels, n) {
      await gate.pass(e.id);
      return e.embedImages(pixels, n);
    },
    embedAndTag: undefined,
  };
}

async function until(what: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const job = async (id: string) => ok(await api.jobs({})).jobs.find((j) => j.id === id)!;
const vectorsBy = () =>
  withRawDb(dataDir, (db) =>
    Object.fromEntries(
      (
        db.prepare('SELECT model_id, count(*) n FROM embeddings GROUP BY model_id').all() as {
          model_id: string;
          n: number;
        }[]
      ).map((r) => [r.model_id, r.n]),
    ),
  );

beforeAll(async () => {
  await initBackend('wasm');
  a = await trainTinyModel(tmp.dir, 0);
  b = await trainTinyModel(tmp.dir, 1);
  fx = await makeUiFixture(join(tmp.dir, 'photos'));
  api = createEngineApi({ dataDir, loadEmbedder: async (dir) => gated(bundleEmbedder(await loadBundle(dir))) });
  ok(await api.adoptModel({ path: a }));
  photos = ok(await api.index({ folders: [fx.root] })).indexed;
  expect(photos).toBeGreaterThan(20);
}, 300_000);
afterAll(() => {
  gate.open(Infinity);
  api?.close();
  tmp.cleanup();
});

describe('a model switch', () => {
  const idA = () => readManifest(a).id;
  const idB = () => readManifest(b).id;

  it('keeps search on the previous model until the new one has every photo, then moves at once', async () => {
    gate.id = idB();
    gate.open(1);
    const { model, reembedJob } = ok(await api.adoptModel({ path: b }));
    expect(model).toBe(idB());
    await until(async () => gate.waiting.length > 0);

    // Mid-switch: one batch of the new model is in, the rest waits; search answers on the old vectors.
    const mid = ok(await api.search({ query: 'red circle', limit: 100 }));
    expect(mid.model).toBe(idA());
    expect(mid.results.length).toBeGreaterThan(0);
    const status = ok(await api.status({}));
    expect(status.model).toBe(idB());
    expect(status.switching).toMatchObject({ from: idA(), searchable: photos });
    expect(status.counts.embedded).toBeGreaterThan(0);
    expect(status.counts.stale).toBeGreaterThan(0);
    expect(vectorsBy()[idA()]).toBe(photos);
    // The previous model can't be discarded while search depends on it.
    expect(await api.discardModel({ path: status.switching!.fromDir })).toMatchObject({
      ok: false,
      error: { code: 'unavailable' },
    });

    gate.open(Infinity);
    await until(async () => (await job(reembedJob!)).state !== 'running');
    expect((await job(reembedJob!)).state).toBe('done');
    const after = ok(await api.search({ query: 'red circle', limit: 100 }));
    expect(after.model).toBe(idB());
    expect(after.results.length).toBe(mid.results.length);
    expect(ok(await api.status({})).switching).toBeNull();
    // The previous model's vectors went with the switch.
    expect(vectorsBy()).toEqual({ [idB()]: photos });
  });

  it('cancelled, puts the previous model back; adopting again resumes where it stopped', async () => {
    const previous = ok(await api.model({})).candidates.find((c) => c.id === idA())!;
    gate.id = idA();
    gate.calls = 0;
    gate.allowed = 0;
    const { reembedJob } = ok(await api.adoptModel({ path: previous.path }));
    await until(async () => gate.waiting.length > 0);
    ok(await api.cancelJob({ id: reembedJob! }));
    gate.open(1); // the batch in flight finishes and is kept
    await until(async () => (await job(reembedJob!)).state !== 'running');
    expect((await job(reembedJob!)).state).toBe('cancelled');

    const m = ok(await api.model({}));
    expect(m.id).toBe(idB());
    expect(ok(await api.status({})).switching).toBeNull();
    expect(ok(await api.search({ query: 'red circle' })).model).toBe(idB());
    const kept = vectorsBy()[idA()]!;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(photos);
    expect(vectorsBy()[idB()]).toBe(photos);

    // Adopting it again embeds only the photos it had not finished.
    const again = m.candidates.find((c) => c.id === idA())!;
    gate.calls = 0;
    gate.open(Infinity);
    const resumed = ok(await api.adoptModel({ path: again.path }));
    await until(async () => (await job(resumed.reembedJob!)).state !== 'running');
    expect((await job(resumed.reembedJob!)).summary).toContain(`${photos - kept} re-embedded`);
    expect(vectorsBy()).toEqual({ [idA()]: photos });
    expect(ok(await api.search({ query: 'red circle' })).model).toBe(idA());
  });
});
