/**
 * The maths against numbers from the published VSE++ code and PyTorch's nn.GRU
 * (test/fixtures/vsepp-reference.json), on every backend the engine can pick here.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { contrastiveLoss } from '../src/core/vse/model/loss.js';
import { gruLastHidden, type GruWeights } from '../src/core/vse/model/gru.js';
import { evaluateRetrieval } from '../src/core/vse/eval.js';
import { loadReference, expectClose, TEST_BACKENDS, type GruCase } from './helpers.js';

const ref = loadReference();

function gruWeights(c: GruCase): GruWeights {
  // PyTorch stores [3H, in]; the engine keeps [in, 3H].
  return {
    wIh: tf.tidy(() => tf.tensor2d(c.weight_ih).transpose()),
    wHh: tf.tidy(() => tf.tensor2d(c.weight_hh).transpose()),
    bIh: tf.tensor1d(c.bias_ih),
    bHh: tf.tensor1d(c.bias_hh),
  };
}

describe.each(TEST_BACKENDS)('golden fixtures on %s', (backend) => {
  beforeAll(async () => {
    const info = await initBackend(backend);
    expect(info.name).toBe(backend);
  });

  it.each(ref.loss.map((c, i) => [i, c] as const))('loss case %i: value and gradients', (_i, c) => {
    const before = tf.memory().numTensors;
    const im = tf.tensor2d(c.im);
    const s = tf.tensor2d(c.s);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      contrastiveLoss(a as tf.Tensor2D, b as tf.Tensor2D, c.margin, c.max_violation);
    const { value, grads } = tf.valueAndGrads(f)([im, s]);
    expectClose([value.dataSync()[0]!], [c.loss]);
    // The fixture's inputs are rounded to 6 decimals but its gradients were computed from the
    // unrounded ones. Each gradient row sums up to 4(B-1) unit-weighted input rows, so it can
    // inherit up to 4B x 5e-7 of that rounding on top of float32 error.
    const roundingSlack = 4 * c.im.length * 5e-7;
    expectClose(grads[0]!.dataSync(), c.grad_im.flat(), 1e-4, roundingSlack);
    expectClose(grads[1]!.dataSync(), c.grad_s.flat(), 1e-4, roundingSlack);
    tf.dispose([im, s, value, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(ref.recall.map((c, i) => [i, c] as const))('recall case %i: R@K, medr, meanr, ranks', (_i, c) => {
    const dim = c.images[0]!.length;
    const m = evaluateRetrieval({
      images: Float32Array.from(c.images.flat()),
      captions: Float32Array.from(c.captions.flat()),
      dim,
      perImage: 5,
    });
    for (const dir of ['i2t', 't2i'] as const) {
      const want = c[dir];
      expect(m[dir].ranks).toEqual(want.ranks);
      expectClose(
        [m[dir].r1, m[dir].r5, m[dir].r10, m[dir].medr, m[dir].meanr],
        [want.r1, want.r5, want.r10, want.medr, want.meanr],
      );
    }
  });

  it.each(ref.gru.map((c, i) => [i, c] as const))('GRU case %i: last hidden state', (_i, c) => {
    const before = tf.memory().numTensors;
    const w = gruWeights(c);
    const x = tf.tensor3d(c.x);
    const h = gruLastHidden(x, c.lengths, w);
    expectClose(h.dataSync(), c.last_hidden.flat());
    tf.dispose([x, h, w.wIh, w.wHh, w.bIh, w.bHh]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(ref.lngru.map((c, i) => [i, c] as const))('LN-GRU case %i: last hidden state', (_i, c) => {
    const before = tf.memory().numTensors;
    const w = gruWeights(c);
    w.ln = {
      ihGain: tf.tensor1d(c.ln_ih_gain),
      ihBias: tf.tensor1d(c.ln_ih_bias),
      hhGain: tf.tensor1d(c.ln_hh_gain),
      hhBias: tf.tensor1d(c.ln_hh_bias),
      eps: c.eps,
    };
    const x = tf.tensor3d(c.x);
    const h = gruLastHidden(x, c.lengths, w);
    expectClose(h.dataSync(), c.last_hidden.flat());
    tf.dispose([x, h, w.wIh, w.wHh, w.bIh, w.bHh, w.ln.ihGain, w.ln.ihBias, w.ln.hhGain, w.ln.hhBias]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('fold5 (COCO 1K protocol)', () => {
  it('averages the five folds of the paper protocol', async () => {
    const { evaluateFold5 } = await import('../src/core/vse/eval.js');
    const c = ref.recall[2]!; // 200 images: five folds of 40
    const dim = c.images[0]!.length;
    const images = Float32Array.from(c.images.flat());
    const captions = Float32Array.from(c.captions.flat());
    const folds = [0, 1, 2, 3, 4].map((f) =>
      evaluateRetrieval({
        images: images.subarray(f * 40 * dim, (f + 1) * 40 * dim),
        captions: captions.subarray(f * 200 * dim, (f + 1) * 200 * dim),
        dim,
        perImage: 5,
      }),
    );
    const m = evaluateFold5({ images, captions, dim, perImage: 5 }, 40);
    expect(m.i2t.r1).toBeCloseTo(folds.reduce((a, f) => a + f.i2t.r1, 0) / 5, 9);
    expect(m.t2i.medr).toBeCloseTo(folds.reduce((a, f) => a + f.t2i.medr, 0) / 5, 9);
    expect(m.rsum).toBeCloseTo(folds.reduce((a, f) => a + f.rsum, 0) / 5, 9);
    expect(() => evaluateFold5({ images, captions, dim, perImage: 5 })).toThrow(/at least 5000 images/);
  });
});
