/**
 * What the library needs from a model: its id (stored with every vector), image and text
 * embeddings, its preprocessing, and its caption bank. Injected, so tests can use a tiny model.
 */
import * as tf from '@tensorflow/tfjs';
import type { LoadedBundle } from '../bundle.js';
import { padTokens } from '../model/vse.js';
import type { Preprocess } from '../data/images.js';
import type { OnnxBackbone } from '../backbones/onnx-runtime.js';
import { classScoreOffset, tagsFromFeatures, type DetectedTag } from '../tags/detect.js';

export interface Embedder {
  readonly id: string;
  readonly dim: number;
  readonly preprocess: Preprocess;
  readonly captionBank: string[];
  /** What runs the image backbone, for status output (e.g. "onnxruntime cpu, 2 threads"). */
  readonly imageRuntime: string;
  /** n images of preprocessed pixels (HWC, concatenated) → n × dim, L2-normalised. */
  embedImages(pixels: Float32Array, n: number): Promise<Float32Array>;
  /**
   * The same vectors with the objects the backbone's detector found in each image, where the
   * model has a detector (the shipped CenterNet backbone); absent otherwise.
   */
  embedAndTag?(pixels: Float32Array, n: number): Promise<{ vectors: Float32Array; tags: DetectedTag[][] }>;
  embedTexts(texts: string[]): Promise<Float32Array>;
  /** Whether the sentence encoder's vocabulary has this (lower-cased) word; absent: assume it does. */
  knows?(word: string): boolean;
  dispose(): void;
}

export function bundleEmbedder(b: LoadedBundle): Embedder {
  const backbone = b.model.backbone;
  if (!backbone) throw new Error(`${b.dir}: this model has no image backbone, so it can't index photos`);
  const pre = backbone.preprocess;
  const dim = b.model.config.embedSize;
  const offset = classScoreOffset(backbone.spec);
  const project = async (features: tf.Tensor2D): Promise<Float32Array> => {
    const out = tf.tidy(() => b.model.encodeFeatures(features));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  return {
    id: b.manifest.id,
    dim,
    preprocess: pre,
    captionBank: b.captionBank,
    imageRuntime: `tfjs ${tf.getBackend()}`,
    async embedImages(pixels, n) {
      const s = pre.inputSize;
      const out = tf.tidy(() => b.model.encodePixels(tf.tensor4d(pixels.subarray(0, n * s * s * 3), [n, s, s, 3])));
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    ...(offset === null
      ? {}
      : {
          async embedAndTag(pixels: Float32Array, n: number) {
            const s = pre.inputSize;
            const features = tf.tidy(() =>
              backbone.features(tf.tensor4d(pixels.subarray(0, n * s * s * 3), [n, s, s, 3])),
            );
            try {
              const tags = tagsFromFeatures((await features.data()) as Float32Array, n, offset);
              return { vectors: await project(features), tags };
            } finally {
              features.dispose();
            }
          },
        }),
    knows: (word: string) => b.vocab.has(word),
    async embedTexts(texts) {
      const result = new Float32Array(texts.length * dim);
      for (let i = 0; i < texts.length; i += 256) {
        const chunk = texts.slice(i, i + 256);
        const t = b.model.encodeText(padTokens(chunk.map((c) => b.vocab.encode(c, b.model.config.maxCaptionLength))));
        result.set((await t.data()) as Float32Array, i * dim);
        t.dispose();
      }
      return result;
    },
    dispose: () => b.model.dispose(),
  };
}

/**
 * The bundle's embedder with the backbone on onnxruntime: features come from `onnx`, and only
 * the small projection head runs in tfjs. Same vectors as bundleEmbedder (test/onnx.test.ts).
 */
export function onnxEmbedder(b: LoadedBundle, onnx: OnnxBackbone): Embedder {
  const base = bundleEmbedder(b);
  const offset = b.model.backbone ? classScoreOffset(b.model.backbone.spec) : null;
  const project = async (features: Float32Array, n: number): Promise<Float32Array> => {
    const out = tf.tidy(() => b.model.encodeFeatures(tf.tensor2d(features, [n, features.length / n])));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  return {
    ...base,
    imageRuntime: onnx.description,
    async embedImages(pixels, n) {
      return project(await onnx.features(pixels, n), n);
    },
    ...(offset === null
      ? {}
      : {
          async embedAndTag(pixels: Float32Array, n: number) {
            const features = await onnx.features(pixels, n);
            return { vectors: await project(features, n), tags: tagsFromFeatures(features, n, offset) };
          },
        }),
    dispose() {
      base.dispose();
      void onnx.dispose();
    },
  };
}
