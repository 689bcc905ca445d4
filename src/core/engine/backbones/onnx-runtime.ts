/**
 * Runs a bundle's backbone on onnxruntime-node's bundled CPU build, which uses every core from one
 * session; tfjs wasm runs on one thread, so onnxruntime is the faster runtime (docs/BENCH.md).
 * onnxruntime-node is an optional dependency (its install script would fetch CUDA binaries; the
 * project's .npmrc keeps the CPU build), so every caller must cope with it missing and fall back
 * to tfjs.
 */
import type * as Ort from 'onnxruntime-node';
import { join } from 'node:path';
import { readModelArtifacts } from '../weights-io.js';
import type { BackboneSpec } from '../model/backbone.js';
import { kerasToOnnx, ONNX_INPUT, ONNX_OUTPUT } from './onnx-export.js';
import { graphToOnnx } from './onnx-graph-export.js';

export interface OnnxBackbone {
  /** e.g. "onnxruntime cpu, 2 threads". */
  readonly description: string;
  /** n images of preprocessed NHWC pixels → n × featureDim backbone features. */
  features(pixels: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

let ortModule: Promise<typeof Ort | string> | null = null;

/** onnxruntime-node, or why it can't be used here (not installed, or its binary won't load). */
export function loadOnnxRuntime(): Promise<typeof Ort | string> {
  ortModule ??= import('onnxruntime-node').then(
    (m) => (m as unknown as { default?: typeof Ort }).default ?? m,
    (err: Error) =>
      `onnxruntime-node is not available (${err.message.split('\n')[0]}); run npm install in Glimpse's folder (its .npmrc keeps the CPU build) for faster indexing`,
  );
  return ortModule;
}

/**
 * The backbone of the bundle in `bundleDir`, translated to ONNX and opened in onnxruntime with
 * `threads` intra-op threads. Throws with a reason when the runtime is missing or a layer has no
 * translation.
 */
export async function openOnnxBackbone(spec: BackboneSpec, bundleDir: string, threads: number): Promise<OnnxBackbone> {
  const ort = await loadOnnxRuntime();
  if (typeof ort === 'string') throw new Error(ort);
  const artifacts = readModelArtifacts(join(bundleDir, spec.path));
  const bytes =
    spec.format === 'tfjs-graph'
      ? graphToOnnx(artifacts, spec.featureNode)
      : kerasToOnnx(artifacts, { featureNode: spec.featureNode });
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // Idle pool threads sleep instead of spinning: while indexing, sharp's decoders need those
    // cores between batches (chosen by the index bench, docs/BENCH.md).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const s = spec.inputSize;
  return {
    description: `onnxruntime cpu, ${threads} thread${threads === 1 ? '' : 's'}`,
    async features(pixels, n) {
      const input = new ort.Tensor('float32', pixels.subarray(0, n * s * s * 3), [n, s, s, 3]);
      const out = (await session.run({ [ONNX_INPUT]: input }))[ONNX_OUTPUT]!;
      if (out.dims[1] !== spec.featureDim)
        throw new Error(
          `backbone "${spec.id}" gives ${out.dims[1]}-d features; the bundle declares ${spec.featureDim}`,
        );
      return out.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}
