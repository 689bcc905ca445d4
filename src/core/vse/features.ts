/**
 * Turns dataset images into model input: precomputed feature rows, or pixels decoded with sharp
 * and (for frozen backbones) pushed through the backbone once and cached. An image that fails to
 * decode is reported with its reason and left out; it never stops the run.
 */
import * as tf from '@tensorflow/tfjs';
import type { PairDataset } from './data/dataset.js';
import { decodeAugmented, decodeEval, type Preprocess } from './data/images.js';
import type { Backbone } from './model/backbone.js';
import { Rng } from '../base/rng.js';

/** How many images sharp decodes at once: two in flight keep 2 cores busy (docs/BENCH.md). */
const DECODE_CONCURRENCY = 2;

export interface PixelBatch {
  /** [n, S, S, 3] for the images that decoded. */
  pixels: tf.Tensor4D;
  /** Positions (into the requested list) that decoded; the rest failed and were reported. */
  ok: number[];
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
}

export async function decodePixels(
  ds: PairDataset,
  images: number[],
  pre: Preprocess,
  augment: Rng | null,
): Promise<PixelBatch> {
  if (ds.images.kind !== 'files') throw new Error('this dataset has precomputed features, not image files');
  const paths = ds.images.paths;
  const s = pre.inputSize;
  const per = s * s * 3;
  const buf = new Float32Array(images.length * per);
  const good = new Array<boolean>(images.length).fill(false);
  // Augmentation draws from the RNG in a fixed order so a resumed run crops identically.
  const seeds = augment ? images.map(() => augment.seed()) : [];
  await mapLimit(images, DECODE_CONCURRENCY, async (im, i) => {
    try {
      if (augment) await decodeAugmented(paths[im]!, pre, new Rng(seeds[i]!), buf, i * per);
      else await decodeEval(paths[im]!, pre, buf, i * per);
      good[i] = true;
    } catch (err) {
      ds.skipped.add('undecodable-image', `${paths[im]}: ${(err as Error).message.split('\n')[0]}`);
    }
  });
  const ok = good.flatMap((g, i) => (g ? [i] : []));
  const packed = ok.length === images.length ? buf : new Float32Array(ok.length * per);
  if (packed !== buf) ok.forEach((src, dst) => packed.set(buf.subarray(src * per, (src + 1) * per), dst * per));
  return { pixels: tf.tensor4d(packed, [ok.length, s, s, 3]), ok };
}

/**
 * Backbone features for every image of a dataset, computed once (frozen backbone, no
 * augmentation). Returns a dense [numImages, dim] matrix and which images are usable.
 */
export async function computeFeatureMatrix(
  ds: PairDataset,
  backbone: Backbone | null,
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
  batchSize = 32,
): Promise<{ features: Float32Array; dim: number; usable: boolean[] }> {
  const n = ds.numImages;
  if (ds.images.kind === 'features') {
    const { matrix, rows } = ds.images;
    const features = new Float32Array(n * matrix.cols);
    for (let i = 0; i < n; i++) matrix.readRow(rows[i]!, features, i * matrix.cols);
    return { features, dim: matrix.cols, usable: new Array<boolean>(n).fill(true) };
  }
  if (!backbone)
    throw new Error(`${ds.description}: image files need a backbone (the model was trained on precomputed features)`);
  const dim = backbone.spec.featureDim;
  const features = new Float32Array(n * dim);
  const usable = new Array<boolean>(n).fill(false);
  for (let start = 0; start < n; start += batchSize) {
    if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
    const idx = Array.from({ length: Math.min(batchSize, n - start) }, (_, k) => start + k);
    const { pixels, ok } = await decodePixels(ds, idx, backbone.preprocess, null);
    if (ok.length > 0) {
      const f = backbone.features(pixels);
      const data = await f.data();
      f.dispose();
      ok.forEach((pos, j) => {
        features.set(data.subarray(j * dim, (j + 1) * dim), idx[pos]! * dim);
        usable[idx[pos]!] = true;
      });
    }
    pixels.dispose();
    onProgress?.(Math.min(n, start + batchSize), n);
  }
  return { features, dim, usable };
}
