/**
 * The backbone on onnxruntime gives the same features as on tfjs: the shipped backbone (the
 * CenterNet detector's graph), a small layers model with every layer type the translator handles
 * and a small TensorFlow graph with every op it handles. An untranslatable backbone fails with
 * the layer's name, and the library then keeps tfjs. CI sets GLIMPSE_REQUIRE_ORT so this runs there.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { Backbone, tinyCnn, type BackboneSpec } from '../src/core/vse/model/backbone.js';
import { readModelArtifacts, saveLayersModel } from '../src/core/vse/weights-io.js';
import { loadBundle, readManifest } from '../src/core/vse/bundle.js';
import { kerasToOnnx } from '../src/core/runtime/backbones/onnx-export.js';
import { graphToOnnx } from '../src/core/runtime/backbones/onnx-graph-export.js';
import { writeEveryOpGraph } from './graph-fixture.js';
import { loadOnnxRuntime, openOnnxBackbone } from '../src/core/runtime/backbones/onnx-runtime.js';
import { bundleEmbedder, lazyOnnxEmbedder, onnxEmbedder } from '../src/core/runtime/embedder.js';
import { Glimpse } from '../src/core/app/glimpse.js';
import { Rng } from '../src/core/base/rng.js';
import { CENTERNET_HEADS } from '../src/core/tags/detect.js';
import { peaksFromMaps } from '../src/core/tags/peaks-tf.js';
import { ROOT, tempDir, describeIf } from './helpers.js';

const ort = await loadOnnxRuntime();
const tmp = tempDir();
const SHIPPED = join(ROOT, 'resources', 'models', 'default');

function randomPixels(n: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * size * size * 3 }, () => rng.next());
}

function expectClose(got: Float32Array, want: Float32Array, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  expect(worst).toBeLessThanOrEqual(tol * Math.max(1, scale));
}

async function tfjsFeatures(spec: BackboneSpec, dir: string, pixels: Float32Array, n: number): Promise<Float32Array> {
  const bb = await Backbone.load(spec, dir);
  const s = spec.inputSize;
  const f = tf.tidy(() => bb.features(tf.tensor4d(pixels, [n, s, s, 3])));
  const out = f.dataSync() as Float32Array;
  f.dispose();
  bb.dispose();
  return out;
}

/** A small functional model with every layer type the translator knows, in shapes that matter. */
function everyLayerModel(): tf.LayersModel {
  const init = (k: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: k });
  const input = tf.input({ shape: [19, 19, 3], name: 'image' });
  const padded = tf.layers
    .zeroPadding2d({
      padding: [
        [0, 1],
        [1, 0],
      ],
      name: 'pad',
    })
    .apply(input) as tf.SymbolicTensor;
  const c1 = tf.layers
    .conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      biasInitializer: init(9),
      kernelInitializer: init(1),
      name: 'c1',
    })
    .apply(padded) as tf.SymbolicTensor;
  const bn = tf.layers
    .batchNormalization({
      name: 'bn',
      betaInitializer: init(2),
      gammaInitializer: tf.initializers.ones(),
      movingMeanInitializer: init(3),
      movingVarianceInitializer: tf.initializers.constant({ value: 1.7 }),
    })
    .apply(c1) as tf.SymbolicTensor;
  const r6 = tf.layers.reLU({ maxValue: 6, name: 'r6' }).apply(bn) as tf.SymbolicTensor;
  const dw = tf.layers
    .depthwiseConv2d({
      kernelSize: 3,
      depthMultiplier: 2,
      padding: 'same',
      useBias: true,
      biasInitializer: init(8),
      depthwiseInitializer: init(4),
      name: 'dw',
    })
    .apply(r6) as tf.SymbolicTensor;
  const c2 = tf.layers
    .conv2d({ filters: 16, kernelSize: 1, useBias: false, kernelInitializer: init(5), name: 'c2' })
    .apply(r6) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([dw, c2]) as tf.SymbolicTensor;
  const act = tf.layers.activation({ activation: 'tanh', name: 'act' }).apply(sum) as tf.SymbolicTensor;
  const maxp = tf.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxp' })
    .apply(act) as tf.SymbolicTensor;
  const avgp = tf.layers
    .averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'avgp' })
    .apply(act) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({ name: 'cat' }).apply([maxp, avgp]) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(cat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: flat });
}

