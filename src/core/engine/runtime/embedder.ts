/**
 * What the library needs from a model: its id (stored with every vector), image and text
 * embeddings, its preprocessing, and its caption bank. Injected, so tests can use a tiny model.
 */
import * as tf from '@tensorflow/tfjs';
import type { LoadedBundle } from '../bundle.js';
import { padTokens } from '../model/vse.js';
import type { Preprocess } from '../data/images.js';
import type { OnnxBackbone } from '../backbones/onnx-runtime.js';

export interface Embedder {
  readonly id: string;
  readonly dim: number;
  readonly preprocess: Preprocess;
  readonly captionBank: string[];
  /** What runs the image backbone, for status output (e.g. "onnxruntime cpu, 2 threads"). */
  readonly imageRuntime: string;
  /** n images of preprocessed pixels (HWC, concatenated) → n × dim, L2-normalised. */
  embedImages(pixels: Float32Array, n: number): Promise<Float32Array>;
  embedTexts(texts: string[]): Promise<Float32Array>;
  dispose(): void;
}

export function bundleEmbedder(b: LoadedBundle): Embedder {
  const backbone = b.model.backbone;
  if (!backbone) throw new Error(`${b.dir}: this model has no image backbone, so it can't index photos`);
  const pre = backbone.preprocess;
  const dim = b.model.config.embedSize;
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
  return {
    ...base,
    imageRuntime: onnx.description,
    async embedImages(pixels, n) {
      const features = await onnx.features(pixels, n);
      const out = tf.tidy(() => b.model.encodeFeatures(tf.tensor2d(features, [n, features.length / n])));
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    dispose() {
      base.dispose();
      void onnx.dispose();
    },
  };
}
