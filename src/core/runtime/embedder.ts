/**
 * What the library needs from a model: its id (stored with every vector), image and text
 * embeddings, its preprocessing, and its caption bank. Injected, so tests can use a tiny model.
 */
import * as tf from '@tensorflow/tfjs';
import type { LoadedBundle } from '../vse/bundle.js';
import { padTokens } from '../vse/model/vse.js';
import { jointDim } from '../vse/config.js';
import type { Preprocess } from '../vse/data/images.js';
import { preprocessOf } from '../vse/model/backbone.js';
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
  const spec = b.manifest.backbone;
  return spec && classScoreOffset(spec) !== null ? `${b.manifest.id}+${DETECTION_VERSION}` : b.manifest.id;
}

/** What every embedder of a bundle shares, whatever runs its images: the sentence encoder. */
function textSide(b: LoadedBundle): Pick<Embedder, 'id' | 'dim' | 'captionBank' | 'knows' | 'embedTexts' | 'dispose'> {
  const dim = jointDim(b.model.config);
  return {
    id: embedderId(b),
    dim,
    captionBank: b.captionBank,
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

export function bundleEmbedder(b: LoadedBundle): Embedder {
  const backbone = b.model.backbone;
  if (!backbone) throw new Error(`${b.dir}: this model has no image backbone, so it can't index photos`);
  const pre = backbone.preprocess;
  const offset = classScoreOffset(backbone.spec);
  const project = async (features: tf.Tensor2D): Promise<Float32Array> => {
    const out = tf.tidy(() => b.model.encodeFeatures(features));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  return {
    ...textSide(b),
    preprocess: pre,
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
  };
}

/** The image side on onnxruntime: features from `onnx`, the small projection head in tfjs. */
function onnxImages(b: LoadedBundle, onnx: OnnxBackbone): Pick<Embedder, 'embedImages' | 'embedAndTag'> {
  const offset = b.manifest.backbone ? classScoreOffset(b.manifest.backbone) : null;
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
 * of a cold start. `b` may be loaded without its tfjs backbone (`loadBundle(dir, { backbone:
 * false })`): onnxruntime translates the backbone from its files, so a second copy of its
 * weights in tfjs's heap would only cost memory. If the session can't be opened, images fall
 * back to tfjs, once, with a warning: on `b`'s backbone, or on the one `fallback` loads.
 */
export function lazyOnnxEmbedder(
  b: LoadedBundle,
  open: () => Promise<OnnxBackbone>,
  description: string,
  fallback?: () => Promise<Embedder>,
): Embedder {
  const spec = b.manifest.backbone;
  if (!spec) throw new Error(`${b.dir}: this model has no image backbone, so it can't index photos`);
  const text = textSide(b);
  let runtime = description;
  let onnx: Promise<OnnxBackbone | null> | null = null;
  let tfjs: Promise<Embedder> | null = null;
  const images = async (): Promise<Pick<Embedder, 'embedImages' | 'embedAndTag'>> => {
    onnx ??= open().catch((err: Error) => {
      console.warn(`glimpse: image backbone stays on tfjs: ${err.message}`);
      return null;
    });
    const session = await onnx;
    if (session) return onnxImages(b, session);
    tfjs ??= b.model.backbone || !fallback ? Promise.resolve(bundleEmbedder(b)) : fallback();
    const base = await tfjs;
    runtime = base.imageRuntime;
    return base;
  };
  const detects = classScoreOffset(spec) !== null;
  return {
    ...text,
    preprocess: preprocessOf(spec),
    get imageRuntime() {
      return runtime;
    },
    embedImages: async (pixels, n) => (await images()).embedImages(pixels, n),
    ...(detects
      ? {
          async embedAndTag(pixels: Float32Array, n: number) {
            const img = await images();
            return img.embedAndTag!(pixels, n);
          },
        }
      : {}),
    dispose() {
      text.dispose();
      void onnx?.then((session) => session?.dispose());
      // bundleEmbedder(b) shares b's model, which text.dispose() released.
      if (fallback && !b.model.backbone) void tfjs?.then((e) => e.dispose());
    },
  };
}
