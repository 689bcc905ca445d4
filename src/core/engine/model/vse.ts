/**
 * The VSE++ model: a sentence encoder (word embedding → GRU or LN-GRU → last state → L2 norm)
 * and an image encoder (backbone features → L2 norm → linear → L2 norm) into one joint space.
 * Parameters are tf.Variables with logical names ("txt.embed", "img.fc.weight", …) used for
 * saving and loading; tfjs variable names get a per-instance prefix so two models can coexist.
 */
import * as tf from '@tensorflow/tfjs';
import type { VseConfig } from '../config.js';
import { gruLastHidden, type GruWeights } from './gru.js';
import type { Backbone } from './backbone.js';
import { Rng } from '../rng.js';

let instances = 0;

/** Every parameter's shape for a config: what a saved model must provide. */
export function parameterShapes(config: VseConfig, vocabSize: number): Record<string, number[]> {
  const H = config.embedSize;
  const shapes: Record<string, number[]> = {
    'txt.embed': [vocabSize, config.wordDim],
    'txt.gru.w_ih': [config.wordDim, 3 * H],
    'txt.gru.w_hh': [H, 3 * H],
    'txt.gru.b_ih': [3 * H],
    'txt.gru.b_hh': [3 * H],
    'img.fc.weight': [config.imgDim, H],
    'img.fc.bias': [H],
  };
  if (config.layerNorm) {
    for (const n of ['ln_ih_gain', 'ln_ih_bias', 'ln_hh_gain', 'ln_hh_bias']) shapes[`txt.gru.${n}`] = [3 * H];
  }
  if (config.standardiseFeatures) {
    shapes['img.norm.mean'] = [config.imgDim];
    shapes['img.norm.scale'] = [config.imgDim];
  }
  return shapes;
}

export function l2norm(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => x.div(x.square().sum(1, true).sqrt().add(1e-12)));
}

/** Token ids of a batch of captions, padded with <pad> (0) to the longest. */
export interface TokenBatch {
  ids: Int32Array;
  lengths: number[];
  steps: number;
}

export function padTokens(seqs: number[][]): TokenBatch {
  const steps = Math.max(1, ...seqs.map((s) => s.length));
  const ids = new Int32Array(seqs.length * steps);
  seqs.forEach((s, i) => ids.set(s, i * steps));
  return { ids, lengths: seqs.map((s) => s.length), steps };
}

export class VseModel {
  readonly params = new Map<string, tf.Variable>();
  private readonly prefix = `vse${++instances}`;

  private constructor(
    readonly config: VseConfig,
    public vocabSize: number,
    readonly backbone: Backbone | null,
  ) {}

  /** Fresh weights with the paper's initialisation, reproducible from config.seed. */
  static create(config: VseConfig, vocabSize: number, backbone: Backbone | null = null): VseModel {
    const m = new VseModel(config, vocabSize, backbone);
    const rng = new Rng(config.seed + 1);
    const H = config.embedSize;
    const k = 1 / Math.sqrt(H); // nn.GRU's default init range
    m.add('txt.embed', tf.randomUniform([vocabSize, config.wordDim], -0.1, 0.1, 'float32', rng.seed()));
    m.add('txt.gru.w_ih', tf.randomUniform([config.wordDim, 3 * H], -k, k, 'float32', rng.seed()));
    m.add('txt.gru.w_hh', tf.randomUniform([H, 3 * H], -k, k, 'float32', rng.seed()));
    m.add('txt.gru.b_ih', tf.randomUniform([3 * H], -k, k, 'float32', rng.seed()));
    m.add('txt.gru.b_hh', tf.randomUniform([3 * H], -k, k, 'float32', rng.seed()));
    if (config.layerNorm) {
      m.add('txt.gru.ln_ih_gain', tf.ones([3 * H]));
      m.add('txt.gru.ln_ih_bias', tf.zeros([3 * H]));
      m.add('txt.gru.ln_hh_gain', tf.ones([3 * H]));
      m.add('txt.gru.ln_hh_bias', tf.zeros([3 * H]));
    }
    // Xavier (Glorot) uniform, as vsepp's EncoderImage init_weights.
    const r = Math.sqrt(6) / Math.sqrt(config.imgDim + H);
    m.add('img.fc.weight', tf.randomUniform([config.imgDim, H], -r, r, 'float32', rng.seed()));
    m.add('img.fc.bias', tf.zeros([H]));
    if (config.standardiseFeatures) {
      m.add('img.norm.mean', tf.zeros([config.imgDim]));
      m.add('img.norm.scale', tf.ones([config.imgDim]));
    }
    return m;
  }

