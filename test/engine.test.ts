/**
 * The training engine on every backend the engine can pick here (wasm, and cpu with tiny
 * configs): it learns, its variants are selectable, tensors don't leak, a cancelled run resumes
 * exactly, and the wasm kernel fixes compute what the reference cpu kernels compute.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { initBackend, type BackendName } from '../src/core/runtime/tf/backend.js';
import { makeConfig, type VseConfigInput } from '../src/core/vse/config.js';
import { loadPrecomp } from '../src/core/vse/data/precomp.js';
import { loadFolder } from '../src/core/vse/data/folder.js';
import { subsetDataset } from '../src/core/vse/data/dataset.js';
import { train, type TrainInput } from '../src/core/vse/train.js';
import { VseModel, padTokens } from '../src/core/vse/model/vse.js';
import { Backbone, tinyCnn } from '../src/core/vse/model/backbone.js';
import { writeEveryOpGraph } from './graph-fixture.js';
import { contrastiveLoss } from '../src/core/vse/model/loss.js';
import { makeImageFolder, makePrecompDir } from './synthetic.js';
import { tempDir, TEST_BACKENDS } from './helpers.js';

const tmp = tempDir();
const precomp = join(tmp.dir, 'precomp');
const folder = join(tmp.dir, 'folder');
beforeAll(async () => {
  makePrecompDir(precomp);
  await makeImageFolder(folder, { perConcept: 3, size: 32 });
});
afterAll(() => tmp.cleanup());

const tiny: VseConfigInput = {
  embedSize: 32,
  wordDim: 16,
  imgDim: 32,
  batchSize: 24,
  numEpochs: 3,
  valStep: 1000,
  vocabThreshold: 1,
  learningRate: 1e-3,
};

async function runTraining(extra: Partial<Omit<TrainInput, 'config'>> & { config?: VseConfigInput; runDir: string }) {
  const trainDs = await loadPrecomp(precomp, 'train');
  const valDs = await loadPrecomp(precomp, 'dev');
  return train({
    train: trainDs,
    val: valDs,
    backbone: null,
    ...extra,
    config: makeConfig({ ...tiny, ...extra.config }),
  });
}

function weightsOf(model: VseModel): Record<string, Float32Array> {
  return Object.fromEntries([...model.params].map(([k, v]) => [k, v.dataSync() as Float32Array]));
}

describe.each(TEST_BACKENDS)('training on %s', (backend: BackendName) => {
  beforeAll(async () => {
    expect((await initBackend(backend)).name).toBe(backend);
  });

  it('learns: validation rsum rises well above its first value, and the log records it', async () => {
    const runDir = join(tmp.dir, `learn-${backend}`);
    const out = await runTraining({ runDir, config: { numEpochs: 6 } });
    const log = readFileSync(out.logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; rsum?: number; loss?: number; lr?: number });
    const vals = log.filter((r) => r.type === 'val').map((r) => r.rsum!);
    expect(vals.length).toBe(6);
    expect(out.best.rsum).toBeGreaterThan(vals[0]! + 50);
    expect(log.filter((r) => r.type === 'step').every((r) => Number.isFinite(r.loss) && r.lr === 1e-3)).toBe(true);
    out.model.dispose();
  });

  it.each([
    ['VSE0 (sum), GRU', { maxViolation: false, layerNorm: false }],
    ['VSE++ (max), GRU', { maxViolation: true, layerNorm: false }],
    ['VSE0 (sum), LN-GRU', { maxViolation: false, layerNorm: true }],
    ['VSE++ (max), LN-GRU', { maxViolation: true, layerNorm: true }],
  ] as const)('%s is selectable and trains without leaking tensors', async (_n, variant) => {
    const runDir = join(tmp.dir, `variant-${backend}-${variant.maxViolation}-${variant.layerNorm}`);
    const before = tf.memory().numTensors;
    const out = await runTraining({ runDir, config: { ...variant, numEpochs: 2 } });
    expect(out.model.params.has('txt.gru.ln_ih_gain')).toBe(variant.layerNorm);
    expect(out.best.rsum).toBeGreaterThan(0);
    const logged = JSON.parse(readFileSync(out.logPath, 'utf8').split('\n')[0]!) as {
      config: { maxViolation: boolean; layerNorm: boolean };
    };
    expect(logged.config).toMatchObject(variant);
    // What is left is exactly the returned model's parameters.
    expect(tf.memory().numTensors - before).toBe(out.model.params.size);
    out.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('encoding does not leak tensors', () => {
    const m = VseModel.create(makeConfig(tiny), 20);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const s = m.encodeText(
        padTokens([
          [1, 5, 6, 2],
          [1, 7, 2],
        ]),
      );
      const im = tf.tidy(() => m.encodeFeatures(tf.randomNormal([2, 32])));
      tf.dispose([s, im]);
    }
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('Ctrl-C checkpoints, and --resume continues exactly (same step, lr, optimiser state)', async () => {
    const straight = await runTraining({
      runDir: join(tmp.dir, `straight-${backend}`),
      config: { numEpochs: 3, lrUpdate: 2 },
    });
    const ac = new AbortController();
    let steps = 0;
    const first = await runTraining({
      runDir: join(tmp.dir, `resumed-${backend}`),
      config: { numEpochs: 3, lrUpdate: 2 },
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'step' && ++steps === 7) ac.abort();
      },
    });
    expect(first.status).toBe('interrupted');
    expect(first.step).toBe(7);
    first.model.dispose();
    const resumed = await runTraining({ runDir: join(tmp.dir, `resumed-${backend}`), resume: true });
    expect(resumed.status).toBe('completed');
    expect(resumed.step).toBe(straight.step);
    expect(resumed.best.rsum).toBeCloseTo(straight.best.rsum, 6);
    const a = weightsOf(straight.model);
    const b = weightsOf(resumed.model);
    for (const k of Object.keys(a)) expect(Array.from(b[k]!)).toEqual(Array.from(a[k]!));
    const lrs = readFileSync(resumed.logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; lr?: number; epoch?: number })
      .filter((r) => r.type === 'step');
    expect(lrs.filter((r) => r.epoch === 2).every((r) => Math.abs(r.lr! - 1e-4) < 1e-12)).toBe(true);
    straight.model.dispose();
    resumed.model.dispose();
  });

  it('fine-tunes the CNN backbone too (finetuneCnn) with a small CNN', async () => {
    // The cpu backend's conv gradients are slow: a few images are enough to show the CNN trains.
    const all = loadFolder(folder, 'all');
    const ds =
      backend === 'cpu'
        ? subsetDataset(all, [0, 3, 6, 9, 12, 15, 18, 21], Array.from(all.captionImage.keys()), 'all')
        : all;
    const backbone = tinyCnn(32, 16, 1);
    const w0 = backbone.trainableVariables().map((v) => Array.from(v.dataSync()));
    const out = await train({
      config: makeConfig({
        ...tiny,
        imgDim: 16,
        finetuneCnn: true,
        numEpochs: backend === 'cpu' ? 1 : 2,
        batchSize: 16,
        augment: true,
      }),
      train: ds,
      val: ds,
      runDir: join(tmp.dir, `ft-${backend}`),
      backbone,
    });
    expect(out.status).toBe('completed');
    const w1 = backbone.trainableVariables().map((v) => Array.from(v.dataSync()));
    expect(w1.some((w, i) => w.some((x, j) => x !== w0[i]![j]))).toBe(true);
    out.model.dispose();
  });

  it('refuses finetuneCnn on a frozen graph backbone (a detector), saying why', async () => {
    const dir = join(tmp.dir, `graph-${backend}`);
    const backbone = await Backbone.load(writeEveryOpGraph(dir), dir);
    const ds = loadFolder(folder, 'all');
    await expect(
      train({
        config: makeConfig({ ...tiny, imgDim: 21, finetuneCnn: true }),
        train: ds,
        val: ds,
        runDir: join(dir, 'run'),
        backbone,
      }),
    ).rejects.toThrow(/frozen graph model with no trainable weights/);
    backbone.dispose();
  });
});

describe('wasm kernel fixes agree with the reference cpu kernels', () => {
  async function on<T>(b: BackendName, f: () => T): Promise<T> {
    await initBackend(b);
    return f();
  }
  const x = Array.from({ length: 2 * 6 * 6 * 3 }, (_, i) => Math.sin(i));
  const w = Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i));
  const grads = () =>
    tf.tidy(() => {
      const xs = tf.tensor4d(x, [2, 6, 6, 3]);
      const ws = tf.tensor4d(w, [3, 3, 3, 4]);
      const emb = tf.tensor2d(x.slice(0, 40), [10, 4]);
      const ids = tf.tensor1d([1, 3, 3, 9], 'int32');
      const a = tf.tensor2d(x.slice(0, 24), [4, 6]);
      const b = tf.tensor2d(w.slice(0, 30), [5, 6]);
      const convGrads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
        tf
          .conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, [2, 1], 'same')
          .square()
          .sum(),
      )([xs, ws]);
      const gatherGrad = tf.grad((e: tf.Tensor) =>
        tf
          .gather(e, ids)
          .mul(tf.range(0, 16).reshape([4, 4]))
          .sum(),
      )(emb);
      const mmGrads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, false, true).square().sum())([a, b]);
      const loss = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        contrastiveLoss(p as tf.Tensor2D, q as tf.Tensor2D, 0.2, true),
      )([a, b.slice(0, 4)]);
      return [...convGrads, gatherGrad, ...mmGrads, ...loss].map((t) => Array.from(t.dataSync()));
    });

  it('Conv2DBackpropFilter, UnsortedSegmentSum and transposed matMuls', async () => {
    const cpu = await on('cpu', grads);
    const wasm = await on('wasm', grads);
    cpu.forEach((c, i) => c.forEach((v, j) => expect(wasm[i]![j]).toBeCloseTo(v, 3)));
  });

  it('one training step gives the same weights on wasm as on cpu', async () => {
    const step = async (b: BackendName) => {
      await initBackend(b);
      const out = await runTraining({ runDir: join(tmp.dir, `same-${b}`), config: { numEpochs: 1 } });
      const w = weightsOf(out.model);
      out.model.dispose();
      return w;
    };
    const cpu = await step('cpu');
    const wasm = await step('wasm');
    for (const k of Object.keys(cpu)) {
      const c = cpu[k]!;
      const m = wasm[k]!;
      let maxDiff = 0;
      for (let i = 0; i < c.length; i++) maxDiff = Math.max(maxDiff, Math.abs(c[i]! - m[i]!));
      expect(maxDiff, k).toBeLessThan(1e-3);
    }
  });
});

describe('augmentation on cached features (precomputed augmented views)', () => {
  /** The training set with `augmented` views whose rows come from `rowsOf(view, plainRows)`. */
  async function withViews(rowsOf: (v: number, rows: Int32Array) => Int32Array, matrixDir = precomp) {
    const ds = await loadPrecomp(precomp, 'train');
    const views = await loadPrecomp(matrixDir, 'train');
    if (ds.images.kind !== 'features' || views.images.kind !== 'features') throw new Error('precomp gives features');
    const plain = ds.images.rows;
    return {
      ...ds,
      images: {
        ...ds.images,
        augmented: { matrix: views.images.matrix, views: [0, 1, 2].map((v) => rowsOf(v, plain)) },
      },
    };
  }
  async function weightsAfter(train_: Awaited<ReturnType<typeof withViews>>, augment: boolean, name: string) {
    const out = await train({
      train: train_,
      val: await loadPrecomp(precomp, 'dev'),
      backbone: null,
      runDir: join(tmp.dir, name),
      config: makeConfig({ ...tiny, numEpochs: 1, augment }),
    });
    const w = weightsOf(out.model);
    out.model.dispose();
    return w;
  }
  const maxDiff = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) =>
    Math.max(...Object.keys(a).map((k) => a[k]!.reduce((m, x, i) => Math.max(m, Math.abs(x - b[k]![i]!)), 0)));

  it('draws views only when augment is on; a view equal to the plain crop changes nothing', async () => {
    await initBackend('wasm');
    const other = join(tmp.dir, 'precomp-other');
    makePrecompDir(other, { seed: 7 });
    const plainRun = await weightsAfter(await withViews((_v, rows) => rows), false, 'aug-off');
    // Views that are the plain rows (or missing, -1): augmentation has nothing to change.
    expect(maxDiff(plainRun, await weightsAfter(await withViews((_v, rows) => rows), true, 'aug-same'))).toBe(0);
    expect(
      maxDiff(plainRun, await weightsAfter(await withViews((_v, rows) => rows.map(() => -1)), true, 'aug-missing')),
    ).toBe(0);
    // Views with other features: the run sees them, so its weights move elsewhere; with augment off they are ignored.
    const differentViews = await withViews((_v, rows) => rows, other);
    expect(maxDiff(plainRun, await weightsAfter(differentViews, true, 'aug-other'))).toBeGreaterThan(1e-4);
    expect(maxDiff(plainRun, await weightsAfter(differentViews, false, 'aug-other-off'))).toBe(0);
  });
});