afterAll(() => tmp.cleanup());

describeIf(typeof ort !== 'string' || !!process.env.GLIMPSE_REQUIRE_ORT, `the backbone on onnxruntime: ${String(ort)}`)(
  'the backbone on onnxruntime',
  () => {
    beforeAll(async () => {
      await initBackend('wasm');
    });

    it('is installed where CI requires it', () => {
      expect(ort).not.toBeTypeOf('string');
    });

    it('gives the shipped backbone the same features as tfjs, and the same embeddings', async () => {
      const spec = readManifest(SHIPPED).backbone!;
      const px = randomPixels(3, spec.inputSize, 1);
      const onnx = await openOnnxBackbone(spec, SHIPPED, 2);
      expectClose(await onnx.features(px, 3), await tfjsFeatures(spec, SHIPPED, px, 3), 1e-4);

      const bundle = await loadBundle(SHIPPED);
      const plain = bundleEmbedder(bundle);
      const fast = onnxEmbedder(bundle, onnx);
      expect(fast.imageRuntime).toBe('onnxruntime cpu, 2 threads');
      const want = await plain.embedImages(px, 3);
      await fast.embedImages(px, 3); // the first call allocates tfjs's kernels for the head
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) expectClose(await fast.embedImages(px, 3), want, 1e-4);
      expect(tf.memory().numTensors).toBe(before);
      fast.dispose();
    });

    it("decodes the detector's peaks and boxes as tfjs does, from the same run as the features", async () => {
      const spec = readManifest(SHIPPED).backbone!;
      const px = randomPixels(2, spec.inputSize, 5);
      const onnx = await openOnnxBackbone(spec, SHIPPED, 2);
      const got = await onnx.detect!(px, 2);
      const bb = await Backbone.load(spec, SHIPPED);
      const s = spec.inputSize;
      const x = tf.tensor4d(px, [2, s, s, 3]);
      const { features, maps } = bb.featuresWith(x, [CENTERNET_HEADS.heatmap, CENTERNET_HEADS.sizes]);
      const want = await peaksFromMaps(maps[0] as tf.Tensor4D, maps[1] as tf.Tensor4D, s);
      expectClose(got.features, features.dataSync() as Float32Array, 1e-4);
      tf.dispose([x, features, ...maps]);
      bb.dispose();
      await onnx.dispose();
      expect(got.peaks.k).toBe(want.k);
      // The strongest peaks: the same cells and classes, the same boxes.
      for (const image of [0, 1]) {
        const top = (p: typeof want) => p.scores.subarray(image * p.k, image * p.k + 10);
        expectClose(top(got.peaks), top(want), 1e-4);
        const at = image * want.k;
        expect([...got.peaks.classes.subarray(at, at + 10)]).toEqual([...want.classes.subarray(at, at + 10)]);
        expectClose(got.peaks.boxes.subarray(at * 4, (at + 10) * 4), want.boxes.subarray(at * 4, (at + 10) * 4), 1e-3);
      }
    });

    it('caches the translated graph in the data dir, reuses it, and replaces a damaged entry', async () => {
      const spec = readManifest(SHIPPED).backbone!;
      const px = randomPixels(2, spec.inputSize, 3);
      const cache = join(tmp.dir, 'onnx-cache');
      const first = await openOnnxBackbone(spec, SHIPPED, 1, cache);
      const want = await first.features(px, 2);
      await first.dispose();
      const [file] = readdirSync(cache);
      expect(file).toMatch(/\.onnx$/);
      const written = statSync(join(cache, file!)).mtimeMs;
      const again = await openOnnxBackbone(spec, SHIPPED, 1, cache);
      expectClose(await again.features(px, 2), want, 1e-6);
      await again.dispose();
      expect(statSync(join(cache, file!)).mtimeMs).toBe(written); // read, not rewritten
      writeFileSync(join(cache, file!), 'not an onnx graph');
      const repaired = await openOnnxBackbone(spec, SHIPPED, 1, cache);
      expectClose(await repaired.features(px, 2), want, 1e-6);
      await repaired.dispose();
      expect(statSync(join(cache, file!)).size).toBeGreaterThan(1000);
    });

    it('opens onnxruntime lazily, holds no tfjs copy of the backbone, and falls back to tfjs whole', async () => {
      const start = tf.memory().numTensors;
      const full = await loadBundle(SHIPPED);
      const plain = bundleEmbedder(full);
      const s = full.manifest.backbone!.inputSize;
      const px = randomPixels(2, s, 4);
      const want = await plain.embedImages(px, 2);
      const wantTags = (await plain.embedAndTag!(px, 2)).tags;

      const before = tf.memory().numTensors;
      const bundle = await loadBundle(SHIPPED, { backbone: false });
      expect(bundle.model.backbone).toBeNull();
      // Only the projection head and sentence encoder: far fewer tensors than the whole model.
      expect(tf.memory().numTensors - before).toBeLessThan(60);
      let opened = 0;
      const lazy = lazyOnnxEmbedder(
        bundle,
        async () => {
          opened++;
          return openOnnxBackbone(bundle.manifest.backbone!, SHIPPED, 1);
        },
        'onnxruntime cpu, 1 thread',
      );
      expect(lazy.id).toBe(plain.id);
      expect(lazy.preprocess).toEqual(plain.preprocess);
      await lazy.embedTexts(['a dog on a beach']);
      expect(opened).toBe(0);
      expectClose(await lazy.embedImages(px, 2), want, 1e-4);
      expect((await lazy.embedAndTag!(px, 2)).tags.map((t) => t.map((x) => x.label))).toEqual(
        wantTags.map((t) => t.map((x) => x.label)),
      );
      expect(opened).toBe(1);
      lazy.dispose();

      // onnxruntime can't open it: the whole bundle loads on tfjs, once, and gives the same vectors.
      let fallbacks = 0;
      const broken = lazyOnnxEmbedder(
        await loadBundle(SHIPPED, { backbone: false }),
        () => Promise.reject(new Error('no session')),
        'onnxruntime cpu, 1 thread',
        async () => {
          fallbacks++;
          return bundleEmbedder(await loadBundle(SHIPPED));
        },
      );
      expectClose(await broken.embedImages(px, 2), want, 1e-4);
      await broken.embedImages(px, 1);
      expect(fallbacks).toBe(1);
      expect(broken.imageRuntime).toMatch(/^tfjs/);
      broken.dispose();
      plain.dispose();
      await new Promise((r) => setTimeout(r, 0));
      expect(tf.memory().numTensors).toBe(start);
    });

    it('translates padding, strides, depthwise, batch norm, ReLU6, add, concat, pooling and flatten exactly', async () => {
      const dir = join(tmp.dir, 'every-layer');
      await saveLayersModel(everyLayerModel(), join(dir, 'backbone'));
      const spec: BackboneSpec = {
        id: 'every-layer',
        format: 'tfjs-layers',
        path: 'backbone',
        inputSize: 19,
        mean: [0, 0, 0],
        std: [1, 1, 1],
        featureNode: 'flat',
        featureDim: 5 * 5 * 32,
      };
      const px = randomPixels(2, 19, 2);
      const onnx = await openOnnxBackbone(spec, dir, 1);
      expectClose(await onnx.features(px, 2), await tfjsFeatures(spec, dir, px, 2), 1e-4);
      // An inner layer as the feature node: its spatial map is average-pooled, as Backbone.features does.
      const inner = { ...spec, featureNode: 'sum', featureDim: 16 };
      expectClose(
        await (await openOnnxBackbone(inner, dir, 1)).features(px, 2),
        await tfjsFeatures(inner, dir, px, 2),
        1e-4,
      );
    });

    it("translates a TensorFlow graph (a detector's ops: fused convs, hard-swish, squeeze-excite, upsampling, concat) exactly", async () => {
      const dir = join(tmp.dir, 'every-op-graph');
      const spec = writeEveryOpGraph(dir);
      const px = randomPixels(3, 16, 4);
      const before = tf.memory().numTensors;
      const want = await tfjsFeatures(spec, dir, px, 3);
      expect(tf.memory().numTensors).toBe(before);
      expectClose(await (await openOnnxBackbone(spec, dir, 1)).features(px, 3), want, 1e-5);
      // One node, average-pooled by default.
      const one = { ...spec, featureNode: 'up', featureDim: 8 };
      expectClose(
        await (await openOnnxBackbone(one, dir, 1)).features(px, 3),
        await tfjsFeatures(one, dir, px, 3),
        1e-5,
      );
      // A bundle re-saves a graph backbone as it was loaded.
      const bb = await Backbone.load(spec, dir);
      await bb.save(join(tmp.dir, 'resaved'));
      bb.dispose();
      expectClose(await tfjsFeatures(spec, join(tmp.dir, 'resaved'), px, 3), want, 0);
      expect(() => graphToOnnx(readModelArtifacts(join(dir, 'backbone')), 'nope')).toThrow(/graph has no node "nope"/);
      expect(() => graphToOnnx(readModelArtifacts(join(dir, 'backbone')), 'cat@sum')).toThrow(
        /pooling must be @avg or @max/,
      );
    });

    it('runs the tests\' tiny CNN, whose feature layer is called "features" like nothing in the ONNX graph', async () => {
      const dir = join(tmp.dir, 'tiny');
      const tiny = tinyCnn(16, 8, 3);
      await tiny.save(dir);
      const px = randomPixels(2, 16, 3);
      expectClose(
        await (await openOnnxBackbone(tiny.spec, dir, 1)).features(px, 2),
        await tfjsFeatures(tiny.spec, dir, px, 2),
        1e-4,
      );
      tiny.dispose();
    });

    it('names the layer it cannot translate', async () => {
      const dir = join(tmp.dir, 'dense');
      const m = tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, name: 'conv' }),
          tf.layers.flatten({ name: 'flat' }),
          tf.layers.dense({ units: 3, name: 'head' }),
        ],
      });
      await saveLayersModel(m, join(dir, 'backbone'));
      expect(() => kerasToOnnx(readModelArtifacts(join(dir, 'backbone')), { featureNode: 'head' })).toThrow(
        /head: layer type Dense has no ONNX translation/,
      );
      expect(() => kerasToOnnx(readModelArtifacts(join(dir, 'backbone')), { featureNode: 'nope' })).toThrow(
        /no layer named "nope"/,
      );
      // Up to a translatable layer it works.
      expect(kerasToOnnx(readModelArtifacts(join(dir, 'backbone')), { featureNode: 'flat' }).length).toBeGreaterThan(
        100,
      );
    });

    it('is what the library uses to index, unless told to keep tfjs', async () => {
      const status = async (env?: string) => {
        if (env) process.env.GLIMPSE_IMAGE_RUNTIME = env;
        const service = new Glimpse({ dataDir: join(tmp.dir, `data-${env ?? 'auto'}`) });
        try {
          return await service.status({ model: SHIPPED });
        } finally {
          service.close();
          delete process.env.GLIMPSE_IMAGE_RUNTIME;
        }
      };
      expect((await status()).imageRuntime).toMatch(/^onnxruntime cpu, \d threads?$/);
      expect((await status('tfjs')).imageRuntime).toMatch(/^tfjs wasm/);
    });
  },
);
