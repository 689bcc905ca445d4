/**
 * Would averaging several heads help? Each bundle embeds the real-photo sets from the cached
 * backbone features; the heads' similarities are averaged (their unit embeddings concatenated
 * and scaled by 1/√K) and compared with each head alone. docs/MODEL.md has its figures.
 *
 *   npx tsx scripts/model/ensemble.ts resources/models/default data/levers/seed1 [...]
 */
import { initBackend } from '../../../src/core/runtime/tf/backend.js';
import { loadBundle } from '../../../src/core/vse/bundle.js';
import { embedDataset } from '../../../src/core/vse/train.js';
import { evaluateRetrieval, type RetrievalMetrics } from '../../../src/core/vse/eval.js';
import { readCorpus } from '../../../tools/corpus.js';
import { cachedFeatures, heldOut, REAL_PHOTO_SETS } from '../feature-cache.js';
import { featureDataset } from '../train-default.js';
import { printTable } from '../../../tools/table.js';
import { jointDim } from '../../../src/core/vse/config.js';

const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (dirs.length < 2) throw new Error('give two or more bundle folders');

await initBackend('wasm');
const bundles = await Promise.all(dirs.map((d) => loadBundle(d)));
const { matrix, rowOf } = cachedFeatures();
const items = readCorpus();

/** Row i of each head's [n, dim] matrix side by side, each scaled by 1/√K. */
function concat(parts: Float32Array[], n: number, dim: number): Float32Array {
  const K = parts.length;
  const out = new Float32Array(n * dim * K);
  for (let i = 0; i < n; i++)
    parts.forEach((p, k) => {
      for (let d = 0; d < dim; d++) out[(i * K + k) * dim + d] = p[i * dim + d]! / Math.sqrt(K);
    });
  return out;
}

const rows: (string | number)[][] = [];
const row = (set: string, head: string, m: RetrievalMetrics) =>
  rows.push([set, head, m.rsum.toFixed(1), m.t2i.r10.toFixed(1), m.i2t.r10.toFixed(1)]);
for (const [name, set] of REAL_PHOTO_SETS) {
  const evItems = heldOut(items, set, rowOf);
  const ds = featureDataset(evItems, matrix, rowOf, 'test', name);
  const embedded = [];
  for (const b of bundles) embedded.push(await embedDataset(b.model, b.vocab, ds));
  const dim = jointDim(bundles[0]!.model.config);
  const first = embedded[0]!;
  embedded.forEach((e, k) =>
    row(name, dirs[k]!, evaluateRetrieval({ ...e, dim, perImage: 0, captionImage: e.captionImage })),
  );
  row(
    name,
    `average of ${dirs.length}`,
    evaluateRetrieval({
      images: concat(
        embedded.map((e) => e.images),
        first.numImages,
        dim,
      ),
      captions: concat(
        embedded.map((e) => e.captions),
        first.captionImage.length,
        dim,
      ),
      dim: dim * dirs.length,
      perImage: 0,
      captionImage: first.captionImage,
    }),
  );
}
printTable(['set', 'head', 'rsum', 't2i R@10', 'i2t R@10'], rows);
