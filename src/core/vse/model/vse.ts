/**
 * The VSE++ model: a sentence encoder (word embedding → GRU or LN-GRU → last state → L2 norm)
 * and an image encoder (backbone features → L2 norm → linear → L2 norm) into one joint space.
 * Parameters are tf.Variables with logical names ("txt.embed", "img.fc.weight", …) used for
 * saving and loading; tfjs variable names get a per-instance prefix so two models can coexist.
 * With config.heads > 1 there are several such encoder pairs ("head1.txt.embed", …) whose
 * outputs are joined, so their similarities average.
 */
import * as tf from '@tensorflow/tfjs';
import type { VseConfig } from '../config.js';
import { gruLastHidden, type GruWeights } from './gru.js';
import type { Backbone } from './backbone.js';
import { Rng } from '../../base/rng.js';

let instances = 0;

/**
 * A parameter's logical name in head k: head 0 keeps the plain names (so single-head bundles
 * load unchanged), head k ≥ 1 prefixes them with "head{k}.".
 */
export function headParam(k: number, name: string): string {
  return k === 0 ? name : `head${k}.${name}`;
}

/** One head's parameters and their shapes, under head 0's (plain) names. */
function headShapes(config: VseConfig, vocabSize: number): Record<string, number[]> {
  const H = config.embedSize;
  const head: Record<string, number[]> = {
    'txt.embed': [vocabSize, config.wordDim],
    'txt.gru.w_ih': [config.wordDim, 3 * H],
    'txt.gru.w_hh': [H, 3 * H],
    'txt.gru.b_ih': [3 * H],
    'txt.gru.b_hh': [3 * H],
    'img.fc.weight': [config.imgDim, H],
    'img.fc.bias': [H],
  };
  if (config.layerNorm) {
    for (const n of ['ln_ih_gain', 'ln_ih_bias', 'ln_hh_gain', 'ln_hh_bias']) head[`txt.gru.${n}`] = [3 * H];
  }
  return head;
}

/** The feature statistics (standardiseFeatures): they describe the photos, so all heads share them. */
const FEATURE_STATS = ['img.norm.mean', 'img.norm.scale'];

