/**
 * The VSE++ authors' released models (`runs.tar`: `model_best.pth.tar`; `vocab.tar`:
 * `<data>_vocab.pkl`) as Glimpse models. The checkpoint holds `{epoch, model: [image encoder,
 * text encoder] state dicts, best_rsum, opt, Eiters}`; the image encoder is a torchvision ResNet
 * (`cnn.module.*`) and `fc`, the text encoder `embed` and a one-layer GRU (`rnn.*_l0`). Glimpse's
 * VseModel computes the published forward passes: pooled CNN feature → L2 norm → fc → L2 norm;
 * NLTK tokens → embedding → GRU → the state at the last real token → L2 norm.
 */
import * as tf from '@tensorflow/tfjs';
import { GlimpseError } from '../base/errors.js';
import { allFinite } from '../base/finite.js';
import { makeConfig, type VseConfig } from '../vse/config.js';
import { Vocabulary, tokenizerOf } from '../vse/data/vocab.js';
import { Backbone, type BackboneSpec } from '../vse/model/backbone.js';
import { VseModel } from '../vse/model/vse.js';
import { PyObject } from './pickle.js';
import { buildResnet, resnetShape, RESNET_FEATURE_LAYER } from './resnet.js';
import { readTorchCheckpoint, stateTensor, type TorchTensor } from './torch-checkpoint.js';
import { readVseppVocab } from './vsepp-vocab.js';

/** torchvision's ImageNet statistics, which vsepp's transforms use. */
const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
const CROP = 224;
const CNN_PREFIX = 'cnn.module.';

export interface VseppRelease {
  model: VseModel;
  vocab: Vocabulary;
  config: VseConfig;
  /** The run's training options (`opt`), as the checkpoint has them. */
  opt: Record<string, unknown>;
  shape: { block: string; layers: number[] };
}

function stateDict(value: unknown, which: string, where: string): Map<string, TorchTensor> {
  if (!(value instanceof Map)) throw new GlimpseError('bad-bundle', `${where}: no ${which} state dict`);
  const out = new Map<string, TorchTensor>();
  for (const [k, v] of value) {
    const t = v as TorchTensor;
    if (typeof k === 'string' && t && Array.isArray(t.shape) && t.data instanceof Float32Array) out.set(k, t);
  }
  return out;
}

/** A transposed [rows, cols] matrix: PyTorch keeps weights as [out, in], Glimpse as [in, out]. */
function transposed(t: TorchTensor, name: string, where: string, rows?: number, cols?: number): tf.Tensor2D {
  const [r, c] = t.shape as [number, number];
  if (t.shape.length !== 2 || (rows !== undefined && r !== rows) || (cols !== undefined && c !== cols))
    throw new GlimpseError('bad-bundle', `${where}: "${name}" has shape [${t.shape}]`);
  if (!allFinite(t.data))
    throw new GlimpseError('bad-bundle', `${where}: "${name}" has weights that are not finite numbers`);
  return tf.tidy(() => tf.tensor2d(t.data, [r, c]).transpose());
}

function vector(t: TorchTensor | undefined, name: string, where: string, length: number): tf.Tensor1D {
  if (!t || t.shape.length !== 1 || t.shape[0] !== length || !allFinite(t.data))
    throw new GlimpseError('bad-bundle', `${where}: "${name}" is missing or not ${length} finite numbers`);
  return tf.tensor1d(t.data);
}

