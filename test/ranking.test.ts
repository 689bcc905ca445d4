/** Keyword ranking rules: stop words never match, short words match whole words only. */
import { describe, it, expect, afterAll } from 'vitest';
import { LibraryStore, type NewPhoto } from '../src/core/library/store.js';
import { Searcher } from '../src/core/search/search.js';
import type { Embedder } from '../src/core/engine/runtime/embedder.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function photo(rootId: number, name: string, title: string): NewPhoto {
  return {
    root_id: rootId,
    path: `/photos/${name}`,
    folder: '.',
    name,
    size: 1,
    mtime_ms: 0,
    hash: name,
    format: 'jpeg',
    width: 1,
    height: 1,
    taken_at: null,
    camera_make: null,
    camera_model: null,
    lat: null,
    lon: null,
    title,
    description: null,
    keywords: null,
  };
}

describe('keyword matches', () => {
  it('"a cat" matches the cat, not "an astronaut" through the stop word "a"', () => {
    const store = LibraryStore.open(tmp.dir);
    const root = store.addRoot('/photos');
    const v = new Float32Array([1, 0]);
    store.upsertPhoto(photo(root, 'IMG_0001.jpg', 'an astronaut in a space suit'), v, 'm');
    const cat = store.upsertPhoto(photo(root, 'IMG_0002.jpg', 'the cat on the sofa'), v, 'm');
    store.upsertPhoto(photo(root, 'IMG_0003.jpg', 'catalogue of tools'), v, 'm');
    const searcher = new Searcher(store, { id: 'm', dim: 2 } as Embedder);
    // "cat" is short: a whole word, so "catalogue" does not match it either.
    expect(searcher.keywordHits('a cat', {}, 10).map((h) => h.id)).toEqual([cat]);
    expect(searcher.keywordHits('the a of', {}, 10)).toEqual([]);
    // Longer words still match as prefixes ("astro" → astronaut).
    expect(searcher.keywordHits('astro', {}, 10)).toHaveLength(1);
    store.close();
  });
});
