/**
 * A caption-bank edit (a user's caption, an album label) re-captions only the photos whose
 * captions it changes, and what it stores equals captioning them afresh. Vectors are set by hand
 * (a stub embedder), so which photos an edit touches is known exactly.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { LibraryStore } from '../src/core/store/store.js';
import { CaptionBank } from '../src/core/captions/captions.js';
import type { Embedder } from '../src/core/runtime/embedder.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { tempDir } from './helpers.js';
import { newPhoto } from '../tools/photo-row.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const unit = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs, (x) => x / n);
};
/** Directions: photos A, B, C point along the first three axes; the fourth is nobody's. */
const VECTORS: Record<string, Float32Array> = {
  'a dog sleeping on a sofa': unit(1, 0, 0, 0.1),
  'a cat sitting in the sun': unit(0, 1, 0, 0.1),
  'a red car parked on a street': unit(0, 0, 1, 0.1),
  'a bowl of fresh fruit': unit(0.2, 0.2, 0.2, 1),
  'a mountain lake at dawn': unit(0.1, 0.1, 0.1, 1),
  'our kitten on the windowsill': unit(0, 1, 0, 0), // an edit close to photo B only
  'grandma waving from the porch': unit(-1, -1, -1, 0), // an edit close to nobody
};

const stub: Embedder = {
  id: 'stub-model',
  dim: 4,
  preprocess: {} as Embedder['preprocess'],
  captionBank: Object.keys(VECTORS).slice(0, 5),
  imageRuntime: 'none',
  embedImages: () => Promise.reject(new Error('not used')),
  embedTexts: async (texts) => {
    const out = new Float32Array(texts.length * 4);
    texts.forEach((t, i) => out.set(VECTORS[t] ?? unit(0, 0, 0, 1), i * 4));
    return out;
  },
  dispose: () => undefined,
};

describe('a replacement caption bank', () => {
  it('is embedded once for many photos, and not again for the same texts in a later call', async () => {
    await initBackend('cpu');
    const store = LibraryStore.open(join(tmp.dir, 'replacement'));
    const embedded: number[] = [];
    const counting: Embedder = {
      ...stub,
      embedTexts: (texts) => {
        embedded.push(texts.length);
        return stub.embedTexts(texts);
      },
    };
    const texts = Object.keys(VECTORS);
    const cache = join(tmp.dir, 'replacement', 'cache');
    const first = new CaptionBank(store, counting, texts, cache);
    for (const v of [unit(1, 0, 0, 0), unit(0, 1, 0, 0), unit(0, 0, 1, 0)]) await first.captionVectors(v, 1, 2);
    first.dispose();
    expect(embedded).toEqual([texts.length]);
    const again = new CaptionBank(store, counting, texts, cache);
    expect((await again.captionVectors(unit(1, 0, 0, 0), 1, 1))[0]![0]!.text).toBe('a dog sleeping on a sofa');
    again.dispose();
    expect(embedded).toEqual([texts.length]);
    // Other texts are another bank.
    const other = new CaptionBank(store, counting, texts.slice(1), cache);
    await other.captionVectors(unit(1, 0, 0, 0), 1, 1);
    other.dispose();
    expect(embedded).toEqual([texts.length, texts.length - 1]);
    store.close();
  });
});

describe('caption refresh after a bank edit', () => {
  it('re-captions only the photos an added text would enter, and stores what a fresh run would', async () => {
    await initBackend('cpu');
    const store = LibraryStore.open(join(tmp.dir, 'data'));
    const root = store.addRoot('/p');
    const ids = [unit(1, 0, 0, 0), unit(0, 1, 0, 0), unit(0, 0, 1, 0)].map((v, i) =>
      store.upsertPhoto(newPhoto(root, `/p/IMG_000${i}.jpg`, { hash: `h${i}` }), v, stub.id),
    );
    const bank = new CaptionBank(store, stub);
    expect(await bank.refresh(2)).toBe(3);

    store.albums.setCaption(ids[2]!, 'grandma waving from the porch'); // scores below every photo's captions
    expect(await bank.refresh(2)).toBe(0);
    store.albums.setCaption(ids[0]!, 'our kitten on the windowsill'); // beats photo B's second caption only
    expect(await bank.refresh(2)).toBe(1);
    expect(bank.stored(ids[1]!).map((c) => c.text)).toContain('our kitten on the windowsill');

    // Every photo's stored captions equal captioning it afresh with the current bank.
    for (const [i, id] of ids.entries()) {
      const fresh = await bank.captionVectors([unit(1, 0, 0, 0), unit(0, 1, 0, 0), unit(0, 0, 1, 0)][i]!, 1, 2, [
        bank.evidence(id),
      ]);
      expect(bank.stored(id).map((c) => c.text)).toEqual(fresh[0]!.map((c) => c.text));
    }
    bank.dispose();
    store.close();
  });

  it('ranks bank captions naming a detected object first, marks them, and keeps refresh exact', async () => {
    await initBackend('cpu');
    const store = LibraryStore.open(join(tmp.dir, 'tagged'));
    const root = store.addRoot('/q');
    // Photo 0 is nearest the car caption (below the floor) but the detector found a dog; photo 1
    // has no objects.
    const dogPhoto = store.upsertPhoto(newPhoto(root, '/q/IMG_0001.jpg', { hash: 't0' }), unit(0, 0, 1, -2), stub.id, [
      { label: 'dog', confidence: 0.6, count: 1 },
    ]);
    const plain = store.upsertPhoto(newPhoto(root, '/q/IMG_0002.jpg', { hash: 't1' }), unit(0, 0, 1, -2), stub.id);
    const bank = new CaptionBank(store, stub);
    await bank.refresh(5);
    const dog = bank.stored(dogPhoto).filter((c) => c.source === 'bank');
    expect(dog[0]).toMatchObject({ text: 'a dog sleeping on a sofa', tag: 'dog' });
    expect(dog[1]!.text).toBe('a red car parked on a street');
    expect(dog[1]!.tag).toBeUndefined();
    // Without objects, the model's order alone.
    expect(bank.stored(plain)[0]!.text).toBe('a red car parked on a street');
    // The captions built from the objects stay first: they are confident.
    expect(bank.stored(dogPhoto)[0]).toMatchObject({ text: 'a dog', source: 'tags' });

    // A user's caption naming a kind of cat enters only where a cat was detected, and what refresh
    // keeps equals a fresh run.
    const catPhoto = store.upsertPhoto(newPhoto(root, '/q/IMG_0003.jpg', { hash: 't2' }), unit(0, 0, 1, -2), stub.id, [
      { label: 'cat', confidence: 0.5, count: 1 },
    ]);
    await bank.refresh(5);
    store.albums.setCaption(plain, 'our kitten on the windowsill');
    await bank.refresh(5);
    expect(bank.stored(catPhoto).find((c) => c.tag === 'cat')?.text).toBe('our kitten on the windowsill');
    for (const id of [dogPhoto, plain, catPhoto]) {
      const fresh = await bank.captionVectors(store.vector(id, stub.id)!, 1, 5, [bank.evidence(id)]);
      expect(bank.stored(id)).toEqual(fresh[0]);
    }
    bank.dispose();
    store.close();
  });
});
