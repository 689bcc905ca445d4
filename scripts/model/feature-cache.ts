/**
 * The cached backbone features (scripts/model/features.ts) and the real-photo evaluation sets,
 * for the scripts that re-evaluate trained heads without running the backbone.
 */
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { NpyMatrix } from '../../src/core/vse/data/npy.js';
import type { CorpusItem } from '../../tools/corpus.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The real-photo sets evaluation may use: the held-out dev concepts and the CC0 photos. */
export const REAL_PHOTO_SETS = [
  ['real-photo dev set', 'photos-real'],
  ['CC0 photos', 'photos-cc0'],
] as const;

/** The features of every corpus image for one backbone, and each image id's row. */
export function cachedFeatures(backbone = 'human-centernet@320'): { matrix: NpyMatrix; rowOf: Map<string, number> } {
  const featPath = join(ROOT, 'data', 'features', `${backbone}.npy`);
  const ids = (JSON.parse(readFileSync(featPath.replace(/\.npy$/, '.ids.json'), 'utf8')) as { ids: string[] }).ids;
  return { matrix: new NpyMatrix(featPath), rowOf: new Map(ids.map((id, r) => [id, r])) };
}

/** A set's held-out (test split) items that have features. */
export function heldOut(items: CorpusItem[], set: string, rowOf: Map<string, number>): CorpusItem[] {
  return items.filter((i) => i.set === set && i.split === 'test' && rowOf.has(i.id));
}
