/**
 * A small TensorFlow graph model (tfjs graph-model JSON) with every op the ONNX graph translator
 * knows, for the onnxruntime tests and for checks that need a frozen graph backbone.
 */
import { join } from 'node:path';
import { Rng } from '../src/core/base/rng.js';
import { writeFileAtomic } from '../src/core/base/files.js';
import type { BackboneSpec } from '../src/core/vse/model/backbone.js';

/**
 * A TensorFlow graph (tfjs graph-model JSON, as a frozen detector is exported) with each op the
 * graph translator knows, in the patterns MobileNetV3 + CenterNet use them: fused conv with bias
 * and ReLU at stride 2, depthwise conv, hard-swish (add, Relu6, mul by constants), squeeze-excite
 * (mean with keep_dims, 1x1 conv, sigmoid, broadcast mul), per-channel constants, bilinear
 * upsampling, concatenation and a sigmoid heatmap. Weights are random; written as a bundle folder.
 */
export function writeEveryOpGraph(dir: string): BackboneSpec {
  const rng = new Rng(7);
  const nodes: object[] = [];
  const specs: { name: string; shape: number[]; dtype: string }[] = [];
  const data: Float32Array[] = [];
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const konst = (name: string, shape: number[], values?: number[], dtype = 'float32') => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = values ?? Array.from({ length: n }, () => (rng.next() - 0.5) * 0.8);
    nodes.push({ name, op: 'Const', attr: { dtype: { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } });
    specs.push({ name, shape, dtype });
    data.push(dtype === 'int32' ? new Float32Array(new Int32Array(v).buffer) : Float32Array.from(v));
    return name;
  };
  const op = (name: string, type: string, input: string[], attr: object = {}) => {
    nodes.push({ name, op: type, input, attr: { T: { type: 'DT_FLOAT' }, ...attr } });
    return name;
  };
  const conv = (stride: number, padding: string, fused?: string[]) => ({
    strides: { list: { i: ['1', String(stride), String(stride), '1'] } },
    padding: { s: b64(padding) },
    data_format: { s: b64('NHWC') },
    dilations: { list: { i: ['1', '1', '1', '1'] } },
    ...(fused ? { fused_ops: { list: { s: fused.map(b64) } }, num_args: { i: '1' }, epsilon: { f: 0 } } : {}),
  });
  nodes.push({
    name: 'images',
    op: 'Placeholder',
    attr: {
      dtype: { type: 'DT_FLOAT' },
      shape: { shape: { dim: [{ size: '-1' }, { size: '16' }, { size: '16' }, { size: '3' }] } },
    },
  });
  const c1 = op(
    'c1',
    '_FusedConv2D',
    ['images', konst('c1/w', [3, 3, 3, 8]), konst('c1/b', [8])],
    conv(2, 'SAME', ['BiasAdd', 'Relu']),
  );
  const dw = op(
    'dw',
    'FusedDepthwiseConv2dNative',
    [c1, konst('dw/w', [5, 5, 8, 1]), konst('dw/b', [8])],
    conv(1, 'SAME', ['BiasAdd']),
  );
  const three = konst('three', [], [3]);
  const sixth = konst('sixth', [], [1 / 6]);
  const hs = op('hs/mul_1', 'Mul', [
    op('hs/mul', 'Mul', [sixth, dw]),
    op('hs/relu6', 'Relu6', [op('hs/add', 'Add', [dw, three])]),
  ]);
  const se = op('se/mean', 'Mean', [hs, konst('se/axes', [2], [1, 2], 'int32')], { keep_dims: { b: true } });
  const gate = op('se/sigmoid', 'Sigmoid', [
    op('se/conv', 'Conv2D', [se, konst('se/w', [1, 1, 8, 8])], conv(1, 'SAME')),
  ]);
  const excited = op('se/mul', 'Mul', [hs, gate]);
  const shifted = op('shift', 'AddV2', [excited, konst('shift/c', [8])]);
  const down = op('down', 'DepthwiseConv2dNative', [shifted, konst('down/w', [3, 3, 8, 1])], conv(2, 'VALID'));
  const up = op('up', 'ResizeBilinear', [down, konst('up/size', [2], [8, 8], 'int32')], {
    align_corners: { b: false },
    half_pixel_centers: { b: false },
  });
  const cat = op('cat', 'ConcatV2', [shifted, up, konst('cat/axis', [], [3], 'int32')], { N: { i: '2' } });
  const heat = op('heat', 'Sigmoid', [
    op(
      'cls',
      '_FusedConv2D',
      [op('relu', 'Relu', [cat]), konst('cls/w', [1, 1, 16, 5]), konst('cls/b', [5])],
      conv(1, 'SAME', ['BiasAdd']),
    ),
  ]);
  op('heatmap', 'Identity', [heat]);
  writeFileAtomic(join(dir, 'backbone', 'weights.bin'), Buffer.concat(data.map((d) => Buffer.from(d.buffer))));
  writeFileAtomic(
    join(dir, 'backbone', 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      modelTopology: { node: nodes, versions: { producer: 1 } },
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    }),
  );
  return {
    id: 'every-op-graph',
    format: 'tfjs-graph',
    path: 'backbone',
    inputSize: 16,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    featureNode: 'cat@avg,heatmap@max',
    featureDim: 16 + 5,
    fit: 'fill',
  };
}
