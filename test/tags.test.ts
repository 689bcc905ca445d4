/**
 * Tags from the shipped model's detector, on real photographs with known objects (Debian
 * darknet's test photos, copied under neutral names), and search through them: "puppy" finds the
 * dog photos, "animal" finds animals, each hit marked with its tag.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createEngineApi, type EngineApi } from '../src/core/app/api.js';
import type { Result } from '../src/shared/contract.js';
import { ROOT, tempDir } from './helpers.js';

const DATA = join(ROOT, 'test', 'artifacts', 'darknet', 'usr', 'share', 'darknet', 'data');
const have = existsSync(join(DATA, 'dog.jpg'));
if (!have && process.env.GLIMPSE_REQUIRE_PHOTOS === '1') {
  throw new Error(`${DATA}: missing; run scripts/test-photos.sh`);
}

/** Each photo with the objects darknet's own demo finds in it. */
const PHOTOS: [string, string[]][] = [
  ['dog.jpg', ['dog', 'bicycle', 'car']],
  ['eagle.jpg', ['bird']],
  ['giraffe.jpg', ['giraffe', 'zebra']],
  ['horses.jpg', ['horse']],
  ['kite.jpg', ['person', 'kite']],
  ['person.jpg', ['person', 'dog', 'horse']],
];

const tmp = tempDir();
const file = (i: number) => join(tmp.dir, 'photos', `IMG_${String(i + 1).padStart(4, '0')}.jpg`);
let api: EngineApi;

function ok<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  if (!have) return;
  mkdirSync(join(tmp.dir, 'photos'));
  PHOTOS.forEach(([name], i) => copyFileSync(join(DATA, name), file(i)));
  api = createEngineApi({ dataDir: join(tmp.dir, 'data') });
  ok(await api.index({ folders: [join(tmp.dir, 'photos')] }));
}, 240_000);
afterAll(() => {
  api?.close();
  tmp.cleanup();
});

describe.skipIf(!have)('tags from the detector on real photos', () => {
  it('tags every photo with the objects it shows, and the photo view lists them', async () => {
    for (const [i, [name, objects]] of PHOTOS.entries()) {
      const tags = ok(await api.photo({ path: file(i) })).tags.map((t) => t.label);
      expect(tags, name).toEqual(expect.arrayContaining(objects));
    }
    expect(ok(await api.status({})).counts.tagged).toBe(PHOTOS.length);
  });

  it('finds photos through their tags by WordNet relatives, marked with the tag', async () => {
    const top = async (query: string, n: number) => ok(await api.search({ query, limit: n })).results;
    const dogs = [file(0), file(5)];
    const puppy = await top('puppy', 2);
    expect(puppy.map((r) => r.path).sort()).toEqual(dogs.sort());
    expect(puppy.every((r) => r.tag?.includes('dog'))).toBe(true);
    const animals = [file(1), file(2), file(3), file(5), file(0)];
    for (const r of await top('animal', 4)) expect(animals).toContain(r.path);
    expect((await top('a person with a kite', 1))[0]!.path).toBe(file(4));
    // The --tag filter: only photos holding a horse.
    const horses = ok(await api.search({ query: 'photo', tag: 'horse', limit: 10 })).results.map((r) => r.path);
    expect(horses.sort()).toEqual([file(3), file(5)].sort());
  });

  it('leaves no tensors behind after a search', async () => {
    await api.search({ query: 'warm up' });
    const before = tf.memory().numTensors;
    await api.search({ query: 'a dog on a bicycle' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