/** Reads a released run and its vocabulary into a Glimpse model (not yet saved). */
export function readVseppRelease(checkpointPath: string, vocabPath: string): VseppRelease {
  const where = checkpointPath;
  const root = readTorchCheckpoint(checkpointPath);
  if (!(root instanceof Map) || !Array.isArray(root.get('model')) || !(root.get('opt') instanceof PyObject))
    throw new GlimpseError('bad-bundle', `${where}: not a VSE++ run (no "model" and "opt")`);
  const opt = Object.fromEntries((root.get('opt') as PyObject).attrs);
  const [imgValue, txtValue] = root.get('model') as unknown[];
  const img = stateDict(imgValue, 'image encoder', where);
  const txt = stateDict(txtValue, 'text encoder', where);

  const dataName = String(opt.data_name ?? '');
  if (dataName.endsWith('_precomp') || !img.has(`${CNN_PREFIX}conv1.weight`))
    throw new GlimpseError(
      'bad-bundle',
      `${where}: a run on precomputed features (${dataName || 'no CNN in the checkpoint'}): it cannot embed new photos`,
    );
  if (opt.measure !== undefined && opt.measure !== 'cosine')
    throw new GlimpseError(
      'bad-bundle',
      `${where}: an order-embedding run (measure "${String(opt.measure)}"): Glimpse ranks by cosine`,
    );
  if (typeof opt.cnn_type === 'string' && !opt.cnn_type.startsWith('resnet'))
    throw new GlimpseError('bad-bundle', `${where}: a ${opt.cnn_type} run; Glimpse reads the ResNet runs`);
  if (opt.num_layers !== undefined && opt.num_layers !== 1)
    throw new GlimpseError('bad-bundle', `${where}: a ${String(opt.num_layers)}-layer GRU; Glimpse's has one layer`);

  const words = readVseppVocab(vocabPath);
  const shape = resnetShape(img, CNN_PREFIX, where);
  const embed = txt.get('embed.weight');
  const fc = img.get('fc.weight');
  if (!embed || embed.shape.length !== 2 || !fc || fc.shape.length !== 2)
    throw new GlimpseError('bad-bundle', `${where}: no embed.weight or fc.weight`);
  const [vocabSize, wordDim] = embed.shape as [number, number];
  const [embedSize] = fc.shape as [number, number];
  if (vocabSize !== words.length)
    throw new GlimpseError(
      'bad-bundle',
      `${vocabPath}: ${words.length} words, but the checkpoint's embedding has ${vocabSize} rows: not this run's vocabulary`,
    );
  const config = makeConfig({
    wordDim,
    embedSize,
    imgDim: shape.featureDim,
    useAbs: opt.use_abs === true,
    noImgNorm: opt.no_imgnorm === true,
    margin: typeof opt.margin === 'number' ? opt.margin : undefined,
    maxViolation: opt.max_violation === true,
    tokenizer: 'nltk',
  });
  const vocab = new Vocabulary(words, tokenizerOf(config));

  const H = embedSize;
  const weights: tf.NamedTensorMap = {};
  try {
    weights['txt.embed'] = tf.tensor2d(embed.data, [vocabSize, wordDim]);
    weights['txt.gru.w_ih'] = transposed(
      stateTensor(txt, 'rnn.weight_ih_l0', where),
      'rnn.weight_ih_l0',
      where,
      3 * H,
      wordDim,
    );
    weights['txt.gru.w_hh'] = transposed(
      stateTensor(txt, 'rnn.weight_hh_l0', where),
      'rnn.weight_hh_l0',
      where,
      3 * H,
      H,
    );
    weights['txt.gru.b_ih'] = vector(txt.get('rnn.bias_ih_l0'), 'rnn.bias_ih_l0', where, 3 * H);
    weights['txt.gru.b_hh'] = vector(txt.get('rnn.bias_hh_l0'), 'rnn.bias_hh_l0', where, 3 * H);
    weights['img.fc.weight'] = transposed(fc, 'fc.weight', where, embedSize, shape.featureDim);
    weights['img.fc.bias'] = vector(img.get('fc.bias'), 'fc.bias', where, embedSize);
    let cnn: tf.LayersModel;
    try {
      cnn = buildResnet(img, CNN_PREFIX, where, CROP);
    } catch (err) {
      if (err instanceof GlimpseError) throw err;
      throw new GlimpseError(
        'bad-bundle',
        `${where}: the image CNN's weights do not fit a ResNet: ${(err as Error).message}`,
      );
    }
    const spec: BackboneSpec = {
      id: `vsepp-${String(opt.cnn_type ?? 'resnet')}`,
      format: 'tfjs-layers',
      path: 'backbone',
      inputSize: CROP,
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
      featureNode: RESNET_FEATURE_LAYER,
      featureDim: shape.featureDim,
      fit: 'crop',
    };
    const model = VseModel.fromWeights(config, weights, Backbone.fromLayersModel(spec, cnn), where);
    return { model, vocab, config, opt, shape: { block: shape.block, layers: shape.layers } };
  } finally {
    tf.dispose(Object.values(weights));
  }
}
