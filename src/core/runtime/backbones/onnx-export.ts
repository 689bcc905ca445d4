/**
 * Translates a tfjs/Keras layers-model backbone (model.json + weights) into an ONNX model, so
 * onnxruntime's CPU kernels can run it instead of tfjs's single-threaded wasm backend. The ONNX
 * model is built in memory from the bundle at load time: the bundle stays one format, and the
 * two runtimes can be checked against each other on the same weights.
 *
 * The ONNX graph takes the same NHWC pixels as the tfjs model, transposes once to NCHW (what ONNX
 * convolutions expect), and ends at the feature layer, average-pooled to a vector like
 * Backbone.features. Batch norm and clipping are emitted as their own nodes: onnxruntime folds
 * them into the convolutions when it optimises the graph.
 */
import * as tf from '@tensorflow/tfjs';
// onnx-proto is CommonJS that fills its namespace at run time, so Node's ESM loader can't name it.
import onnxProto from 'onnx-proto';

import onnx = onnxProto.onnx;

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes?: [string, number, number, unknown][][];
}

/** Where a Keras layer's output lives in the ONNX graph; rank-4 tensors are NCHW there. */
interface Value {
  name: string;
  rank: number;
}

export const ONNX_OPSET = 13;
// Names no Keras layer takes, so they never clash with a layer's output (a layer may be called "features").
export const ONNX_INPUT = 'input:pixels';
export const ONNX_OUTPUT = 'output:features';

export const ints = (name: string, v: number[]): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints: v,
});
export const int = (name: string, v: number): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i: v,
});
export const str = (name: string, v: string): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.STRING,
  s: new TextEncoder().encode(v),
});

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private seq = 0;

  fresh(base: string): string {
    return `${base}:${++this.seq}`;
  }

  node(opType: string, inputs: string[], output: string, attrs: onnx.IAttributeProto[] = []): string {
    this.nodes.push({ opType, input: inputs, output: [output], name: output, attribute: attrs });
    return output;
  }

  /** A node with several outputs (TopK's values and indices). */
  multi(opType: string, inputs: string[], outputs: string[], attrs: onnx.IAttributeProto[] = []): string[] {
    this.nodes.push({ opType, input: inputs, output: outputs, name: outputs[0], attribute: attrs });
    return outputs;
  }

  /** Graph outputs besides the features, declared by name, element type and dims. */
  readonly extraOutputs: { name: string; elemType: onnx.TensorProto.DataType; dims: (number | string)[] }[] = [];

  floats(name: string, dims: number[], data: Float32Array): string {
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  /** Global pooling of an NCHW map to an [N, C] vector named `output`. */
  poolToVector(op: 'GlobalAveragePool' | 'GlobalMaxPool', input: string, output: string): string {
    return this.node('Flatten', [this.node(op, [input], this.fresh(output))], output, [int('axis', 1)]);
  }

  /**
   * The finished model: NHWC pixels `ONNX_INPUT` in, [batch, dim] features `ONNX_OUTPUT` out
   * (unless `features` is false: a graph of only `extraOutputs`).
   */
  encode(height: number, width: number, features = true): Uint8Array {
    const dim = (v: number | string): onnx.TensorShapeProto.IDimension =>
      typeof v === 'number' && v > 0 ? { dimValue: v } : { dimParam: String(v) || 'size' };
    const tensorType = (dims: (number | string)[], elemType = onnx.TensorProto.DataType.FLOAT): onnx.ITypeProto => ({
      tensorType: { elemType, shape: { dim: dims.map(dim) } },
    });
    const graph: onnx.IGraphProto = {
      name: 'glimpse-backbone',
      node: this.nodes,
      initializer: this.initializers,
      input: [{ name: ONNX_INPUT, type: tensorType(['batch', height || 'height', width || 'width', 3]) }],
      output: [
        ...(features ? [{ name: ONNX_OUTPUT, type: tensorType(['batch', 'dim']) }] : []),
        ...this.extraOutputs.map((o) => ({ name: o.name, type: tensorType(o.dims, o.elemType) })),
      ],
    };
    return onnx.ModelProto.encode({
      irVersion: 7,
      producerName: 'glimpse',
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      graph,
    }).finish();
  }

  int64s(name: string, values: number[]): string {
    const raw = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: raw });
    return name;
  }
}

