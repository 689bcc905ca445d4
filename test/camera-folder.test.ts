/**
 * The first-run complaint, as a test: a folder of real photographs named as a camera
 * names them (IMG_0001.jpg …) is indexed with the shipped model, and described searches find
 * them. Photos: Debian darknet's and scikit-image's (scripts/dev/test-photos.sh). The file names
 * say nothing, so only the model's similarity and its detector's tags can pass it.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import type { EngineApi } from '../src/core/app/api.js';
import { CAPTION_FLOOR } from '../src/core/captions/captions.js';
import { ok, tempDir, describeIf } from './helpers.js';
import { DARKNET, SKIMAGE, havePhotos, indexCameraFolder } from './camera-photos.js';

/** What each photo shows, by the name the test knows it by; the library only sees IMG_ names. */
const PHOTOS: Record<string, string> = {
  dog: join(DARKNET, 'dog.jpg'),
  eagle: join(DARKNET, 'eagle.jpg'),
  giraffe: join(DARKNET, 'giraffe.jpg'),
  horses: join(DARKNET, 'horses.jpg'),
  kite: join(DARKNET, 'kite.jpg'),
  person: join(DARKNET, 'person.jpg'),
  cat: join(SKIMAGE, 'chelsea.png'),
  coffee: join(SKIMAGE, 'coffee.png'),
  astronaut: join(SKIMAGE, 'astronaut.png'),
  rocket: join(SKIMAGE, 'rocket.jpg'),
  motorcycle: join(SKIMAGE, 'motorcycle_left.png'),
};
const have = havePhotos(...Object.values(PHOTOS));

const tmp = tempDir();
const pathOf = new Map<string, string>();
let api: EngineApi;

beforeAll(async () => {
  if (!have) return;
  const indexed = await indexCameraFolder(tmp.dir, Object.values(PHOTOS));
  api = indexed.api;
  Object.keys(PHOTOS).forEach((subject, i) => pathOf.set(indexed.paths[i]!, subject));
}, 240_000);
afterAll(() => {
  api?.close();
  tmp.cleanup();
});

describeIf(have, 'the real test photos are not fetched (bash scripts/dev/test-photos.sh)')(
  'a folder of camera-named real photos',
  () => {
    const subjects = async (query: string, n: number) =>
      ok(await api.search({ query, limit: n })).results.map((r) => pathOf.get(r.path));

    it('finds each subject first by a plain description', async () => {
      expect(await subjects('a cat', 1)).toEqual(['cat']);
      expect((await subjects('puppy', 2)).sort()).toEqual(['dog', 'person']);
      expect(await subjects('a cup of coffee', 1)).toEqual(['coffee']);
      expect(await subjects('a motorcycle', 1)).toEqual(['motorcycle']);
      expect(await subjects('a bird', 1)).toEqual(['eagle']);
    });

    it('shows each photo only captions it stands behind: from its detections, or scored above the floor', async () => {
      for (const [path, subject] of pathOf) {
        const { captions } = ok(await api.photo({ path }));
        const shown = captions.filter((c) => c.confident);
        for (const c of shown)
          expect(c.source === 'tags' || c.score >= CAPTION_FLOOR, `${subject}: ${c.text}`).toBe(true);
        // The astronaut's bank captions once named a real person; none may be shown as its caption.
        if (subject === 'astronaut') expect(shown.filter((c) => c.source === 'bank')).toEqual([]);
        // The detector is unsure of the cat (below the caption's tag floor): better no caption than a wrong one.
        if (subject === 'cat') for (const c of shown) expect(c.text).toMatch(/\bcats?\b|animal/);
      }
    });

    it('captions each photo from a bank of its subjects, the ones naming its detected objects first', async () => {
      const bank = [
        'a dog',
        'an eagle',
        'a giraffe',
        'two horses',
        'a kite',
        'a cat',
        'a cup of coffee',
        'a motorcycle',
      ];
      const paths = [...pathOf.keys()];
      const captioned = ok(await api.caption({ paths, bank, limit: bank.length, tagRanked: true })).photos;
      const subjectOf = (path: string) => pathOf.get(path)!;
      const first = Object.fromEntries(captioned.map((p) => [subjectOf(p.path), p.captions[0]!]));
      expect(first.dog).toMatchObject({ text: 'a dog', tag: 'dog' });
      expect(first.horses!.text).toBe('two horses');
      expect(first.motorcycle).toMatchObject({ text: 'a motorcycle', tag: 'motorcycle' });
      expect(first.coffee!.text).toBe('a cup of coffee');
      // By the model's score alone: in score order, and nothing is marked as a tag match.
      const byModel = ok(await api.caption({ paths, bank, limit: bank.length, tagRanked: false })).photos;
      for (const p of byModel) {
        const scores = p.captions.map((c) => c.score);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
        expect(p.captions.filter((c) => c.tag)).toEqual([]);
      }
    });
  },
);
