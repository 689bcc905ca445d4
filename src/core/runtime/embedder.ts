/**
 * What the library needs from a model: its id (stored with every vector), image and text
 * embeddings, its preprocessing, and its caption bank. Injected, so tests can use a tiny model.
 */
import * as tf from '@tensorflow/tfjs';
import type { LoadedBundle } from '../vse/bundle.js';
import { padTokens } from '../vse/model/vse.js';
import { jointDim } from '../vse/config.js';
import type { Preprocess } from '../vse/data/images.js';
import type { OnnxBackbone } from './backbones/onnx-runtime.js';
import {
  CENTERNET_HEADS,
  classScoreOffset,
  DETECTION_VERSION,
  tagsFromFeatures,
  type DetectedTag,
} from '../tags/detect.js';
import { peaksFromMaps } from '../tags/peaks-tf.js';

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

/**
 * The id stored with every vector and tag: the bundle's, plus the detection decoding's version
 * where the model has a detector, so a change in either re-embeds and re-tags the library.
 */
export function embedderId(b: LoadedBundle): string {
  const backbone = b.model.backbone;
  return backbone && classScoreOffset(backbone.spec) !== null ? `${b.manifest.id}+${DETECTION_VERSION}` : b.manifest.id;
}

export function bundleEmbedder(b: LoadedBundle): Embedder {
  const backbone = b.model.backbone;
  if (!backbone) throw new Error(`${b.dir}: this model has no image backbone, so it can't index photos`);
  const pre = backbone.preprocess;
  const dim = jointDim(b.model.config);
  const offset = classScoreOffset(backbone.spec);
  const project = async (features: tf.Tensor2D): Promise<Float32Array> => {
    const out = tf.tidy(() => b.model.encodeFeatures(features));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  return {
    id: embedderId(b),
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
            const x = tf.tensor4d(pixels.subarray(0, n * s * s * 3), [n, s, s, 3]);
            const { features, maps } = backbone.featuresWith(x, [CENTERNET_HEADS.heatmap, CENTERNET_HEADS.sizes]);
            x.dispose();
            try {
              const peaks = await peaksFromMaps(maps[0] as tf.Tensor4D, maps[1] as tf.Tensor4D, s);
              const tags = tagsFromFeatures((await features.data()) as Float32Array, n, offset, peaks);
              return { vectors: await project(features), tags };
            } finally {
              tf.dispose([features, ...maps]);
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

/** The image side on onnxruntime: features from `onnx`, the small projection head in tfjs. */
function onnxImages(b: LoadedBundle, onnx: OnnxBackbone): Pick<Embedder, 'embedImages' | 'embedAndTag'> {
  const offset = b.model.backbone ? classScoreOffset(b.model.backbone.spec) : null;
  const project = async (features: Float32Array, n: number): Promise<Float32Array> => {
    const out = tf.tidy(() => b.model.encodeFeatures(tf.tensor2d(features, [n, features.length / n])));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  return {
    async embedImages(pixels, n) {
      return project(await onnx.features(pixels, n), n);
    },
    ...(offset === null
      ? {}
      : {
          async embedAndTag(pixels: Float32Array, n: number) {
            if (!onnx.detect) {
              const features = await onnx.features(pixels, n);
              return { vectors: await project(features, n), tags: tagsFromFeatures(features, n, offset) };
            }
            const { features, peaks } = await onnx.detect(pixels, n);
            return { vectors: await project(features, n), tags: tagsFromFeatures(features, n, offset, peaks) };
          },
        }),
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
    ...onnxImages(b, onnx),
    dispose() {
      base.dispose();
      void onnx.dispose();
    },
  };
}

/**
 * onnxEmbedder with the onnxruntime session opened on the first image, not at load: a search
 * needs only the sentence encoder, and opening the backbone (translating it to ONNX) costs most
 * of a cold start. If the session can't be opened, images fall back to tfjs, once, with a warning.
 */
export function lazyOnnxEmbedder(b: LoadedBundle, open: () => Promise<OnnxBackbone>, description: string): Embedder {
  const base = bundleEmbedder(b);
  let runtime = description;
  let onnx: Promise<OnnxBackbone | null> | null = null;
  const images = async (): Promise<Pick<Embedder, 'embedImages' | 'embedAndTag'>> => {
    onnx ??= open().catch((err: Error) => {
      console.warn(`glimpse: image backbone stays on tfjs: ${err.message}`);
      runtime = base.imageRuntime;
      return null;
    });
    const session = await onnx;
    return session ? onnxImages(b, session) : base;
  };
  return {
    ...base,
    get imageRuntime() {
      return runtime;
    },
    embedImages: async (pixels, n) => (await images()).embedImages(pixels, n),
    ...(base.embedAndTag
      ? {
          async embedAndTag(pixels: Float32Array, n: number) {
            const img = await images();
            return (img.embedAndTag ?? base.embedAndTag)!(pixels, n);
          },
        }
      : {}),
    dispose() {
      base.dispose();
      void onnx?.then((session) => session?.dispose());
    },
  };
}
