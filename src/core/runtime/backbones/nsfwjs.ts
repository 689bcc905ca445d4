/**
 * Pretrained backbones from the nsfwjs npm package (MIT): MobileNetV2 (224) and InceptionV3
 * (299), Keras layers models with uint8-quantised weights, shipped as UMD .min.js files (the
 * topology as an object, each weight shard as a base64 string). Importing writes a plain tfjs
 * model folder into a bundle so the bundle loads without the package. The feature is the pooled
 * penultimate layer (flatten_1), before the NSFW-tuned classifier head.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeModelFolder } from '../../vse/weights-io.js';
import type { BackboneSpec } from '../../vse/model/backbone.js';

export const NSFWJS_BACKBONES = {
  'nsfwjs-mobilenet_v2': { dir: 'mobilenet_v2', inputSize: 224, featureDim: 1280 },
  'nsfwjs-inception_v3': { dir: 'inception_v3', inputSize: 299, featureDim: 2048 },
} as const;
export type NsfwjsBackboneId = keyof typeof NSFWJS_BACKBONES;

export function isNsfwjsBackbone(id: string): id is NsfwjsBackboneId {
  return id in NSFWJS_BACKBONES;
}

function packageDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve('nsfwjs/package.json'));
  } catch {
    // Its "exports" may hide package.json; the main entry's folder leads to the same place.
    const main = require.resolve('nsfwjs');
    return main.slice(0, main.lastIndexOf(`${'node_modules'}/nsfwjs`) + 'node_modules/nsfwjs'.length);
  }
}

interface KerasLayer {
  class_name: string;
  config: { name: string; batch_input_shape?: (number | null)[]; pool_size?: number[]; strides?: number[] };
}

/**
 * MobileNetV2 is fully convolutional up to its final 7x7 average pool, so it runs at a lighter
 * input size (a multiple of 32) if the input shape and that pool are resized to match: fewer
 * pixels, proportionally less compute per photo.
 */
function resizeMobileNet(topology: { model_config: { config: { layers: KerasLayer[] } } }, inputSize: number): void {
  if (inputSize % 32 !== 0) throw new Error(`MobileNetV2 input size must be a multiple of 32; got ${inputSize}`);
  const grid = inputSize / 32;
  for (const l of topology.model_config.config.layers) {
    if (l.config.batch_input_shape) l.config.batch_input_shape = [null, inputSize, inputSize, 3];
    if (l.class_name === 'AveragePooling2D' && l.config.name === 'average_pooling2d_1') {
      l.config.pool_size = [grid, grid];
      l.config.strides = [grid, grid];
    }
  }
}

/** Writes the backbone as model.json + weights.bin under bundleDir/path and returns its spec. */
export function importNsfwjsBackbone(
  id: NsfwjsBackboneId,
  bundleDir: string,
  path = 'backbone',
  inputSize?: number,
): BackboneSpec {
  const meta = NSFWJS_BACKBONES[id];
  const require = createRequire(import.meta.url);
  const base = join(packageDir(), 'dist', 'models', meta.dir);
  const model = require(join(base, 'model.min.js')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const shards = model.weightsManifest
    .flatMap((g) => g.paths)
    .map((p) => Buffer.from(require(join(base, `${p}.min.js`)) as string, 'base64'));
  const size = inputSize ?? meta.inputSize;
  if (size !== meta.inputSize) {
    if (id !== 'nsfwjs-mobilenet_v2') throw new Error(`${id} runs only at its native ${meta.inputSize}px`);
    resizeMobileNet(model.modelTopology as never, size);
  }
  const out = join(bundleDir, path);
  writeModelFolder(
    out,
    'layers-model',
    model.modelTopology,
    model.weightsManifest.flatMap((g) => g.weights),
    Buffer.concat(shards),
  );
  // nsfwjs feeds pixels scaled to [0, 1]: mean 0, std 1.
  return {
    id: size === meta.inputSize ? id : `${id}@${size}`,
    format: 'tfjs-layers',
    path,
    inputSize: size,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    featureNode: 'flatten_1',
    featureDim: meta.featureDim,
  };
}
