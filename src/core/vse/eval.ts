/**
 * Retrieval evaluation as in vsepp's evaluation.py: i2t takes the best rank among each image's
 * captions, t2i treats every caption as a query. Scores are dot products of the (normalised)
 * embeddings, computed in blocks with tfjs; ranking happens on the JS side.
 */
import * as tf from '@tensorflow/tfjs';

export interface RecallMetrics {
  r1: number;
  r5: number;
  r10: number;
  medr: number;
  meanr: number;
  /** 0-based rank of the ground truth for each query. */
  ranks: number[];
}

export interface RetrievalMetrics {
  i2t: RecallMetrics;
  t2i: RecallMetrics;
  /** Sum of the six recalls: the model-selection criterion of the paper's code. */
  rsum: number;
}

export interface EmbeddingSet {
  /** [N, D] row-major. */
  images: Float32Array;
  /** [N * perImage, D] row-major; captions perImage*i … perImage*i+perImage-1 belong to image i. */
  captions: Float32Array;
  dim: number;
  perImage: number;
  /**
   * Image of each caption, for sets without a fixed number of captions per image (a user's
   * albums). Absent: caption c belongs to image floor(c / perImage), as in the paper.
   */
  captionImage?: Int32Array;
}

function imageOfCaption(set: EmbeddingSet): (c: number) => number {
  const ci = set.captionImage;
  return ci ? (c) => ci[c]! : (c) => Math.floor(c / set.perImage);
}

export function summarise(ranks: number[]): RecallMetrics {
  const n = ranks.length;
  const pct = (k: number) => (100 * ranks.filter((r) => r < k).length) / n;
  const sorted = [...ranks].sort((a, b) => a - b);
  // numpy.median averages the two middle values; vsepp then floors it and adds one.
  const mid = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const meanr = ranks.reduce((a, b) => a + b, 0) / n + 1;
  return { r1: pct(1), r5: pct(5), r10: pct(10), medr: Math.floor(mid) + 1, meanr, ranks };
}

/**
 * Calls fn(rowStart, scores) with blocks of the score matrix queries·targetsᵀ, so memory stays
 * bounded for 5K×25K evaluations.
 */
function scoreBlocks(
  queries: Float32Array,
  targets: Float32Array,
  dim: number,
  fn: (rowStart: number, rows: number, scores: Float32Array) => void,
  blockRows = 256,
): void {
  const nq = queries.length / dim;
  const nt = targets.length / dim;
  const tT = tf.tidy(() => tf.tensor2d(targets, [nt, dim]).transpose());
  try {
    for (let start = 0; start < nq; start += blockRows) {
      const rows = Math.min(blockRows, nq - start);
      const scores = tf.tidy(
        () =>
          tf
            .matMul(tf.tensor2d(queries.subarray(start * dim, (start + rows) * dim), [rows, dim]), tT)
            .dataSync() as Float32Array,
      );
      fn(start, rows, scores);
    }
  } finally {
    tT.dispose();
  }
}

/** Number of entries strictly greater than the target: its 0-based rank in a descending sort. */
function rankOf(row: Float32Array, offset: number, count: number, target: number): number {
  let rank = 0;
  for (let j = 0; j < count; j++) if (row[offset + j]! > target) rank++;
  return rank;
}

export function i2t(set: EmbeddingSet): RecallMetrics {
  const nIm = set.images.length / set.dim;
  const nCap = set.captions.length / set.dim;
  const ranks = new Array<number>(nIm);
  const owner = imageOfCaption(set);
  const captionsOf: number[][] = Array.from({ length: nIm }, () => []);
  for (let c = 0; c < nCap; c++) captionsOf[owner(c)]!.push(c);
  scoreBlocks(set.images, set.captions, set.dim, (start, rows, scores) => {
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      let best = Infinity;
      for (const c of captionsOf[i]!) best = Math.min(best, rankOf(scores, r * nCap, nCap, scores[r * nCap + c]!));
      ranks[i] = best;
    }
  });
  return summarise(ranks);
}

export function t2i(set: EmbeddingSet): RecallMetrics {
  const nIm = set.images.length / set.dim;
  const nCap = set.captions.length / set.dim;
  const ranks = new Array<number>(nCap);
  const owner = imageOfCaption(set);
  scoreBlocks(set.captions, set.images, set.dim, (start, rows, scores) => {
    for (let r = 0; r < rows; r++) {
      const c = start + r;
      const target = scores[r * nIm + owner(c)]!;
      ranks[c] = rankOf(scores, r * nIm, nIm, target);
    }
  });
  return summarise(ranks);
}

export function evaluateRetrieval(set: EmbeddingSet): RetrievalMetrics {
  const a = i2t(set);
  const b = t2i(set);
  return { i2t: a, t2i: b, rsum: a.r1 + a.r5 + a.r10 + b.r1 + b.r5 + b.r10 };
}

/** COCO 1K: the mean over five folds of 1000 images (and their captions). */
export function evaluateFold5(set: EmbeddingSet, foldSize = 1000): RetrievalMetrics {
  const nIm = set.images.length / set.dim;
  if (nIm < 5 * foldSize) throw new Error(`fold5 needs at least ${5 * foldSize} images; the set has ${nIm}`);
  const folds: RetrievalMetrics[] = [];
  for (let f = 0; f < 5; f++) {
    const im = set.images.subarray(f * foldSize * set.dim, (f + 1) * foldSize * set.dim);
    const cap = set.captions.subarray(
      f * foldSize * set.perImage * set.dim,
      (f + 1) * foldSize * set.perImage * set.dim,
    );
    folds.push(evaluateRetrieval({ images: im, captions: cap, dim: set.dim, perImage: set.perImage }));
  }
  const avg = (pick: (m: RetrievalMetrics) => RecallMetrics): RecallMetrics => {
    const ms = folds.map(pick);
    const mean = (k: 'r1' | 'r5' | 'r10' | 'medr' | 'meanr') => ms.reduce((a, m) => a + m[k], 0) / ms.length;
    return {
      r1: mean('r1'),
      r5: mean('r5'),
      r10: mean('r10'),
      medr: mean('medr'),
      meanr: mean('meanr'),
      ranks: ms.flatMap((m) => m.ranks),
    };
  };
  const a = avg((m) => m.i2t);
  const b = avg((m) => m.t2i);
  return { i2t: a, t2i: b, rsum: a.r1 + a.r5 + a.r10 + b.r1 + b.r5 + b.r10 };
}
