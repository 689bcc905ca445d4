/** Keyword ranking rules: stop words never match, short words match whole words only. */
import { describe, it, expect, afterAll } from 'vitest';
import { LibraryStore, type NewPhoto } from '../src/core/store/store.js';
import { Searcher, isWeak, GOOD_MATCH, type SearchHit } from '../src/core/search/search.js';
import type { Embedder } from '../src/core/runtime/embedder.js';
import { tempDir } from './helpers.js';
import { newPhoto } from '../tools/photo-row.js';
import { countsInQuery } from '../src/core/language/count-words.js';
import { namedTags, tagVote } from '../src/core/tags/tag-evidence.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function photo(rootId: number, name: string, title: string | null, folder = '.'): NewPhoto {
  return newPhoto(rootId, `/photos/${folder}/${name}`, { folder, hash: name, title });
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

describe('ranking a person would trust', () => {
  it("a folder sharing one query word is no match; the photo's own words are", () => {
    const dir = tempDir();
    const store = LibraryStore.open(dir.dir);
    const root = store.addRoot('/photos');
    const v = new Float32Array([1, 0]);
    store.upsertPhoto(photo(root, 'IMG_0001.jpg', null, 'Space'), v, 'm');
    const astronaut = store.upsertPhoto(photo(root, 'IMG_0002.jpg', 'astronaut in a suit'), v, 'm');
    const both = store.upsertPhoto(photo(root, 'IMG_0003.jpg', null, 'space suit'), v, 'm');
    const searcher = new Searcher(store, { id: 'm', dim: 2 } as Embedder);
    const hits = searcher.keywordHits('a person in a space suit', {}, 10);
    expect(hits.map((h) => h.id)).toEqual([astronaut]);
    // Every word in a folder name is still a match, ahead of the photo with some of them.
    expect(searcher.keywordHits('space suit', {}, 10).map((h) => [h.id, h.all])).toEqual([
      [both, true],
      [astronaut, false],
    ]);
    store.close();
    dir.cleanup();
  });

  it('calls results weak only when nothing is a word or tag match or a good semantic match', () => {
    const hit = (score: number, extra: Partial<SearchHit> = {}): SearchHit => ({
      id: 1,
      path: '/p',
      hash: 'h',
      score,
      keyword: false,
      fused: 0,
      ...extra,
    });
    expect(isWeak([hit(GOOD_MATCH - 0.1), hit(0.1)])).toBe(true);
    expect(isWeak([hit(GOOD_MATCH + 0.01)])).toBe(false);
    expect(isWeak([hit(0.1, { tag: 'dog' })])).toBe(false);
    expect(isWeak([hit(0.1, { keyword: true })])).toBe(false);
    expect(isWeak([])).toBe(false);
  });

  it('ranks by one kind of evidence alone when asked: the model, word matches, or detected objects', async () => {
    const dir = tempDir();
    const store = LibraryStore.open(dir.dir);
    const root = store.addRoot('/photos');
    const near = store.upsertPhoto(photo(root, 'IMG_0001.jpg', null), new Float32Array([1, 0]), 'm');
    const dog = store.upsertPhoto(photo(root, 'IMG_0002.jpg', null), new Float32Array([0, 1]), 'm', [
      { label: 'dog', confidence: 0.9, count: 1 },
    ]);
    const titled = store.upsertPhoto(photo(root, 'IMG_0003.jpg', 'my puppy'), new Float32Array([0.6, 0.8]), 'm');
    const embedder = {
      id: 'm',
      dim: 2,
      embedTexts: async () => new Float32Array([1, 0]),
      knows: () => true,
    } as unknown as Embedder;
    const searcher = new Searcher(store, embedder);
    const ids = async (evidence?: ('semantic' | 'keywords' | 'tags')[]) =>
      (await searcher.search('puppy', { evidence })).map((h) => h.id);
    expect(await ids(['semantic'])).toEqual([near, titled, dog]);
    expect(await ids(['tags'])).toEqual([dog]);
    expect(await ids(['keywords'])).toEqual([titled]);
    expect((await ids()).slice(0, 2).sort()).toEqual([dog, titled].sort()); // fused: both kinds of match lead
    store.close();
    dir.cleanup();
  });
});

