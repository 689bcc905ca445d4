/**
 * Tags from the shipped model's detector, on real photographs with known objects (Debian
 * darknet's test photos, copied under neutral names), and search through them: "puppy" finds the
 * dog photos, "animal" finds animals, each hit marked with its tag.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EngineApi } from '../src/core/app/api.js';
import { ROOT, ok, tempDir, describeIf } from './helpers.js';
import { DARKNET, havePhotos, indexCameraFolder } from './camera-photos.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder } from '../src/core/runtime/embedder.js';
import { pooledEmbedder } from '../src/core/runtime/embed-pool.js';
import { decodePhoto } from '../src/core/indexing/decode.js';

const have = havePhotos(join(DARKNET, 'dog.jpg'));

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
let api: EngineApi;
let paths: string[] = [];
const file = (i: number) => paths[i]!;

beforeAll(async () => {
  if (!have) return;
  ({ api, paths } = await indexCameraFolder(
    tmp.dir,
    PHOTOS.map(([name]) => join(DARKNET, name)),
  ));
}, 240_000);
afterAll(() => {
  api?.close();
  tmp.cleanup();
});

describeIf(have, 'the real test photos are not fetched (bash scripts/dev/test-photos.sh)')(
  'tags from the detector on real photos',
  () => {
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

    it('counts the objects and sizes them: several horses, a crowd on the beach, one dog', async () => {
      const tag = async (i: number, label: string) =>
        ok(await api.photo({ path: file(i) })).tags.find((t) => t.label === label)!;
      expect((await tag(3, 'horse')).count).toBeGreaterThanOrEqual(3);
      expect((await tag(4, 'person')).count).toBeGreaterThanOrEqual(3);
      expect((await tag(4, 'kite')).count).toBeGreaterThanOrEqual(2);
      for (const [i, label] of [
        [0, 'dog'],
        [1, 'bird'],
        [2, 'giraffe'],
        [5, 'person'],
      ] as const)
        expect((await tag(i, label)).count, `${PHOTOS[i]![0]} ${label}`).toBe(1);
      // The eagle fills much of its photo; each person on the beach is a speck.
      expect((await tag(1, 'bird')).area).toBeGreaterThan(0.2);
      expect((await tag(4, 'person')).area).toBeLessThan(0.05);
    });

    it('uses counts in search and in captions: "a group of people", "a person with a dog"', async () => {
      const top = async (query: string) => ok(await api.search({ query, limit: 3 })).results;
      const group = await top('a group of people');
      expect(group[0]!.path).toBe(file(4));
      expect(group[0]!.tag).toMatch(/person ×\d/);
      expect((await top('a person with a dog'))[0]!.path).toBe(file(5));
      expect((await top('several horses'))[0]!.path).toBe(file(3));
      const captions = ok(await api.photo({ path: file(4) })).captions.filter((c) => c.source === 'tags');
      expect(captions.map((c) => c.text).join(' | ')).toMatch(/a group of people|(three|four) people/);
    });

    it('tags the same on the worker-pool fallback as on the main thread', async () => {
      const dir = join(ROOT, 'resources', 'models', 'default');
      const base = bundleEmbedder(await loadBundle(dir));
      const pooled = pooledEmbedder(bundleEmbedder(await loadBundle(dir)), dir, 2);
      const photo = await decodePhoto(join(DARKNET, 'person.jpg'), base.preprocess, join(tmp.dir, 'thumbs'));
      const px = new Float32Array(2 * photo.pixels.length);
      px.set(photo.pixels, 0);
      px.set(photo.pixels, photo.pixels.length);
      const want = await base.embedAndTag!(px, 2);
      const got = await pooled.embedAndTag!(px, 2);
      expect(pooled.id).toBe(base.id);
      expect(got.tags.map((t) => t.map((x) => [x.label, x.count]))).toEqual(
        want.tags.map((t) => t.map((x) => [x.label, x.count])),
      );
      expect(got.tags[0]!.map((t) => t.label)).toEqual(expect.arrayContaining(['person', 'dog', 'horse']));
      pooled.dispose();
      base.dispose();
    }, 120_000);

    it('leaves no tensors behind after a search', async () => {
      await api.search({ query: 'warm up' });
      const before = tf.memory().numTensors;
      await api.search({ query: 'a dog on a bicycle' });
      expect(tf.memory().numTensors).toBe(before);
    });
  },
);