describe('levers for the drawing→photo gap (not in the paper)', () => {
  it('max-violation warm-up: the first epochs train exactly as the sum of hinges, the later ones as VSE++', async () => {
    await initBackend('wasm');
    const run = async (config: VseConfigInput, name: string) => {
      const out = await runTraining({ runDir: join(tmp.dir, name), config: { numEpochs: 1, ...config } });
      const w = weightsOf(out.model);
      out.model.dispose();
      return w;
    };
    const same = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) =>
      Object.keys(a).every((k) => a[k]!.every((x, i) => x === b[k]![i]));
    const sum1 = await run({ maxViolation: false }, 'warm-sum');
    const max1 = await run({ maxViolation: true }, 'warm-max');
    expect(same(await run({ maxViolation: true, maxViolationWarmup: 1 }, 'warm-1'), sum1)).toBe(true);
    expect(same(sum1, max1)).toBe(false);
    // After the warm-up it is max violation: two epochs with a 1-epoch warm-up differ from two of sums.
    const warm2 = await run({ maxViolation: true, maxViolationWarmup: 1, numEpochs: 2 }, 'warm-2');
    expect(same(warm2, await run({ maxViolation: false, numEpochs: 2 }, 'warm-sum-2'))).toBe(false);
  });

  it('feature standardisation: fixed statistics in the model, never trained, saved and checked by shape', async () => {
    await initBackend('wasm');
    const mean = Float32Array.from({ length: 32 }, (_, i) => i / 10);
    const scale = Float32Array.from({ length: 32 }, (_, i) => 1 + i / 32);
    const before = tf.memory().numTensors;
    const out = await runTraining({
      runDir: join(tmp.dir, 'standardise'),
      config: { numEpochs: 1, standardiseFeatures: true },
      featureStats: { mean, scale },
    });
    expect(out.model.trainableVariables().some((v) => v.name.includes('img.norm'))).toBe(false);
    expect(out.model.params.get('img.norm.mean')!.dataSync()).toEqual(mean);
    expect(out.model.params.get('img.norm.scale')!.dataSync()).toEqual(scale);
    // The encoder computes l2norm((x - mean) * scale) before the projection: a model without
    // standardisation, given those features directly, embeds identically.
    const plain = VseModel.fromWeights(
      makeConfig({ ...tiny, standardiseFeatures: false }),
      out.model.namedWeights(),
      null,
      'test',
    );
    const x = tf.randomNormal([3, 32], 0, 1, 'float32', 3) as tf.Tensor2D;
    const a = out.model.encodeFeatures(x);
    const z = tf.tidy(() => x.sub(tf.tensor1d(mean)).mul(tf.tensor1d(scale)) as tf.Tensor2D);
    const b = plain.encodeFeatures(z);
    const d = tf.tidy(() => a.sub(b).abs().max());
    expect(d.dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, a, z, b, d]);
    plain.dispose();
    // A saved model of this config must carry the statistics.
    const w = { ...out.model.namedWeights() };
    delete w['img.norm.scale'];
    expect(() => VseModel.fromWeights(out.model.config, w, null, 'bundle')).toThrow(/img.norm.scale.*missing/);
    out.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('heads: seeds averaged inside one model (not in the paper)', () => {
  const config = (heads: number, seed = 0) => makeConfig({ ...tiny, heads, seed });
  const tokens = padTokens([
    [1, 2, 3],
    [4, 5],
  ]);

  it('a 2-head model is two seeded heads side by side: its similarity is their mean', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const [one, two] = [VseModel.create(config(1, 0), 10), VseModel.create(config(1, 1), 10)];
    const both = VseModel.create(config(2, 0), 10);
    // Head k starts as the single-head model of seed + k would, under its own names.
    expect(weightsOf(both)['head1.txt.embed']).toEqual(weightsOf(two)['txt.embed']);
    const joined = VseModel.join([one, two], null);
    expect(weightsOf(joined)).toEqual(weightsOf(both));
    const x = tf.randomNormal([3, 32], 0, 1, 'float32', 4) as tf.Tensor2D;
    const sims = (m: VseModel) => tf.tidy(() => m.encodeFeatures(x).matMul(m.encodeText(tokens), false, true));
    const [s1, s2, s] = [sims(one), sims(two), sims(both)];
    const d = tf.tidy(() => s.sub(s1.add(s2).div(2)).abs().max());
    expect(d.dataSync()[0]).toBeLessThan(1e-6);
    const emb = both.encodeText(tokens);
    expect(emb.shape).toEqual([2, 64]);
    const norms = tf.tidy(() => emb.square().sum(1).sqrt());
    for (const n of norms.dataSync()) expect(n).toBeCloseTo(1, 5);
    tf.dispose([x, s1, s2, s, d, emb, norms]);
    for (const m of [one, two, both, joined]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains as one model, keeps a single head exactly as before, and reloads by name and shape', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const out = await runTraining({ runDir: join(tmp.dir, 'heads-2'), config: { numEpochs: 1, heads: 2 } });
    const w = out.model.namedWeights();
    const again = VseModel.fromWeights(out.model.config, w, null, 'bundle');
    const e1 = again.encodeText(tokens);
    const e2 = out.model.encodeText(tokens);
    expect(e1.dataSync()).toEqual(e2.dataSync());
    const missing = { ...w };
    delete missing['head1.txt.gru.w_hh'];
    expect(() => VseModel.fromWeights(out.model.config, missing, null, 'bundle')).toThrow(
      /head1.txt.gru.w_hh.*missing/,
    );
    // One head has the plain names only: bundles written before heads existed load unchanged.
    const single = VseModel.create(config(1), 10);
    expect([...single.params.keys()].some((n) => n.startsWith('head'))).toBe(false);
    // Models that disagree on more than their seed can't be joined.
    const other = VseModel.create(config(1), 11);
    expect(() => VseModel.join([single, other], null)).toThrow(/one vocabulary/);
    tf.dispose([e1, e2]);
    for (const m of [again, out.model, single, other]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
