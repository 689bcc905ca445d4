/**
 * Does standardising the features by the user's own library beat the shipped prior (the real
 * training photos' statistics)? The shipped model is evaluated on each real-photo set with its
 * fixed statistics, then with statistics taken from that set itself, as a user's library would
 * give them, and from blends of the two weighted by library size (the prior counts as `k`
 * photos). Prints one table; docs/MODEL.md has its figures.
 *
 *   npx tsx scripts/model/library-stats.ts [--model=resources/models/default]
 */
import { appRoot } from '../../../src/core/base/app-root.js';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/core/runtime/tf/backend.js';
import { loadBundle } from '../../../src/core/vse/bundle.js';
import { validate } from '../../../src/core/vse/train.js';
import { readCorpus } from '../../../tools/corpus.js';
import { cachedFeatures, heldOut, REAL_PHOTO_SETS } from '../feature-cache.js';
import { featureDataset } from '../train-default.js';
import { featureStats } from '../../../src/core/vse/data/align.js';
import { printTable } from '../../../tools/table.js';

const ROOT = appRoot();
const arg = (k: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);

await initBackend('wasm');
const b = await loadBundle(arg('model') ?? join(ROOT, 'resources', 'models', 'default'));
if (!b.model.config.standardiseFeatures) throw new Error('this model does not standardise its features');
const { matrix, rowOf } = cachedFeatures();
const items = readCorpus();
const weights = b.model.namedWeights();
const prior = {
  mean: Float32Array.from(weights['img.norm.mean']!.dataSync()),
  scale: Float32Array.from(weights['img.norm.scale']!.dataSync()),
};
// Blend in variance space: the library's and the prior's moments, weighted by photo counts.
function blend(lib: { mean: Float32Array; scale: Float32Array }, n: number, k: number) {
  const w = n / (n + k);
  const mean = lib.mean.map((m, j) => w * m + (1 - w) * prior.mean[j]!);
  const scale = lib.scale.map((s, j) => {
    const v =
      w * (1 / s ** 2 + (lib.mean[j]! - mean[j]!) ** 2) +
      (1 - w) * (1 / prior.scale[j]! ** 2 + (prior.mean[j]! - mean[j]!) ** 2);
    return 1 / Math.sqrt(v);
  });
  return { mean, scale };
}

const rows: (string | number)[][] = [];
for (const [name, set] of REAL_PHOTO_SETS) {
  const evItems = heldOut(items, set, rowOf);
  const ds = featureDataset(evItems, matrix, rowOf, 'test', name);
  const libStats = featureStats(
    matrix,
    evItems.map((i) => rowOf.get(i.id)!),
  );
  const n = evItems.length;
  const variants: [string, { mean: Float32Array; scale: Float32Array }][] = [
    ['shipped prior (training photos)', prior],
    ['the library itself', libStats],
    ['blend, prior as 50 photos', blend(libStats, n, 50)],
    ['blend, prior as 200 photos', blend(libStats, n, 200)],
  ];
  for (const [label, stats] of variants) {
    b.model.setFeatureStats(stats.mean, stats.scale);
    const m = await validate(b.model, b.vocab, ds);
    rows.push([name, String(n), label, m.rsum, m.t2i.r10, m.i2t.r10]);
  }
}
printTable(['set', 'photos', 'standardised by', 'rsum', 't2i R@10', 'i2t R@10'], rows);
console.log(`tensors left: ${tf.memory().numTensors}`);
