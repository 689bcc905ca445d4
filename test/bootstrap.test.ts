/**
 * Fine-tuning's measurement: the bootstrap interval of the recall gain, and the held-out choice
 * (enough photos, from every label).
 */
import { describe, it, expect } from 'vitest';
import { rsumGainInterval } from '../src/core/vse/bootstrap.js';
import { summarise, type RetrievalMetrics } from '../src/core/vse/eval.js';
import { holdOut } from '../src/core/app/training.js';
import { SkipReport } from '../src/core/vse/data/skips.js';
import type { PairDataset } from '../src/core/vse/data/dataset.js';

const metrics = (i2t: number[], t2i: number[]): RetrievalMetrics => {
  const a = summarise(i2t);
  const b = summarise(t2i);
  return { i2t: a, t2i: b, rsum: a.r1 + a.r5 + a.r10 + b.r1 + b.r5 + b.r10 };
};

describe('the gain interval', () => {
  it('is zero-width at zero, and not distinguishable, when nothing changed', () => {
    const m = metrics([0, 3, 12, 1, 7, 20, 0, 2], [0, 3, 12, 1, 7, 20, 0, 2]);
    const g = rsumGainInterval(m, m, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(g).toEqual({ gain: 0, low: 0, high: 0, distinguishable: false });
  });

  it('excludes zero for a clear gain on many photos, and holds it for one photo changing in eight', () => {
    const n = 40;
    const ids = Array.from({ length: n }, (_, i) => i);
    const clear = rsumGainInterval(
      metrics(
        ids.map(() => 15),
        ids.map(() => 15),
      ),
      metrics(
        ids.map(() => 0),
        ids.map(() => 0),
      ),
      ids,
    );
    expect(clear.gain).toBeCloseTo(600);
    expect(clear.distinguishable).toBe(true);
    const eight = [0, 1, 2, 3, 4, 5, 6, 7];
    const small = rsumGainInterval(
      metrics([20, 0, 0, 0, 0, 0, 0, 0], [20, 0, 0, 0, 0, 0, 0, 0]),
      metrics([0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]),
      eight,
    );
    expect(small.gain).toBeCloseTo(75);
    expect(small.low).toBe(0);
    expect(small.distinguishable).toBe(false);
  });
});

describe('the held-out photos', () => {
  const dataset = (labels: string[]): PairDataset => ({
    description: 'albums',
    split: 'all',
    numImages: labels.length,
    images: { kind: 'files', paths: labels.map((_, i) => `/p/IMG_${i}.jpg`) },
    captions: labels,
    captionImage: Int32Array.from(labels.keys()),
    skipped: new SkipReport(),
  });

  it('are at least eight, drawn from every album', () => {
    const ds = dataset([...Array(14).fill('sleds'), ...Array(4).fill('boxes')]);
    const { held, train } = holdOut(ds, 0.25, 0, 'albums');
    expect(held).toHaveLength(8);
    expect(new Set(held.map((i) => ds.captions[i]))).toEqual(new Set(['sleds', 'boxes']));
    expect([...held, ...train].sort((a, b) => a - b)).toEqual([...Array(18).keys()]);
  });

  it('refuse one album, or too few photos, saying what is needed', () => {
    expect(() => holdOut(dataset(Array(20).fill('sleds')), 0.25, 0, 'albums')).toThrow(/2 or more albums.*1 album/);
    expect(() => holdOut(dataset(['a', 'b', 'a', 'b', 'a', 'b']), 0.25, 0, 'albums')).toThrow(
      /needs 12 labelled photos.*found 6/,
    );
  });
});