describe('objects a text names', () => {
  it('names a class by its noun, not by a word said mostly as an adjective before it', () => {
    const named = (t: string) => [...namedTags(t).keys()];
    expect(named('Black and white silhouette of a horse')).toEqual(['horse']);
    expect(named('a white dog')).toEqual(['dog']);
    expect(named('Greek coins from Pompeii')).toEqual([]);
    expect(named('a man with a horse')).toEqual(['person', 'horse']);
  });

  it("weighs a photo's tags by what the text names, the count it asks for and the confidence", () => {
    const tags = [
      { label: 'person', confidence: 0.5, count: 2 },
      { label: 'dog', confidence: 0.8, count: 1 },
    ];
    expect(tagVote(namedTags('two people and a dog'), tags)).toEqual({
      weight: 4 * 0.5 + 2 * 0.8,
      shown: ['person ×2', 'dog'],
    });
    // A count the photo lacks halves the vote: it holds people, just not a group.
    expect(tagVote(namedTags('a group of people'), tags).weight).toBeCloseTo(0.5);
    expect(tagVote(namedTags('an animal'), tags)).toEqual({ weight: 0.8, shown: ['dog'] });
    expect(tagVote(namedTags('a red car'), tags)).toEqual({ weight: 0, shown: [] });
  });
});

describe('counts in queries', () => {
  it('reads "two", digits, "a couple of" and "a group of" as counts of the next noun', () => {
    const counts = (q: string) => Object.fromEntries(countsInQuery(q));
    expect(counts('two people')).toEqual({ people: { min: 2, max: 2 } });
    expect(counts('3 horses in a field')).toEqual({ horses: { min: 3, max: 3 } });
    expect(counts('a couple of young cats')).toEqual({ cats: { min: 2, max: 2 } });
    expect(counts('a group of people')).toEqual({ people: { min: 3 } });
    expect(counts('a person with a dog')).toEqual({});
    expect(counts('1000000 people')).toEqual({});
  });

  it('"two people" puts the photo with two people first, then one, then a crowd; the hit says how many', async () => {
    const dir = tempDir();
    const store = LibraryStore.open(dir.dir);
    const root = store.addRoot('/photos');
    const v = new Float32Array([1, 0]);
    const person = (count: number, confidence: number) => [{ label: 'person', confidence, count }];
    const one = store.upsertPhoto(photo(root, 'IMG_0001.jpg', null), v, 'm', person(1, 0.9));
    const crowd = store.upsertPhoto(photo(root, 'IMG_0002.jpg', null), v, 'm', person(9, 0.8));
    const two = store.upsertPhoto(photo(root, 'IMG_0003.jpg', null), v, 'm', person(2, 0.5));
    // More confident single-person photos than the tag search reads: the pair must still be found.
    for (let i = 0; i < 150; i++) store.upsertPhoto(photo(root, `IMG_${1000 + i}.jpg`, null), v, 'm', person(1, 0.85));
    const embedder = { id: 'm', dim: 2, embedTexts: async () => v, knows: () => true } as unknown as Embedder;
    const searcher = new Searcher(store, embedder);
    const hits = await searcher.search('two people', { evidence: ['tags'] });
    expect(hits[0]!.id).toBe(two);
    expect(hits.slice(1, 3).map((h) => h.id)).not.toContain(crowd);
    expect(hits[0]!.tag).toBe('person ×2');
    const group = await searcher.search('a group of people', { evidence: ['tags'] });
    expect(group[0]!.id).toBe(crowd);
    // Without a count, the most confident tag leads.
    expect((await searcher.search('people', { evidence: ['tags'] }))[0]!.id).toBe(one);
    expect(store.search.tagged(['person'], 'm', {}, 5, new Map([['person', { min: 9 }]]))[0]!.id).toBe(crowd);
    store.close();
    dir.cleanup();
  });

  it('answers a query of words the model has never seen with keyword and tag matches only', async () => {
    const dir = tempDir();
    const store = LibraryStore.open(dir.dir);
    const root = store.addRoot('/photos');
    const v = new Float32Array([1, 0]);
    for (let i = 0; i < 5; i++) store.upsertPhoto(photo(root, `IMG_000${i}.jpg`, null), v, 'm');
    const named = store.upsertPhoto(photo(root, 'zzqx.jpg', null), v, 'm');
    const embedder = { id: 'm', dim: 2, embedTexts: async () => v, knows: () => false } as unknown as Embedder;
    const searcher = new Searcher(store, embedder);
    expect(await searcher.search('blorf quonk')).toEqual([]);
    expect((await searcher.search('zzqx')).map((h) => h.id)).toEqual([named]);
    store.close();
    dir.cleanup();
  });
});
