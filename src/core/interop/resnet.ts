/**
 * A torchvision ResNet rebuilt as a tfjs layers model from its state dict: Bottleneck or
 * BasicBlock and the block counts read from the keys, each BatchNorm (eval mode) folded into the
 * convolution before it. PyTorch's symmetric padding is explicit ZeroPadding2D before 'valid'
 * convolutions, so the result is the same function; the output is the average-pooled feature.
 */
import * as tf from '@tensorflow/tfjs';
import { GlimpseError } from '../base/errors.js';
import { allFinite } from '../base/finite.js';
import { stateTensor, type TorchTensor } from './torch-checkpoint.js';

/** PyTorch BatchNorm2d's default epsilon. */
const BN_EPS = 1e-5;
/** The layer whose output is the feature (the bundle's featureNode). */
export const RESNET_FEATURE_LAYER = 'pool';

export interface ResnetShape {
  block: 'Bottleneck' | 'BasicBlock';
  layers: [number, number, number, number];
  /** The pooled feature's width: 2048 for Bottleneck ResNets, 512 for BasicBlock ones. */
  featureDim: number;
}

type StateDict = ReadonlyMap<string, TorchTensor>;

/** The architecture a state dict holds, under `prefix` (e.g. "cnn.module."). */
export function resnetShape(state: StateDict, prefix: string, where: string): ResnetShape {
  const layers = [1, 2, 3, 4].map((l) => {
    let n = 0;
    while (state.has(`${prefix}layer${l}.${n}.conv1.weight`)) n++;
    return n;
  }) as ResnetShape['layers'];
  if (!state.has(`${prefix}conv1.weight`) || layers.some((n) => n === 0))
    throw new GlimpseError('bad-bundle', `${where}: the image CNN is not a torchvision ResNet (no conv1 or layer1…4)`);
  const block = state.has(`${prefix}layer1.0.conv3.weight`) ? 'Bottleneck' : 'BasicBlock';
  const lastConv = state.get(`${prefix}layer4.${layers[3] - 1}.${block === 'Bottleneck' ? 'conv3' : 'conv2'}.weight`);
  return { block, layers, featureDim: lastConv!.shape[0]! };
}

/** A convolution's kernel [kh, kw, in, out] and bias, with the BatchNorm after it folded in. */
function foldedConv(state: StateDict, conv: string, bn: string, where: string): [tf.Tensor4D, tf.Tensor1D] {
  const w = stateTensor(state, `${conv}.weight`, where);
  const [out, inp, kh, kw] = w.shape as [number, number, number, number];
  const gamma = stateTensor(state, `${bn}.weight`, where).data;
  const beta = stateTensor(state, `${bn}.bias`, where).data;
  const mean = stateTensor(state, `${bn}.running_mean`, where).data;
  const variance = stateTensor(state, `${bn}.running_var`, where).data;
  if ([gamma, beta, mean, variance].some((a) => a.length !== out))
    throw new GlimpseError('bad-bundle', `${where}: ${bn} does not match ${conv}'s ${out} channels`);
  const kernel = new Float32Array(kh * kw * inp * out);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const scale = gamma[o]! / Math.sqrt(variance[o]! + BN_EPS);
    bias[o] = beta[o]! - mean[o]! * scale;
    for (let i = 0; i < inp; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          kernel[((y * kw + x) * inp + i) * out + o] = w.data[((o * inp + i) * kh + y) * kw + x]! * scale;
  }
  if (!allFinite(kernel) || !allFinite(bias))
    throw new GlimpseError('bad-bundle', `${where}: ${conv} has weights that are not finite numbers`);
  return [tf.tensor4d(kernel, [kh, kw, inp, out]), tf.tensor1d(bias)];
}

/** Builds the ResNet (input [224, 224, 3] normalised RGB) with its weights. */
export function buildResnet(state: StateDict, prefix: string, where: string, inputSize = 224): tf.LayersModel {
  const shape = resnetShape(state, prefix, where);
  const weighted: { layer: tf.layers.Layer; conv: string; bn: string }[] = [];
  let n = 0;
  const conv = (x: tf.SymbolicTensor, name: string, bn: string, kernel: number, stride: number, pad: number) => {
    const w = stateTensor(state, `${prefix}${name}.weight`, where);
    if (pad) x = tf.layers.zeroPadding2d({ padding: pad, name: `pad${n++}` }).apply(x) as tf.SymbolicTensor;
    const layer = tf.layers.conv2d({
      filters: w.shape[0]!,
      kernelSize: kernel,
      strides: stride,
      padding: 'valid',
      useBias: true,
      name: name.replace(/\./g, '_'),
    });
    weighted.push({ layer, conv: `${prefix}${name}`, bn: `${prefix}${bn}` });
    return layer.apply(x) as tf.SymbolicTensor;
  };
  const relu = (x: tf.SymbolicTensor) => tf.layers.reLU({ name: `relu${n++}` }).apply(x) as tf.SymbolicTensor;

  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  let x = relu(conv(input, 'conv1', 'bn1', 7, 2, 3));
  x = tf.layers.zeroPadding2d({ padding: 1, name: `pad${n++}` }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' })
    .apply(x) as tf.SymbolicTensor;
  shape.layers.forEach((blocks, l) => {
    for (let b = 0; b < blocks; b++) {
      const p = `layer${l + 1}.${b}`;
      const stride = b === 0 && l > 0 ? 2 : 1;
      let y: tf.SymbolicTensor;
      if (shape.block === 'Bottleneck') {
        y = relu(conv(x, `${p}.conv1`, `${p}.bn1`, 1, 1, 0));
        y = relu(conv(y, `${p}.conv2`, `${p}.bn2`, 3, stride, 1));
        y = conv(y, `${p}.conv3`, `${p}.bn3`, 1, 1, 0);
      } else {
        y = relu(conv(x, `${p}.conv1`, `${p}.bn1`, 3, stride, 1));
        y = conv(y, `${p}.conv2`, `${p}.bn2`, 3, 1, 1);
      }
      const shortcut = state.has(`${prefix}${p}.downsample.0.weight`)
        ? conv(x, `${p}.downsample.0`, `${p}.downsample.1`, 1, stride, 0)
        : x;
      x = relu(tf.layers.add({ name: `add${n++}` }).apply([y, shortcut]) as tf.SymbolicTensor);
    }
  });
  const pooled = tf.layers.globalAveragePooling2d({ name: RESNET_FEATURE_LAYER }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: pooled, name: 'resnet' });
  for (const { layer, conv: c, bn } of weighted) {
    const [kernel, bias] = foldedConv(state, c, bn, where);
    layer.setWeights([kernel, bias]);
    tf.dispose([kernel, bias]);
  }
  return model;
}
