/**
 * Runs a bundle's backbone on onnxruntime-node's bundled CPU build, which uses every core from one
 * session; tfjs wasm runs on one thread, so onnxruntime is the faster runtime (docs/BENCH.md).
 * onnxruntime-node is an optional dependency (its install script would fetch CUDA binaries; the
 * project's .npmrc keeps the CPU build), so every caller must cope with it missing and fall back
 * to tfjs.
 */
import type * as Ort from 'onnxruntime-node';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../base/files.js';
import { readModelArtifacts } from '../../vse/weights-io.js';
import type { BackboneSpec } from '../../vse/model/backbone.js';
import { kerasToOnnx, ONNX_INPUT, ONNX_OUTPUT } from './onnx-export.js';
import { graphToOnnx, ONNX_PEAK_INDEX, ONNX_PEAK_SCORES, ONNX_SIZES } from './onnx-graph-export.js';
import { CENTERNET_HEADS, classScoreOffset, decodePeaks, PEAKS_PER_IMAGE, type Peaks } from '../../tags/detect.js';

export interface OnnxBackbone {
  /** e.g. "onnxruntime cpu, 2 threads". */
  readonly description: string;
  /** n images of preprocessed NHWC pixels → n × featureDim backbone features. */
  features(pixels: Float32Array, n: number): Promise<Float32Array>;
  /** The features with the detector's peaks, for a backbone with a detector (the shipped CenterNet). */
  detect?(pixels: Float32Array, n: number): Promise<{ features: Float32Array; peaks: Peaks }>;
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

/** Whether onnxruntime-node loads here: true, or the reason it doesn't. */
export async function onnxRuntimeAvailable(): Promise<true | string> {
  const ort = await loadOnnxRuntime();
  return typeof ort === 'string' ? ort : true;
}

/** How Glimpse opens every onnxruntime session: `threads` intra-op threads that sleep when idle. */
export function onnxSessionOptions(threads: number): Ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // Idle pool threads sleep instead of spinning: while indexing, sharp's decoders need those
    // cores between batches (chosen by the index bench, docs/BENCH.md).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** Threads for embedding images: GLIMPSE_EMBED_WORKERS, else one per core up to 4. */
export function embedThreads(): number {
  return Number(process.env.GLIMPSE_EMBED_WORKERS ?? Math.min(availableParallelism(), 4));
}

export function onnxDescription(threads: number): string {
  return `onnxruntime cpu, ${threads} thread${threads === 1 ? '' : 's'}`;
}

function translate(spec: BackboneSpec, bundleDir: string): Uint8Array {
  const artifacts = readModelArtifacts(join(bundleDir, spec.path));
  return spec.format === 'tfjs-graph'
    ? graphToOnnx(
        artifacts,
        spec.featureNode,
        classScoreOffset(spec) === null ? undefined : { ...CENTERNET_HEADS, k: PEAKS_PER_IMAGE },
      )
    : kerasToOnnx(artifacts, { featureNode: spec.featureNode });
}

/**
 * A translated graph opened by `open`, the translation kept in `cacheDir` under `key` (which must
 * name the source's contents) and the translator's version: translating the shipped CenterNet
 * costs most of a cold start. A cache entry that can't be read or written is simply rebuilt (a
 * read-only data dir included); one that can't be opened is translated afresh and replaced, while
 * a fresh translation that fails to open is the model's problem, reported as such.
 */
export async function cachedOnnx<T>(
  key: string,
  cacheDir: string | null | undefined,
  build: () => Uint8Array,
  open: (bytes: Uint8Array) => Promise<T>,
): Promise<T> {
  if (!cacheDir) return open(build());
  const file = join(cacheDir, `${key.replace(/[^\w.@-]+/g, '_')}-v${TRANSLATION_VERSION}.onnx`);
  let cached: Uint8Array | null = null;
  try {
    cached = readFileSync(file);
  } catch {
    // Not cached yet.
  }
  if (cached) {
    try {
      return await open(cached);
    } catch {
      rmSync(file, { force: true });
    }
  }
  const bytes = build();
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileAtomic(file, bytes);
  } catch {
    // A cache that can't be written only costs the next start the translation again.
  }
  return open(bytes);
}

/** The cache key of a bundle's backbone: its spec and the contents of its files. */
function backboneKey(spec: BackboneSpec, bundleDir: string): string {
  const dir = join(bundleDir, spec.path);
  const hash = createHash('sha256').update(`${JSON.stringify(spec)}\n`);
  for (const f of readdirSync(dir).sort())
    hash.update(`${f}:${statSync(join(dir, f)).size}\n`).update(readFileSync(join(dir, f)));
  return `${spec.id}-${hash.digest('hex').slice(0, 16)}`;
}

/** Bump when the Keras/graph → ONNX translation changes, so old cached graphs are not reused. */
const TRANSLATION_VERSION = 2;

/**
 * The backbone of the bundle in `bundleDir`, translated to ONNX and opened in onnxruntime with
 * `threads` intra-op threads. Throws with a reason when the runtime is missing or a layer has no
 * translation.
 */
export async function openOnnxBackbone(
  spec: BackboneSpec,
  bundleDir: string,
  threads: number,
  cacheDir?: string,
): Promise<OnnxBackbone> {
  const ort = await loadOnnxRuntime();
  if (typeof ort === 'string') throw new Error(ort);
  const session = await cachedOnnx(
    backboneKey(spec, bundleDir),
    cacheDir,
    () => translate(spec, bundleDir),
    (bytes) => ort.InferenceSession.create(bytes, onnxSessionOptions(threads)),
  );
  const s = spec.inputSize;
  const detects = session.outputNames.includes(ONNX_PEAK_SCORES);
  const run = async (pixels: Float32Array, n: number, outputs: string[]) => {
    const input = new ort.Tensor('float32', pixels.subarray(0, n * s * s * 3), [n, s, s, 3]);
    const out = await session.run({ [ONNX_INPUT]: input }, outputs);
    const features = out[ONNX_OUTPUT]!;
    if (features.dims[1] !== spec.featureDim)
      throw new Error(
        `backbone "${spec.id}" gives ${features.dims[1]}-d features; the bundle declares ${spec.featureDim}`,
      );
    return { features: features.data as Float32Array, out };
  };
  return {
    description: onnxDescription(threads),
    features: async (pixels, n) => (await run(pixels, n, [ONNX_OUTPUT])).features,
    ...(detects
      ? {
          async detect(pixels: Float32Array, n: number) {
            const { features, out } = await run(pixels, n, [
              ONNX_OUTPUT,
              ONNX_PEAK_SCORES,
              ONNX_PEAK_INDEX,
              ONNX_SIZES,
            ]);
            const sizes = out[ONNX_SIZES]!;
            const scores = out[ONNX_PEAK_SCORES]!;
            const [height, width] = [Number(sizes.dims[2]), Number(sizes.dims[3])];
            const peaks = decodePeaks(
              { scores: scores.data as Float32Array, index: out[ONNX_PEAK_INDEX]!.data as BigInt64Array },
              sizes.data as Float32Array,
              { n, k: Number(scores.dims[1]), height, width, classes: classScoreCount(spec), inputSize: s },
              'nchw',
            );
            return { features, peaks };
          },
        }
      : {}),
    dispose: () => session.release(),
  };
}

/** How many classes the backbone's detector scores: the feature's tail after the class offset. */
function classScoreCount(spec: BackboneSpec): number {
  return spec.featureDim - classScoreOffset(spec)!;
}