/** Every parameter's shape for a config: what a saved model must provide. */
export function parameterShapes(config: VseConfig, vocabSize: number): Record<string, number[]> {
  const head = Object.entries(headShapes(config, vocabSize));
  const shapes: Record<string, number[]> = {};
  for (let k = 0; k < config.heads; k++) for (const [name, shape] of head) shapes[headParam(k, name)] = shape;
  if (config.standardiseFeatures) for (const name of FEATURE_STATS) shapes[name] = [config.imgDim];
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

  /**
   * Fresh weights with the paper's initialisation, reproducible from config.seed. Head k is
   * initialised as a single-head model with seed + k would be, so a K-head model starts as K
   * separately seeded ones.
   */
  static create(config: VseConfig, vocabSize: number, backbone: Backbone | null = null): VseModel {
    const m = new VseModel(config, vocabSize, backbone);
    for (let h = 0; h < config.heads; h++) m.initHead(h);
    if (config.standardiseFeatures) {
      m.add('img.norm.mean', tf.zeros([config.imgDim]));
      m.add('img.norm.scale', tf.ones([config.imgDim]));
    }
    return m;
  }

  private initHead(h: number): void {
    const { config, vocabSize } = this;
    const rng = new Rng(config.seed + h + 1);
    const H = config.embedSize;
    const k = 1 / Math.sqrt(H); // nn.GRU's default init range
    const add = (name: string, value: tf.Tensor) => this.add(headParam(h, name), value);
    add('txt.embed', tf.randomUniform([vocabSize, config.wordDim], -0.1, 0.1, 'float32', rng.seed()));
    add('txt.gru.w_ih', tf.randomUniform([config.wordDim, 3 * H], -k, k, 'float32', rng.seed()));
    add('txt.gru.w_hh', tf.randomUniform([H, 3 * H], -k, k, 'float32', rng.seed()));
    add('txt.gru.b_ih', tf.randomUniform([3 * H], -k, k, 'float32', rng.seed()));
    add('txt.gru.b_hh', tf.randomUniform([3 * H], -k, k, 'float32', rng.seed()));
    if (config.layerNorm) {
      add('txt.gru.ln_ih_gain', tf.ones([3 * H]));
      add('txt.gru.ln_ih_bias', tf.zeros([3 * H]));
      add('txt.gru.ln_hh_gain', tf.ones([3 * H]));
      add('txt.gru.ln_hh_bias', tf.zeros([3 * H]));
    }
    // Xavier (Glorot) uniform, as vsepp's EncoderImage init_weights.
    const r = Math.sqrt(6) / Math.sqrt(config.imgDim + H);
    add('img.fc.weight', tf.randomUniform([config.imgDim, H], -r, r, 'float32', rng.seed()));
    add('img.fc.bias', tf.zeros([H]));
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

  /**
   * One model whose heads are the given models' heads, in order: separately trained seeds become
   * an ensemble that indexes and searches as a single model. They must agree on everything but
   * the seed (the same vocabulary size and feature statistics, too); the result takes the first
   * model's seed and the given backbone, and copies every weight.
   */
  static join(models: VseModel[], backbone: Backbone | null): VseModel {
    const first = models[0];
    if (!first) throw new Error('join needs at least one model');
    const shape = (c: VseConfig) => JSON.stringify({ ...c, seed: 0, heads: 0 });
    const weights: tf.NamedTensorMap = {};
    let heads = 0;
    for (const [i, m] of models.entries()) {
      if (shape(m.config) !== shape(first.config))
        throw new Error(`model ${i + 1}'s config differs from the first's in more than its seed`);
      if (m.vocabSize !== first.vocabSize)
        throw new Error(
          `model ${i + 1} has ${m.vocabSize} words, the first ${first.vocabSize}: they need one vocabulary`,
        );
      for (const name of FEATURE_STATS) {
        const [a, b] = [m.params.get(name), first.params.get(name)];
        if (a && b && !tf.util.arraysEqual(a.dataSync(), b.dataSync()))
          throw new Error(`model ${i + 1}'s feature statistics differ from the first's`);
      }
      for (let h = 0; h < m.config.heads; h++, heads++) {
        for (const name of Object.keys(headShapes(m.config, m.vocabSize)))
          weights[headParam(heads, name)] = m.p(headParam(h, name));
      }
    }
    for (const name of FEATURE_STATS) {
      const v = first.params.get(name);
      if (v) weights[name] = v;
    }
    return VseModel.fromWeights({ ...first.config, heads }, weights, backbone, 'joined model');
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
    const own = [...this.params].filter(([n]) => !FEATURE_STATS.includes(n)).map(([, v]) => v);
    return this.config.finetuneCnn && this.backbone ? [...own, ...this.backbone.trainableVariables()] : own;
  }

  /** Adds vocabulary rows (fine-tuning's new words) to every head; old rows are kept as they are. */
  growVocab(newSize: number, seed: number): void {
    if (newSize <= this.vocabSize) return;
    for (let h = 0; h < this.config.heads; h++) {
      const name = headParam(h, 'txt.embed');
      const extra = tf.randomUniform([newSize - this.vocabSize, this.config.wordDim], -0.1, 0.1, 'float32', seed + h);
      this.add(name, tf.concat([this.p(name), extra]));
      extra.dispose();
    }
    this.vocabSize = newSize;
  }

  private gru(h: number): GruWeights {
    const p = (name: string) => this.p(headParam(h, `txt.gru.${name}`));
    const v = (name: string) => p(name) as tf.Tensor1D;
    const w: GruWeights = {
      wIh: p('w_ih') as tf.Tensor2D,
      wHh: p('w_hh') as tf.Tensor2D,
      bIh: v('b_ih'),
      bHh: v('b_hh'),
    };
    if (this.config.layerNorm) {
      w.ln = {
        ihGain: v('ln_ih_gain'),
        ihBias: v('ln_ih_bias'),
        hhGain: v('ln_hh_gain'),
        hhBias: v('ln_hh_bias'),
        eps: 1e-5,
      };
    }
    return w;
  }

  /**
   * Every head's [B, embedSize] unit embedding side by side, scaled by 1/√heads: the dot product
   * of two such vectors is the mean of the heads' cosine similarities, and the result is unit length.
   */
  private joinHeads(perHead: (h: number) => tf.Tensor2D): tf.Tensor2D {
    const K = this.config.heads;
    if (K === 1) return perHead(0);
    const parts = Array.from({ length: K }, (_, h) => perHead(h));
    return tf.concat(parts, 1).mul(1 / Math.sqrt(K));
  }

  /** Captions → [B, jointDim] joint-space vectors. */
  encodeText(batch: TokenBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const b = batch.lengths.length;
      const ids = tf.tensor2d(batch.ids, [b, batch.steps], 'int32');
      return this.joinHeads((h) => {
        const x = tf.gather(this.p(headParam(h, 'txt.embed')), ids) as tf.Tensor3D;
        const out = l2norm(gruLastHidden(x, batch.lengths, this.gru(h)));
        return this.config.useAbs ? out.abs() : out;
      });
    });
  }

  /** Sets the feature statistics (standardiseFeatures): x → (x - mean) · scale. */
  setFeatureStats(mean: Float32Array, scale: Float32Array): void {
    if (!this.config.standardiseFeatures) throw new Error('this model does not standardise features');
    this.add('img.norm.mean', tf.tensor1d(mean));
    this.add('img.norm.scale', tf.tensor1d(scale));
  }

  /** Backbone features [B, imgDim] → [B, jointDim]. */
  encodeFeatures(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = this.config.standardiseFeatures
        ? (features.sub(this.p('img.norm.mean')).mul(this.p('img.norm.scale')) as tf.Tensor2D)
        : features;
      const unit = l2norm(x);
      return this.joinHeads((h) => {
        let out = unit
          .matMul(this.p(headParam(h, 'img.fc.weight')))
          .add(this.p(headParam(h, 'img.fc.bias'))) as tf.Tensor2D;
        if (!this.config.noImgNorm) out = l2norm(out);
        return this.config.useAbs ? out.abs() : out;
      });
    });
  }

  /** Pixels [B, S, S, 3] → [B, jointDim], through the backbone. */
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
