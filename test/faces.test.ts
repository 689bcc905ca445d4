/**
 * Faces found and grouped into people, on ../shared/fixtures/faces-london (60 people × 2 studio
 * photos and 8 photos of one woman, CC BY 4.0; read where it is, never committed): every studio
 * face is found, once; the grouping keeps people apart (pair precision 1) and finds most of each
 * person (BCubed F1 ≥ 0.95); a face turned or small in a large photo is still found; tensors do
 * not leak. The speed and quality tables are `npm run bench -- faces`.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadFaceModels, type FaceModels } from '../src/core/faces/models.js';
import { findFaces, type Rgb } from '../src/core/faces/detect.js';
import { alignedCrop, describeFaces } from '../src/core/faces/describe.js';
import { groupFaces, groupingScores, PeopleNearby } from '../src/core/faces/group.js';
import { clusterFaces } from '../src/core/faces/cluster.js';
import { ROOT, describeIf, tempDir } from './helpers.js';
import { onnxRuntimeAvailable } from '../src/core/runtime/backbones/onnx-runtime.js';
import { faceReader, MIN_SHARPNESS } from '../src/core/faces/reader.js';

const PHOTOS = join(ROOT, '..', 'shared', 'fixtures', 'faces-london', 'photos');

async function rgb(input: string | Buffer): Promise<Rgb> {
  const { data, info } = await sharp(input)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

describeIf(existsSync(PHOTOS), `faces: no fixture at ${PHOTOS}`)('faces and people', () => {
  let models: FaceModels;
  const files = existsSync(PHOTOS) ? readdirSync(PHOTOS).sort() : [];
  const descriptors: Float32Array[] = [];
  const people: string[] = [];

  beforeAll(async () => {
    await initBackend('wasm');
    models = await loadFaceModels();
  });
  afterAll(() => models?.dispose());

  it('finds every studio face once, and describes it', async () => {
    const before = tf.memory().numTensors;
    for (const f of files) {
      const img = await rgb(join(PHOTOS, f));
      const faces = await findFaces(models, img);
      expect(faces, f).toHaveLength(1);
      const face = faces[0]!;
      // The box is on the face: inside the photo, a fair part of it, with the eyes in its upper half.
      expect(face.box[2]).toBeGreaterThan(img.width / 8);
      const [re, le] = face.landmarks;
      expect(re![1]).toBeLessThan(face.box[1] + face.box[3] * 0.6);
      expect(re![0]).toBeLessThan(le![0]);
      const [d] = await describeFaces(models, [alignedCrop(img, face)]);
      expect(d).toHaveLength(1024);
      descriptors.push(d!);
      people.push(f.replace(/_.*$/, ''));
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('groups them into people: never two people as one, most of each person together', () => {
    const groups = groupFaces(descriptors);
    const s = groupingScores(groups, people);
    expect(s.pairPrecision).toBe(1);
    expect(s.f1).toBeGreaterThanOrEqual(0.95);
    // A new photo of someone already grouped joins them, without grouping everything again.
    const lisa = people.map((p, i) => (p === 'lisa' ? i : -1)).filter((i) => i >= 0);
    const nearby = new PeopleNearby();
    groups.forEach((g, p) => g.forEach((i) => i !== lisa[0] && nearby.add(p, descriptors[i]!)));
    const joined = nearby.nearest(descriptors[lisa[0]!]!);
    expect(joined).not.toBeNull();
    expect(groups[joined!]!.some((i) => people[i] === 'lisa')).toBe(true);
    // …unless the user said that face is not them.
    expect(nearby.nearest(descriptors[lisa[0]!]!, new Set([joined!]))).toBeNull();
  });

  it('regroups them as the app does, within the same floors, keeping what the user fixed', async () => {
    const before = tf.memory().numTensors;
    const dim = descriptors[0]!.length;
    const vectors = new Float32Array(descriptors.length * dim);
    descriptors.forEach((d, i) => vectors.set(d, i * dim));
    const free = new Int32Array(descriptors.length).fill(-1);
    const slots = await clusterFaces({ vectors, dim, fixed: free, fixedPeople: 0 });
    const groups = new Map<number, number[]>();
    slots.forEach((s, i) => groups.set(s, [...(groups.get(s) ?? []), i]));
    const s = groupingScores([...groups.values()], people);
    expect(s.pairPrecision).toBe(1);
    expect(s.f1).toBeGreaterThanOrEqual(0.95);
    // The user put two different people's faces together as one person (slot 0) and said a
    // third face is not that person: the regroup keeps the first, and honours the second.
    const [a, b, c] = [0, 2, 1];
    expect(people[a]).not.toBe(people[b]);
    expect(people[c]).toBe(people[a]);
    const fixed = free.slice();
    fixed[a] = 0;
    fixed[b] = 0;
    const ruled = await clusterFaces({ vectors, dim, fixed, fixedPeople: 1, notIn: new Map([[c, new Set([0])]]) });
    expect(ruled[a]).toBe(0);
    expect(ruled[b]).toBe(0);
    expect(ruled[c]).not.toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps a tiny or very blurred face, but does not group it into people', async () => {
    const tmp = tempDir();
    try {
      const reader = faceReader(models);
      const photo = join(PHOTOS, files[0]!);
      const blurred = join(tmp.dir, 'IMG_0001.jpg');
      const tiny = join(tmp.dir, 'IMG_0002.jpg');
      await sharp(photo).blur(8).toFile(blurred);
      // The photo small in a large grey frame: its face about 30 px wide as read.
      await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#888' } })
        .composite([{ input: await sharp(photo).resize(80, 80).toBuffer(), left: 700, top: 500 }])
        .jpeg()
        .toFile(tiny);
      const [clear] = await reader.read(photo);
      expect(clear).toMatchObject({ groupable: true });
      expect(clear!.quality.sharpness).toBeGreaterThanOrEqual(MIN_SHARPNESS);
      expect(Math.abs(clear!.quality.yaw)).toBeLessThan(0.2);
      const [soft] = await reader.read(blurred);
      expect(soft).toMatchObject({ groupable: false });
      expect(soft!.quality.sharpness).toBeLessThan(MIN_SHARPNESS);
      const small = await reader.read(tiny);
      expect(small.length).toBeLessThanOrEqual(1);
      for (const f of small) expect(f.groupable).toBe(false);
    } finally {
      tmp.cleanup();
    }
  }, 60_000);

  it('finds small, turned and dark faces in a large group photo', async () => {
    const W = 2400;
    const H = 1600;
    const layers: OverlayOptions[] = [];
    const centres: [number, number][] = [];
    const looks = [
      { size: 120, turn: 0, dark: false },
      { size: 160, turn: 20, dark: false },
      { size: 200, turn: 0, dark: true },
      { size: 260, turn: -15, dark: false },
    ];
    for (const [i, look] of looks.entries()) {
      let face = sharp(join(PHOTOS, files[i * 9]!)).resize(look.size * 2, look.size * 2);
      if (look.dark) face = face.modulate({ brightness: 0.45 });
      if (look.turn) face = face.rotate(look.turn, { background: '#8a8478' });
      const buf = await face.png().toBuffer();
      const { width = 0, height = 0 } = await sharp(buf).metadata();
      const left = 150 + i * 560;
      const top = i % 2 ? 800 : 200;
      layers.push({ input: buf, left, top });
      centres.push([left + width / 2, top + height / 2]);
    }
    const photo = await sharp({ create: { width: W, height: H, channels: 3, background: '#8a8478' } })
      .composite(layers)
      .removeAlpha()
      .jpeg()
      .toBuffer();
    const faces = await findFaces(models, await rgb(photo));
    for (const [x, y] of centres)
      expect(
        faces.some(
          (f) => x > f.box[0] && x < f.box[0] + f.box[2] * 1.5 && Math.abs(y - (f.box[1] + f.box[3] / 2)) < f.box[3],
        ),
      ).toBe(true);
    expect(faces.length).toBeLessThanOrEqual(centres.length);
  }, 120_000);

  it('reads a panorama by its area: its people are large enough to be grouped', async () => {
    const tmp = tempDir();
    try {
      const pano = join(tmp.dir, 'IMG_0003.jpg');
      // 4800 × 1000 with two people about 120 px across their faces.
      await sharp({ create: { width: 4800, height: 1000, channels: 3, background: '#8a8478' } })
        .composite([
          { input: await sharp(join(PHOTOS, files[0]!)).resize(320, 320).toBuffer(), left: 900, top: 450 },
          { input: await sharp(join(PHOTOS, files[9]!)).resize(320, 320).toBuffer(), left: 3500, top: 250 },
        ])
        .jpeg()
        .toFile(pano);
      const faces = await faceReader(models).read(pano);
      expect(faces.map((f) => f.groupable)).toEqual([true, true]);
      // Boxes in the photo's own pixels: one person in each half.
      expect(faces.map((f) => f.box[0] < 2400).sort()).toEqual([false, true]);
    } finally {
      tmp.cleanup();
    }
  }, 60_000);

  it('finds the same faces and descriptors on tfjs as on onnxruntime, whose translation is cached', async () => {
    if ((await onnxRuntimeAvailable()) !== true) {
      if (process.env.GLIMPSE_REQUIRE_ORT) throw new Error('onnxruntime-node is required here');
      return;
    }
    const tmp = tempDir();
    const onTfjs = await loadFaceModels({ runtime: 'tfjs' });
    try {
      const onOrt = await loadFaceModels({ cacheDir: tmp.dir });
      expect(onOrt.runtime).toMatch(/^onnxruntime/);
      onOrt.dispose();
      expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.onnx'))).toHaveLength(2);
      // The second load opens the cached translations.
      const cached = await loadFaceModels({ cacheDir: tmp.dir });
      const before = tf.memory().numTensors;
      // A close-up (seen whole) and a large photo with a small face (seen in the detail pass too).
      const large = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#8a8478' } })
        .composite([{ input: await sharp(join(PHOTOS, files[3]!)).resize(200, 200).toBuffer(), left: 900, top: 500 }])
        .jpeg()
        .toBuffer();
      for (const input of [join(PHOTOS, files[0]!), large]) {
        const img = await rgb(input);
        const [a, b] = [await findFaces(cached, img), await findFaces(onTfjs, img)];
        expect(a).toHaveLength(b.length);
        expect(a.length).toBeGreaterThan(0);
        a.forEach((f, i) => f.box.forEach((v, k) => expect(v).toBeCloseTo(b[i]!.box[k]!, 1)));
        const [da, db] = [
          await describeFaces(cached, [alignedCrop(img, a[0]!)]),
          await describeFaces(onTfjs, [alignedCrop(img, b[0]!)]),
        ];
        expect(da[0]!.reduce((s, v, k) => s + v * db[0]![k]!, 0)).toBeGreaterThan(0.9999);
      }
      expect(tf.memory().numTensors).toBe(before);
      cached.dispose();
    } finally {
      onTfjs.dispose();
      tmp.cleanup();
    }
  }, 120_000);

  it('refuses an image whose bytes do not match its size', async () => {
    await expect(findFaces(models, { data: new Uint8Array(10), width: 100, height: 100 })).rejects.toThrow(
      /not an RGB image/,
    );
  });
});
