/**
 * Each model's caption and "no good match" floors: the shipped kind keeps its tuned ones; an
 * imported model's are its kind's until the library can measure them, then sit where chance ends
 * for that model's own scores. Two libraries whose vectors score like CLIP (high, tight) and like
 * VSE++ (centred on zero, wide) get floors that differ, each checked against an independent
 * computation of the median and spread.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { LibraryStore } from '../src/core/store/store.js';
import {
  CAPTION_FLOOR,
  GOOD_MATCH,
  MIN_MEASURED_PHOTOS,
  captionFloorOf,
  floorsOf,
  measureFloors,
} from '../src/core/captions/floors.js';
import { isWeak, type SearchHit } from '../src/core/search/search.js';
import { isConfident } from '../src/core/captions/captions.js';
import { Rng } from '../src/core/base/rng.js';
import { newPhoto } from '../tools/photo-row.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const DIM = 32;

/** n unit vectors: a shared direction with weight `common`, plus Gaussian noise. */
function vectors(n: number, common: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const rnd = () => rng.next();
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: DIM }, (_, d) => (d === 0 ? common : 0) + gauss() / Math.sqrt(DIM));
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

function library(name: string, images: Float32Array[], modelId: string): LibraryStore {
  const store = LibraryStore.open(`${tmp.dir}/${name}`);
  const root = store.addRoot(`/photos-${name}`);
  images.forEach((v, i) => store.upsertPhoto(newPhoto(root, `/photos-${name}/IMG_${i}.jpg`), v, modelId));
  return store;
}

/** The scores' median and MAD-based spread, computed here without the library under test. */
function chance(images: Float32Array[], texts: Float32Array[]): { median: number; spread: number } {
  const s: number[] = [];
  for (const a of images) for (const b of texts) s.push(a.reduce((acc, x, d) => acc + x * b[d]!, 0));
  const mid = (xs: number[]) => {
    const o = [...xs].sort((x, y) => x - y);
    return o.length % 2 ? o[(o.length - 1) / 2]! : (o[o.length / 2 - 1]! + o[o.length / 2]!) / 2;
  };
  const median = mid(s);
  return { median, spread: 1.4826 * mid(s.map((x) => Math.abs(x - median))) };
}

const flat = (vs: Float32Array[]) => Float32Array.from(vs.flatMap((v) => [...v]));
const hit = (score: number): SearchHit => ({ id: 1, path: '/p', hash: 'h', score, keyword: false, fused: score });

describe('model floors', () => {
  it("keeps the shipped kind's tuned floors; an imported kind starts from its own", () => {
    const store = library('priors', vectors(3, 0, 1), 'm');
    expect(floorsOf(store, 'm', 'glimpse-vse')).toMatchObject({ caption: CAPTION_FLOOR, goodMatch: GOOD_MATCH });
    const clip = floorsOf(store, 'm', 'onnx-clip');
    const vsepp = floorsOf(store, 'm', 'vsepp-released');
    expect(clip.basis).toBe('prior');
    expect(new Set([CAPTION_FLOOR, clip.caption, vsepp.caption]).size).toBe(3);
    // Too few photos to measure: the prior stays, and is recorded for reads without the model.
    expect(measureFloors(store, 'm', 'onnx-clip', flat(vectors(50, 0, 2)), DIM)).toMatchObject({ basis: 'prior' });
    expect(captionFloorOf(store, 'm')).toBe(clip.caption);
    expect(captionFloorOf(store, 'never-seen')).toBe(CAPTION_FLOOR);
    store.close();
  });

  it('measures where chance ends for each model, and the two kinds get different floors', () => {
    const n = MIN_MEASURED_PHOTOS + 10;
    // CLIP-like: every image and text shares a direction, so unrelated pairs score about 0.2.
    const clipImages = vectors(n, 0.5, 3);
    const clipTexts = vectors(400, 0.5, 4);
    // VSE++-like: unrelated pairs centre on 0 with a wide spread.
    const vseImages = vectors(n, 0, 5);
    const vseTexts = vectors(400, 0, 6);
    const clipStore = library('clip', clipImages, 'clip-1');
    const vseStore = library('vse', vseImages, 'vse-1');
    const clip = measureFloors(clipStore, 'clip-1', 'onnx-clip', flat(clipTexts), DIM);
    const vse = measureFloors(vseStore, 'vse-1', 'vsepp-released', flat(vseTexts), DIM);

    for (const [f, c] of [
      [clip, chance(clipImages, clipTexts)],
      [vse, chance(vseImages, vseTexts)],
    ] as const) {
      expect(f).toMatchObject({ basis: 'measured', photos: n });
      expect(f.goodMatch).toBeCloseTo(c.median + 2.5 * c.spread, 4);
      expect(f.caption).toBeCloseTo(c.median + 4 * c.spread, 4);
    }
    expect(clip.goodMatch).toBeGreaterThan(vse.goodMatch);
    expect(clip.caption - clip.goodMatch).toBeLessThan(vse.caption - vse.goodMatch);
    // Stored: later reads (and the photo view, by the caption's model id) use them.
    expect(floorsOf(clipStore, 'clip-1', 'onnx-clip')).toEqual(clip);
    expect(captionFloorOf(vseStore, 'vse-1')).toBe(vse.caption);

    // The same score is a good match for one model and not for the other.
    const between = (clip.goodMatch + vse.goodMatch) / 2;
    expect(isWeak([hit(between)], clip.goodMatch)).toBe(true);
    expect(isWeak([hit(between)], vse.goodMatch)).toBe(false);
    const caption = { text: 'a dog', score: (clip.caption + vse.caption) / 2, source: 'bank' as const };
    expect(isConfident(caption, clip.caption)).not.toBe(isConfident(caption, vse.caption));

    // Not measured again until the library has doubled.
    expect(measureFloors(clipStore, 'clip-1', 'onnx-clip', flat(vectors(400, 0.9, 7)), DIM)).toEqual(clip);
    clipStore.close();
    vseStore.close();
  });
});