/**
 * A weight as plain numbers. The translator reads a backbone's weights this way rather than as
 * tfjs tensors: tfjs's wasm heap never gives memory back, so a ResNet-152 translated through it
 * would keep about 250 MB for the life of the process (docs/BENCH.md).
 */
export class HostTensor {
  constructor(
    readonly shape: number[],
    private readonly data: Float32Array,
  ) {}
  get size(): number {
    return this.data.length;
  }
  dataSync(): Float32Array {
    return this.data;
  }
}

/** A Keras kernel's values in ONNX's axis order. */
export function permuted(t: tf.Tensor | HostTensor, perm: number[]): Float32Array {
  if (t instanceof tf.Tensor) return tf.tidy(() => t.transpose(perm).dataSync() as Float32Array);
  const from = t.dataSync();
  const shape = t.shape;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]!);
  const step = perm.map((p) => strides[p]!);
  const out = new Float32Array(from.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0, src = 0; o < out.length; o++) {
    out[o] = from[src]!;
    // Advance the output index like an odometer, moving the source offset by each axis's stride.
    for (let d = outShape.length - 1; d >= 0; d--) {
      src += step[d]!;
      if (++idx[d]! < outShape[d]!) break;
      src -= step[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** The weights as HostTensors, decoded without tfjs where they are plain float32 (as saved here). */
function hostWeights(artifacts: tf.io.ModelArtifacts): Map<string, HostTensor> {
  const specs = artifacts.weightSpecs ?? [];
  const out = new Map<string, HostTensor>();
  if (specs.some((w) => w.dtype !== 'float32' || w.quantization)) {
    const decoded = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, specs);
    for (const [k, t] of Object.entries(decoded)) out.set(k, new HostTensor(t.shape, Float32Array.from(t.dataSync())));
    tf.dispose(Object.values(decoded));
    return out;
  }
  const buf = artifacts.weightData as ArrayBuffer;
  let offset = 0;
  for (const w of specs) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (offset + n * 4 > buf.byteLength) throw new Error(`weight "${w.name}" runs past the end of the weights file`);
    out.set(w.name, new HostTensor(w.shape, new Float32Array(buf, offset, n)));
    offset += n * 4;
  }
  return out;
}

function padMode(layer: KerasLayer): onnx.IAttributeProto {
  const p = layer.config.padding;
  if (p === 'same') return str('auto_pad', 'SAME_UPPER'); // TF puts the odd pixel at the end, as SAME_UPPER does
  if (p === 'valid') return str('auto_pad', 'VALID');
  throw new Error(`${layer.config.name}: padding "${String(p)}" is not supported`);
}

function pair(v: unknown, layer: KerasLayer, what: string): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x)))
    throw new Error(`${layer.config.name}: bad ${what} ${JSON.stringify(v)}`);
  return [a[0] as number, a[1] as number];
}

function activation(g: GraphBuilder, kind: unknown, x: string, layer: KerasLayer): string {
  switch (kind ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return g.node('Relu', [x], g.fresh(`${layer.config.name}/relu`));
    case 'sigmoid':
      return g.node('Sigmoid', [x], g.fresh(`${layer.config.name}/sigmoid`));
    case 'tanh':
      return g.node('Tanh', [x], g.fresh(`${layer.config.name}/tanh`));
    default:
      throw new Error(`${layer.config.name}: activation "${String(kind)}" is not supported`);
  }
}

/** The layers in order, each with the names of the layers it reads (functional or sequential). */
function layerGraph(topology: { class_name: string; config: unknown }): { layer: KerasLayer; inputs: string[] }[] {
  const cfg = topology.config as { layers?: KerasLayer[] } | KerasLayer[];
  const layers = Array.isArray(cfg) ? cfg : (cfg.layers ?? []);
  if (topology.class_name === 'Sequential') {
    const out: { layer: KerasLayer; inputs: string[] }[] = [];
    let prev = ONNX_INPUT;
    for (const l of layers) {
      if (l.class_name === 'InputLayer') continue;
      out.push({ layer: l, inputs: [prev] });
      prev = l.config.name;
    }
    return out;
  }
  return layers.map((l) => {
    const nodes = l.inbound_nodes ?? [];
    if (nodes.length > 1) throw new Error(`${l.config.name}: shared layers are not supported`);
    return { layer: l, inputs: (nodes[0] ?? []).map((n) => n[0]) };
  });
}

