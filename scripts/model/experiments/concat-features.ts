/**
 * Concatenated features of two or more cached backbones (features.ts), for the backbone
 * comparison's "concatenations" candidates: row i holds every backbone's features of the same
 * image, side by side, for the images all of them embedded.
 *   npx tsx scripts/model/concat-features.ts <backbone[@size]> <backbone[@size]> ...
 * writes data/features/<a>_<b>.npy + .ids.json, which train-default.ts reads as --backbone=a+b.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NpyMatrix, encodeNpy } from '../../../src/core/vse/data/npy.js';
import { CORPUS_DIR } from '../../../tools/corpus.js';
import { featureName } from '../../../tools/backbones.js';

const parts = process.argv.slice(2);
if (parts.length < 2) throw new Error('usage: concat-features.ts <backbone> <backbone> ...');
const dir = join(CORPUS_DIR, '..', 'features');
const inputs = parts.map((p) => {
  const path = join(dir, `${featureName(p)}.npy`);
  const meta = JSON.parse(readFileSync(path.replace(/\.npy$/, '.ids.json'), 'utf8')) as {
    ids: string[];
    seconds: number;
    runtime?: string;
  };
  return { matrix: new NpyMatrix(path), rowOf: new Map(meta.ids.map((id, r) => [id, r])), meta };
});
const ids = inputs[0]!.meta.ids.filter((id) => inputs.every((i) => i.rowOf.has(id)));
const dim = inputs.reduce((d, i) => d + i.matrix.cols, 0);
const out = new Float32Array(ids.length * dim);
ids.forEach((id, r) => {
  let col = r * dim;
  for (const i of inputs) {
    i.matrix.readRow(i.rowOf.get(id)!, out, col);
    col += i.matrix.cols;
  }
});
const name = featureName(parts.join('+'));
writeFileSync(join(dir, `${name}.npy`), encodeNpy(out, ids.length, dim));
writeFileSync(
  join(dir, `${name}.ids.json`),
  JSON.stringify({
    backbone: parts.join('+'),
    runtime: inputs.map((i) => i.meta.runtime).join(' + '),
    views: 0,
    ids,
    failed: [],
    seconds: inputs.reduce((s, i) => s + i.meta.seconds, 0),
  }),
);
inputs.forEach((i) => i.matrix.close());
console.log(`${name}: ${ids.length} images x ${dim} features`);