  /** Rebuilds a model from saved weights; every expected name must be present with its shape. */
  static fromWeights(
    config: VseConfig,
    weights: tf.NamedTensorMap,
    backbone: Backbone | null,
    where: string,
  ): VseModel {
    const embed = weights['txt.embed'];
    if (!embed) throw new Error(`${where}: no "txt.embed" weight`);
    const shapes = Object.entries(parameterShapes(config, embed.shape[0]!));
    // Check everything before allocating anything, so a bad file leaves no variables behind.
    for (const [name, shape] of shapes) {
      const w = weights[name];
      if (!w) throw new Error(`${where}: weight "${name}" is missing`);
      if (!tf.util.arraysEqual(w.shape, shape))
        throw new Error(`${where}: weight "${name}" has shape [${w.shape}], the config needs [${shape}]`);
    }
    const m = new VseModel(config, embed.shape[0]!, backbone);
    for (const [name] of shapes) m.add(name, weights[name]!.clone());
    return m;
  }

  private add(name: string, value: tf.Tensor): void {
    this.params.get(name)?.dispose();
    this.params.set(name, tf.variable(value, true, `${this.prefix}/${name}/${instances}`));
    value.dispose();
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`model has no parameter "${name}"`);
    return v;
  }

  /** Named weights for saving (logical names). */
  namedWeights(): tf.NamedTensorMap {
    return Object.fromEntries(this.params);
  }

  /** The variables training updates, in a fixed order (Adam's state is matched by position). */
  trainableVariables(): tf.Variable[] {
    // The feature statistics are fixed: measured on a domain's photos, never fitted.
    const own = [...this.params].filter(([n]) => !n.startsWith('img.norm.')).map(([, v]) => v);
    return this.config.finetuneCnn && this.backbone ? [...own, ...this.backbone.trainableVariables()] : own;
  }

  /** Adds vocabulary rows (fine-tuning's new words); old rows are kept as they are. */
  growVocab(newSize: number, seed: number): void {
    if (newSize <= this.vocabSize) return;
    const old = this.p('txt.embed');
    const extra = tf.randomUniform([newSize - this.vocabSize, this.config.wordDim], -0.1, 0.1, 'float32', seed);
    this.add('txt.embed', tf.concat([old, extra]));
    extra.dispose();
    this.vocabSize = newSize;
  }

  private gru(): GruWeights {
    const w: GruWeights = {
      wIh: this.p('txt.gru.w_ih') as tf.Tensor2D,
      wHh: this.p('txt.gru.w_hh') as tf.Tensor2D,
      bIh: this.p('txt.gru.b_ih') as tf.Tensor1D,
      bHh: this.p('txt.gru.b_hh') as tf.Tensor1D,
    };
    if (this.config.layerNorm) {
      w.ln = {
        ihGain: this.p('txt.gru.ln_ih_gain') as tf.Tensor1D,
        ihBias: this.p('txt.gru.ln_ih_bias') as tf.Tensor1D,
        hhGain: this.p('txt.gru.ln_hh_gain') as tf.Tensor1D,
        hhBias: this.p('txt.gru.ln_hh_bias') as tf.Tensor1D,
        eps: 1e-5,
      };
    }
    return w;
  }

  /** Captions → [B, embedSize] joint-space vectors. */
  encodeText(batch: TokenBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const b = batch.lengths.length;
      const ids = tf.tensor2d(batch.ids, [b, batch.steps], 'int32');
      const x = tf.gather(this.p('txt.embed'), ids) as tf.Tensor3D;
      let out = l2norm(gruLastHidden(x, batch.lengths, this.gru()));
      if (this.config.useAbs) out = out.abs();
      return out;
    });
  }

  /** Sets the feature statistics (standardiseFeatures): x → (x - mean) · scale. */
  setFeatureStats(mean: Float32Array, scale: Float32Array): void {
    if (!this.config.standardiseFeatures) throw new Error('this model does not standardise features');
    this.add('img.norm.mean', tf.tensor1d(mean));
    this.add('img.norm.scale', tf.tensor1d(scale));
  }

  /** Backbone features [B, imgDim] → [B, embedSize]. */
  encodeFeatures(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = this.config.standardiseFeatures
        ? (features.sub(this.p('img.norm.mean')).mul(this.p('img.norm.scale')) as tf.Tensor2D)
        : features;
      let out = l2norm(x).matMul(this.p('img.fc.weight')).add(this.p('img.fc.bias')) as tf.Tensor2D;
      if (!this.config.noImgNorm) out = l2norm(out);
      if (this.config.useAbs) out = out.abs();
      return out;
    });
  }

  /** Pixels [B, S, S, 3] → [B, embedSize], through the backbone. */
  encodePixels(pixels: tf.Tensor4D, training = false): tf.Tensor2D {
    if (!this.backbone) throw new Error('this model has no image backbone (it was trained on precomputed features)');
    return tf.tidy(() => this.encodeFeatures(this.backbone!.features(pixels, training && this.config.finetuneCnn)));
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    this.backbone?.dispose();
  }
}
