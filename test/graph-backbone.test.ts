/** A tfjs graph model works as a backbone: loaded from a bundle folder, its feature node executed. */
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { Backbone } from '../src/core/vse/model/backbone.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A minimal frozen graph: features = mean of the image over height and width (one value per channel). */
function writeGraphModel(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const modelTopology = {
    node: [
      {
        name: 'image',
        op: 'Placeholder',
        attr: {
          dtype: { type: 'DT_FLOAT' },
          shape: { shape: { dim: [{ size: '-1' }, { size: '8' }, { size: '8' }, { size: '3' }] } },
        },
      },
      {
        name: 'axes',
        op: 'Const',
        attr: {
          dtype: { type: 'DT_INT32' },
          value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } },
        },
      },
      {
        name: 'pooled',
        op: 'Mean',
        input: ['image', 'axes'],
        attr: { T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } },
      },
    ],
    versions: { producer: 1 },
  };
  writeFileSync(join(dir, 'weights.bin'), Buffer.from(new Int32Array([1, 2]).buffer));
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'axes', shape: [2], dtype: 'int32' }] }],
    }),
  );
}

describe('graph-model backbones', () => {
  it('load from the bundle and yield the declared feature node', async () => {
    await initBackend('wasm');
    writeGraphModel(join(tmp.dir, 'bundle', 'backbone'));
    const bb = await Backbone.load(
      {
        id: 'mean-rgb',
        format: 'tfjs-graph',
        path: 'backbone',
        inputSize: 8,
        mean: [0, 0, 0],
        std: [1, 1, 1],
        featureNode: 'pooled',
        featureDim: 3,
      },
      join(tmp.dir, 'bundle'),
    );
    const before = tf.memory().numTensors;
    const x = tf.tidy(() => tf.stack([tf.fill([8, 8, 3], 0.5), tf.fill([8, 8, 3], 2)])) as tf.Tensor4D;
    const f = bb.features(x);
    expect(f.shape).toEqual([2, 3]);
    expect(Array.from(f.dataSync()).map((v) => Math.round(v * 100) / 100)).toEqual([0.5, 0.5, 0.5, 2, 2, 2]);
    expect(bb.trainable).toBe(false);
    tf.dispose([x, f]);
    expect(tf.memory().numTensors).toBe(before);
    bb.dispose();
  });
});
