/**
 * How sure a before/after recall comparison is: a paired bootstrap over the held-out images. Each
 * resample draws images with replacement and carries their i2t ranks and their captions' t2i
 * ranks, for both models at once, so the interval is of the gain itself (after − before).
 */
import type { RetrievalMetrics } from './eval.js';
import { Rng } from '../base/rng.js';

export interface GainInterval {
  /** rsum after − rsum before, on the whole held-out set. */
  gain: number;
  /** The central 95% of the resampled gains. */
  low: number;
  high: number;
  /** The interval excludes zero: the change is more than the luck of which photos were held out. */
  distinguishable: boolean;
}

export function rsumGainInterval(
  before: RetrievalMetrics,
  after: RetrievalMetrics,
  captionImage: ArrayLike<number>,
  samples = 1000,
  seed = 0,
): GainInterval {
  const nIm = before.i2t.ranks.length;
  const captionsOf: number[][] = Array.from({ length: nIm }, () => []);
  for (let c = 0; c < captionImage.length; c++) captionsOf[captionImage[c]!]!.push(c);
  const rng = new Rng(seed);
  const rsum = (m: RetrievalMetrics, draw: number[]) => {
    let i2t = 0;
    let t2i = 0;
    let caps = 0;
    for (const i of draw) {
      const r = m.i2t.ranks[i]!;
      i2t += Number(r < 1) + Number(r < 5) + Number(r < 10);
      for (const c of captionsOf[i]!) {
        const t = m.t2i.ranks[c]!;
        t2i += Number(t < 1) + Number(t < 5) + Number(t < 10);
        caps++;
      }
    }
    return (100 * i2t) / draw.length + (caps ? (100 * t2i) / caps : 0);
  };
  const gains: number[] = [];
  for (let s = 0; s < samples; s++) {
    const draw = Array.from({ length: nIm }, () => rng.int(nIm));
    gains.push(rsum(after, draw) - rsum(before, draw));
  }
  gains.sort((a, b) => a - b);
  const low = gains[Math.floor(0.025 * (samples - 1))]!;
  const high = gains[Math.ceil(0.975 * (samples - 1))]!;
  return { gain: after.rsum - before.rsum, low, high, distinguishable: low > 0 || high < 0 };
}