export interface OnnxExportOptions {
  /** The layer whose output is the feature (the bundle's featureNode). */
  featureNode: string;
}

/**
 * Builds the ONNX model for a tfjs layers-model's artifacts, up to `featureNode`. Throws, naming
 * the layer, on anything it does not translate: the caller then keeps the tfjs runtime.
 */
export function kerasToOnnx(artifacts: tf.io.ModelArtifacts, opts: OnnxExportOptions): Uint8Array {
  const topology = artifacts.modelTopology as {
    model_config?: { class_name: string; config: unknown };
    class_name?: string;
    config?: unknown;
  };
  const model = topology.model_config ?? (topology as { class_name: string; config: unknown });
  return build(model, hostWeights(artifacts), opts);
}

function build(
  model: { class_name: string; config: unknown },
  weights: Map<string, HostTensor>,
  opts: OnnxExportOptions,
): Uint8Array {
  const g = new GraphBuilder();
  const values = new Map<string, Value>();
  let inputSize = 0;
  const weight = (layer: KerasLayer, key: string): HostTensor => {
    const t = weights.get(`${layer.config.name}/${key}`);
    if (!t) throw new Error(`${layer.config.name}: weight "${key}" missing`);
    return t;
  };
  const nchwInput = g.node('Transpose', [ONNX_INPUT], 'input:nchw', [ints('perm', [0, 3, 1, 2])]);
  const layers = layerGraph(model);
  if (!layers.some((l) => l.layer.config.name === opts.featureNode))
    throw new Error(`no layer named "${opts.featureNode}" (the bundle's featureNode)`);

  for (const { layer, inputs } of layers) {
    const name = layer.config.name;
    const c = layer.config;
    if (layer.class_name === 'InputLayer') {
      const shape = c.batch_input_shape as (number | null)[];
      inputSize = shape[1] ?? 0;
      values.set(name, { name: nchwInput, rank: 4 });
      continue;
    }
    if (inputs.length === 0) throw new Error(`${name}: no inputs`);
    const ins = inputs.map((i) => {
      const v = i === ONNX_INPUT ? { name: nchwInput, rank: 4 } : values.get(i);
      if (!v) throw new Error(`${name}: input "${i}" comes later or does not exist`);
      return v;
    });
    const x = ins[0]!;
    let out: Value;
    switch (layer.class_name) {
      case 'ZeroPadding2D': {
        const [[t, b], [l, r]] = (
          Array.isArray(c.padding)
            ? c.padding
            : [
                [c.padding, c.padding],
                [c.padding, c.padding],
              ]
        ) as [[number, number], [number, number]];
        const pads = g.int64s(`${name}/pads`, [0, 0, t, l, 0, 0, b, r]);
        out = { name: g.node('Pad', [x.name, pads], name), rank: 4 };
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const k = weight(layer, depthwise ? 'depthwise_kernel' : 'kernel');
        const [kh, kw, inC, mult] = k.shape as [number, number, number, number];
        // Conv: [kh, kw, in, out] → [out, in, kh, kw]. Depthwise: [kh, kw, in, mult] → [in·mult, 1, kh, kw],
        // output channel i·mult + m.
        const wName = depthwise
          ? g.floats(`${name}/W`, [inC * mult, 1, kh, kw], permuted(k, [2, 3, 0, 1]))
          : g.floats(`${name}/W`, [mult, inC, kh, kw], permuted(k, [3, 2, 0, 1]));
        const convIn = [x.name, wName];
        if (c.use_bias)
          convIn.push(
            g.floats(`${name}/B`, [depthwise ? inC * mult : mult], weight(layer, 'bias').dataSync() as Float32Array),
          );
        const conv = g.node('Conv', convIn, g.fresh(name), [
          ints('kernel_shape', [kh, kw]),
          ints('strides', pair(c.strides ?? 1, layer, 'strides')),
          ints('dilations', pair(c.dilation_rate ?? 1, layer, 'dilation_rate')),
          int('group', depthwise ? inC : 1),
          padMode(layer),
        ]);
        out = { name: activation(g, c.activation, conv, layer), rank: 4 };
        break;
      }
      case 'BatchNormalization': {
        if (
          c.axis !== -1 &&
          c.axis !== 3 &&
          !(Array.isArray(c.axis) && c.axis.length === 1 && (c.axis[0] === -1 || c.axis[0] === 3))
        ) {
          throw new Error(`${name}: batch norm over axis ${JSON.stringify(c.axis)} is not supported`);
        }
        if (x.rank !== 4) throw new Error(`${name}: batch norm is supported on image tensors only`);
        const mean = weight(layer, 'moving_mean');
        const n = mean.size;
        const gamma =
          c.scale === false ? new Float32Array(n).fill(1) : (weight(layer, 'gamma').dataSync() as Float32Array);
        const beta = c.center === false ? new Float32Array(n) : (weight(layer, 'beta').dataSync() as Float32Array);
        const bnIn = [
          x.name,
          g.floats(`${name}/scale`, [n], gamma),
          g.floats(`${name}/bias`, [n], beta),
          g.floats(`${name}/mean`, [n], mean.dataSync() as Float32Array),
          g.floats(`${name}/var`, [n], weight(layer, 'moving_variance').dataSync() as Float32Array),
        ];
        out = {
          name: g.node('BatchNormalization', bnIn, name, [
            {
              name: 'epsilon',
              type: onnx.AttributeProto.AttributeType.FLOAT,
              f: (c.epsilon as number | undefined) ?? 1e-3,
            },
          ]),
          rank: 4,
        };
        break;
      }
      case 'ReLU': {
        if (((c.negative_slope as number | undefined) ?? 0) !== 0 || ((c.threshold as number | undefined) ?? 0) !== 0)
          throw new Error(`${name}: leaky or thresholded ReLU is not supported`);
        const max = c.max_value as number | null | undefined;
        if (max == null) out = { name: g.node('Relu', [x.name], name), rank: x.rank };
        else
          out = {
            name: g.node(
              'Clip',
              [
                x.name,
                g.floats(`${name}/min`, [], new Float32Array([0])),
                g.floats(`${name}/max`, [], new Float32Array([max])),
              ],
              name,
            ),
            rank: x.rank,
          };
        break;
      }
      case 'Activation':
        out = { name: activation(g, c.activation, x.name, layer), rank: x.rank };
        break;
      case 'Add': {
        let acc = x.name;
        for (const other of ins.slice(1)) acc = g.node('Add', [acc, other.name], g.fresh(name));
        out = { name: acc, rank: x.rank };
        break;
      }
      case 'Concatenate': {
        const axis = (c.axis as number | undefined) ?? -1;
        if (x.rank === 4 && axis !== -1 && axis !== 3)
          throw new Error(`${name}: concatenation over axis ${axis} is not supported`);
        out = {
          name: g.node(
            'Concat',
            ins.map((v) => v.name),
            name,
            [int('axis', x.rank === 4 ? 1 : -1)],
          ),
          rank: x.rank,
        };
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const size = pair(c.pool_size, layer, 'pool_size');
        // Keras averages over the valid pixels only, which is ONNX's default (count_include_pad=0).
        out = {
          name: g.node(layer.class_name === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x.name], name, [
            ints('kernel_shape', size),
            ints('strides', pair(c.strides ?? size, layer, 'strides')),
            padMode(layer),
          ]),
          rank: 4,
        };
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        out = {
          name: g.poolToVector(
            layer.class_name === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool',
            x.name,
            name,
          ),
          rank: 2,
        };
        break;
      }
      case 'Flatten': {
        // Keras flattens in HWC order, so an image tensor goes back to NHWC first.
        const src = x.rank === 4 ? g.node('Transpose', [x.name], g.fresh(name), [ints('perm', [0, 2, 3, 1])]) : x.name;
        out = { name: g.node('Flatten', [src], name, [int('axis', 1)]), rank: 2 };
        break;
      }
      default:
        throw new Error(`${name}: layer type ${layer.class_name} has no ONNX translation`);
    }
    values.set(name, out);
    if (name === opts.featureNode) break;
  }

  const feature = values.get(opts.featureNode)!;
  // Like Backbone.features: a spatial map becomes a vector by averaging over its pixels.
  if (feature.rank === 4) {
    g.poolToVector('GlobalAveragePool', feature.name, ONNX_OUTPUT);
  } else {
    g.node('Identity', [feature.name], ONNX_OUTPUT);
  }

  return g.encode(inputSize, inputSize);
}
