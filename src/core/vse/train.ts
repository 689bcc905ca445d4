/**
 * The VSE++ training loop (vsepp's train.py): Adam, the paper's step lr schedule, gradient-norm
 * clipping, validation every valStep steps and at each epoch end, keeping the best model by rsum.
 * It checkpoints on cancel (and at each validation), resumes exactly, and logs JSONL for plots.
 */
import * as tf from '@tensorflow/tfjs';
import { appendFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { jointDim, learningRateAt, type VseConfig } from './config.js';
import type { PairDataset } from './data/dataset.js';
import { Vocabulary } from './data/vocab.js';
import { VseModel, padTokens, type TokenBatch } from './model/vse.js';
import { Backbone } from './model/backbone.js';
import { contrastiveLoss } from './model/loss.js';
import { evaluateRetrieval, type RetrievalMetrics } from './eval.js';
import { computeFeatureMatrix, decodePixels } from './features.js';
import { Rng } from '../base/rng.js';
import { hasCheckpoint, readCheckpoint, saveCheckpoint, type TrainState } from './checkpoint.js';
import { writeWeights, readWeights } from './weights-io.js';
import type { RecallSummary } from './bundle.js';

export type TrainEvent =
  | { type: 'phase'; phase: 'features' | 'training' | 'validating' | 'checkpoint'; done?: number; total?: number }
  | {
      type: 'step';
      step: number;
      totalSteps: number;
      epoch: number;
      loss: number;
      lr: number;
      secondsPerStep: number;
      etaSeconds: number;
    }
  | { type: 'val'; step: number; epoch: number; metrics: RecallSummary; best: boolean };

export interface TrainInput {
  config: VseConfig;
  train: PairDataset;
  val: PairDataset;
  /** The run folder: checkpoint/, best/ and train-log.jsonl live here. */
  runDir: string;
  backbone: Backbone | null;
  /** Start from these (fine-tuning); otherwise a fresh model and a vocabulary built from `train`. */
  init?: { model: VseModel; vocab: Vocabulary };
  resume?: boolean;
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent) => void;
  /** Stop after this many epoch-end validations without improvement (fine-tuning). */
  patience?: number;
  /** A fresh model's feature statistics (config.standardiseFeatures). */
  featureStats?: { mean: Float32Array; scale: Float32Array };
}

export interface TrainOutput {
  status: 'completed' | 'interrupted' | 'early-stopped';
  model: VseModel;
  vocab: Vocabulary;
  step: number;
  epoch: number;
  best: TrainState['best'];
  seconds: number;
  logPath: string;
}

export function summariseMetrics(m: RetrievalMetrics): RecallSummary {
  const strip = ({ r1, r5, r10, medr, meanr }: RetrievalMetrics['i2t']) => ({ r1, r5, r10, medr, meanr });
  return { i2t: strip(m.i2t), t2i: strip(m.t2i), rsum: m.rsum };
}

/** Data for the loop: cached features (frozen backbone) or per-batch decoding (augment / FT). */
interface Feeder {
  usableCaptions: number[];
  /** Image-side model output for the given images, recorded on the gradient tape when needed. */
  imageInput(
    images: number[],
    aug: Rng | null,
  ): Promise<{ encode: (m: VseModel) => tf.Tensor2D; ok: number[]; dispose: () => void }>;
}

async function makeFeeder(
  ds: PairDataset,
  cfg: VseConfig,
  backbone: Backbone | null,
  onEvent?: TrainInput['onEvent'],
  signal?: AbortSignal,
): Promise<Feeder> {
  const perBatch = (cfg.augment || cfg.finetuneCnn) && ds.images.kind === 'files';
  if (perBatch) {
    if (!backbone) throw new Error('augmentation and CNN fine-tuning need an image backbone');
    const bb = backbone;
    return {
      usableCaptions: Array.from(ds.captionImage.keys()),
      async imageInput(images, aug) {
        const { pixels, ok } = await decodePixels(ds, images, bb.preprocess, cfg.augment ? aug : null);
        // A frozen backbone runs outside the tape: no activations kept for backprop.
        const feats = cfg.finetuneCnn ? null : bb.features(pixels);
        return {
          ok,
          encode: (m) => (feats ? m.encodeFeatures(feats) : m.encodePixels(pixels, true)),
          dispose: () => {
            pixels.dispose();
            feats?.dispose();
          },
        };
      },
    };
  }
  onEvent?.({ type: 'phase', phase: 'features', done: 0, total: ds.numImages });
  const { features, dim, usable } = await computeFeatureMatrix(
    ds,
    backbone,
    (done, total) => onEvent?.({ type: 'phase', phase: 'features', done, total }),
    signal,
  );
  const augmented = cfg.augment && ds.images.kind === 'features' ? ds.images.augmented : undefined;
  return {
    usableCaptions: Array.from(ds.captionImage.keys()).filter((c) => usable[ds.captionImage[c]!]),
    async imageInput(images, aug) {
      const buf = new Float32Array(images.length * dim);
      images.forEach((im, i) => {
        // Augmentation on cached features: one random precomputed view (the plain crop if none).
        const row = augmented && aug ? augmented.views[aug.int(augmented.views.length)]![im]! : -1;
        if (row >= 0) augmented!.matrix.readRow(row, buf, i * dim);
        else buf.set(features.subarray(im * dim, (im + 1) * dim), i * dim);
      });
      const t = tf.tensor2d(buf, [images.length, dim]);
      return { ok: images.map((_, i) => i), encode: (m) => m.encodeFeatures(t), dispose: () => t.dispose() };
    },
  };
}

/** Embeds a dataset with the model, for validation and `glimpse eval`. */
export async function embedDataset(
  model: VseModel,
  vocab: Vocabulary,
  ds: PairDataset,
  feeder?: Feeder,
  signal?: AbortSignal,
  batchSize = 128,
): Promise<{ images: Float32Array; captions: Float32Array; captionImage: Int32Array; numImages: number }> {
  const f =
    feeder ??
    (await makeFeeder(ds, { ...model.config, augment: false, finetuneCnn: false }, model.backbone, undefined, signal));
  const E = jointDim(model.config);
  // Only captions whose image could be read take part, and images are renumbered densely.
  const usable = new Set(f.usableCaptions.map((c) => ds.captionImage[c]!));
  const imageIds = [...usable].sort((a, b) => a - b);
  const images = new Float32Array(imageIds.length * E);
  const okImages = new Set<number>();
  for (let s = 0; s < imageIds.length; s += batchSize) {
    if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
    const ids = imageIds.slice(s, s + batchSize);
    const inp = await f.imageInput(ids, null);
    const emb = tf.tidy(() => inp.encode(model));
    const data = await emb.data();
    emb.dispose();
    inp.dispose();
    inp.ok.forEach((pos, j) => {
      images.set(data.subarray(j * E, (j + 1) * E), (s + pos) * E);
      okImages.add(ids[pos]!);
    });
  }
  const keep = imageIds.filter((id) => okImages.has(id));
  const dense = new Map(keep.map((id, i) => [id, i]));
  const denseImages = new Float32Array(keep.length * E);
  imageIds.forEach((id, i) => {
    const d = dense.get(id);
    if (d !== undefined) denseImages.set(images.subarray(i * E, (i + 1) * E), d * E);
  });
  const caps = f.usableCaptions.filter((c) => dense.has(ds.captionImage[c]!));
  const captions = new Float32Array(caps.length * E);
  for (let s = 0; s < caps.length; s += batchSize) {
    const chunk = caps.slice(s, s + batchSize);
    const emb = model.encodeText(
      padTokens(chunk.map((c) => vocab.encode(ds.captions[c]!, model.config.maxCaptionLength))),
    );
    captions.set(await emb.data(), s * E);
    emb.dispose();
  }
  return {
    images: denseImages,
    captions,
    captionImage: Int32Array.from(caps.map((c) => dense.get(ds.captionImage[c]!)!)),
    numImages: keep.length,
  };
}

export async function validate(
  model: VseModel,
  vocab: Vocabulary,
  ds: PairDataset,
  feeder?: Feeder,
  signal?: AbortSignal,
): Promise<RecallSummary> {
  return summariseMetrics((await validateRanks(model, vocab, ds, feeder, signal)).metrics);
}

/** Recall with every query's rank kept (for a bootstrap), and which image each caption is of. */
export async function validateRanks(
  model: VseModel,
  vocab: Vocabulary,
  ds: PairDataset,
  feeder?: Feeder,
  signal?: AbortSignal,
): Promise<{ metrics: RetrievalMetrics; captionImage: Int32Array }> {
  const e = await embedDataset(model, vocab, ds, feeder, signal);
  if (e.numImages === 0) throw new Error(`${ds.description}: no usable images to validate on`);
  const captionImage = Int32Array.from(e.captionImage);
  const metrics = evaluateRetrieval({
    images: e.images,
    captions: e.captions,
    dim: jointDim(model.config),
    perImage: 0,
    captionImage,
  });
  return { metrics, captionImage };
}

function globalNormClip(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => g.square().sum()))).dataSync()[0]!;
    if (norm <= maxNorm) return grads.map((g) => g.clone());
    const scale = maxNorm / (norm + 1e-6); // torch.nn.utils.clip_grad_norm_
    return grads.map((g) => g.mul(scale));
  });
}

/**
 * One optimisation step: loss on the batch, gradients, global-norm clipping, Adam. Returns the
 * loss. Shared by the training loop and the speed benchmark, so the bench times the real thing.
 */
export async function trainStep(
  model: VseModel,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  encodeImages: (m: VseModel) => tf.Tensor2D,
  tokens: TokenBatch,
  maxViolation = model.config.maxViolation,
): Promise<number> {
  const cfg = model.config;
  const { value, grads } = tf.variableGrads(
    () => contrastiveLoss(encodeImages(model), model.encodeText(tokens), cfg.margin, maxViolation),
    vars,
  );
  const present = vars.filter((v) => grads[v.name]);
  const clipped = globalNormClip(
    present.map((v) => grads[v.name]!),
    cfg.gradClip,
  );
  optimizer.applyGradients(present.map((v, i) => ({ name: v.name, tensor: clipped[i]! })));
  const loss = (await value.data())[0]!;
  tf.dispose([value, ...Object.values(grads), ...clipped]);
  return loss;
}

export async function train(input: TrainInput): Promise<TrainOutput> {
  const { config: cfg, runDir, signal, onEvent } = input;
  mkdirSync(runDir, { recursive: true });
  const ckptDir = join(runDir, 'checkpoint');
  const bestDir = join(runDir, 'best');
  const logPath = join(runDir, 'train-log.jsonl');
  const log = (rec: object) =>
    appendFileSync(logPath, JSON.stringify({ time: new Date().toISOString(), ...rec }) + '\n');

  let state: TrainState;
  let model: VseModel;
  let vocab: Vocabulary;
  let optimizerWeights: { name: string; tensor: tf.Tensor }[] | null = null;
  if (cfg.finetuneCnn && input.backbone && !input.backbone.trainable) {
    throw new Error(
      `finetuneCnn: backbone "${input.backbone.spec.id}" is a frozen graph model with no trainable weights; train without finetuneCnn`,
    );
  }
  const resuming = input.resume && hasCheckpoint(ckptDir);
  if (input.resume && !resuming) throw new Error(`${ckptDir}: no checkpoint to resume from`);
  if (resuming) {
    const ck = readCheckpoint(ckptDir);
    state = ck.state;
    vocab = new Vocabulary(state.vocab);
    if (state.config.finetuneCnn && input.backbone && existsSync(join(ckptDir, 'backbone'))) {
      const saved = await Backbone.load(input.backbone.spec, ckptDir);
      input.backbone.copyWeightsFrom(saved);
      saved.dispose();
    }
    model = VseModel.fromWeights(state.config, ck.weights, input.backbone, join(ckptDir, 'weights.json'));
    tf.dispose(Object.values(ck.weights));
    optimizerWeights = ck.optimizer;
    log({ type: 'resume', step: state.step, epoch: state.epoch });
  } else {
    vocab = input.init?.vocab ?? Vocabulary.build(input.train.captions, cfg.vocabThreshold);
    model = input.init?.model ?? VseModel.create(cfg, vocab.size, input.backbone);
    if (model.vocabSize < vocab.size) model.growVocab(vocab.size, cfg.seed + 7);
    if (!input.init && cfg.standardiseFeatures) {
      // Identity statistics would train a model that claims to standardise and does not.
      if (!input.featureStats) throw new Error('standardiseFeatures needs the feature statistics (featureStats)');
      model.setFeatureStats(input.featureStats.mean, input.featureStats.scale);
    }
    state = {
      config: cfg,
      step: 0,
      epoch: 0,
      batchInEpoch: 0,
      epochRngState: new Rng(cfg.seed).state,
      augRngState: new Rng(cfg.seed + 99).state,
      best: { rsum: -1, step: 0, metrics: null },
      elapsedSeconds: 0,
      epochsSinceBest: 0,
      vocab: vocab.words,
    };
    rmSync(logPath, { force: true });
    rmSync(bestDir, { recursive: true, force: true });
    log({ type: 'start', config: cfg, train: input.train.description, val: input.val.description, vocab: vocab.size });
  }
  const config = state.config;
  const vars = model.trainableVariables();
  const optimizer = tf.train.adam(learningRateAt(config, state.epoch), 0.9, 0.999, 1e-8);
  if (optimizerWeights) {
    await optimizer.setWeights(optimizerWeights);
    tf.dispose(optimizerWeights.map((w) => w.tensor));
  }

  const trainFeed = await makeFeeder(input.train, config, input.backbone, onEvent, signal);
  const valFeed = config.finetuneCnn
    ? undefined
    : await makeFeeder(input.val, { ...config, augment: false }, input.backbone, onEvent, signal);
  const nCaps = trainFeed.usableCaptions.length;
  if (nCaps === 0) throw new Error(`${input.train.description}: no usable training pairs`);
  const stepsPerEpoch = Math.ceil(nCaps / config.batchSize);
  const totalSteps = stepsPerEpoch * config.numEpochs;
  const aug = new Rng(state.augRngState);
  const started = performance.now() / 1000 - state.elapsedSeconds;
  const sessionStart = { time: performance.now() / 1000, step: state.step };
  const elapsed = () => performance.now() / 1000 - started;

  const snapshot = async () => {
    onEvent?.({ type: 'phase', phase: 'checkpoint' });
    state.augRngState = aug.state;
    state.elapsedSeconds = elapsed();
    await saveCheckpoint(
      ckptDir,
      state,
      model.namedWeights(),
      optimizer,
      config.finetuneCnn && model.backbone ? (d) => model.backbone!.save(d) : undefined,
    );
  };

  const runValidation = async (): Promise<boolean> => {
    onEvent?.({ type: 'phase', phase: 'validating' });
    const metrics = await validate(model, vocab, input.val, valFeed, signal);
    const isBest = metrics.rsum > state.best.rsum;
    if (isBest) {
      state.best = { rsum: metrics.rsum, step: state.step, metrics };
      await writeWeights(bestDir, 'weights', model.namedWeights());
      if (config.finetuneCnn && model.backbone) await model.backbone.save(bestDir);
    }
    log({ type: 'val', step: state.step, epoch: state.epoch, ...metrics, best: isBest });
    onEvent?.({ type: 'val', step: state.step, epoch: state.epoch, metrics, best: isBest });
    return isBest;
  };

  let status: TrainOutput['status'] = 'completed';
  const aborted = () => signal?.aborted === true;
  try {
    outer: for (; state.epoch < config.numEpochs; state.epoch++, state.batchInEpoch = 0) {
      const lr = learningRateAt(config, state.epoch);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const epochRng = new Rng(state.epochRngState);
      const order = epochRng.permutation(nCaps);
      onEvent?.({ type: 'phase', phase: 'training' });
      while (state.batchInEpoch < stepsPerEpoch) {
        if (aborted()) {
          status = 'interrupted';
          break outer;
        }
        const caps = Array.from(
          order.subarray(state.batchInEpoch * config.batchSize, (state.batchInEpoch + 1) * config.batchSize),
          (k) => trainFeed.usableCaptions[k]!,
        );
        const imgs = caps.map((c) => input.train.captionImage[c]!);
        const inp = await trainFeed.imageInput(imgs, aug);
        const keptCaps = inp.ok.map((i) => caps[i]!);
        let lossValue = NaN;
        if (keptCaps.length >= 2) {
          const tokens = padTokens(
            keptCaps.map((c) => vocab.encode(input.train.captions[c]!, config.maxCaptionLength)),
          );
          const hardest = config.maxViolation && state.epoch >= config.maxViolationWarmup;
          lossValue = await trainStep(model, optimizer, vars, inp.encode, tokens, hardest);
        }
        inp.dispose();
        state.step++;
        state.batchInEpoch++;
        const sps = (performance.now() / 1000 - sessionStart.time) / Math.max(1, state.step - sessionStart.step);
        onEvent?.({
          type: 'step',
          step: state.step,
          totalSteps,
          epoch: state.epoch,
          loss: lossValue,
          lr,
          secondsPerStep: sps,
          etaSeconds: sps * (totalSteps - state.step),
        });
        log({ type: 'step', step: state.step, epoch: state.epoch, loss: lossValue, lr });
        if (state.step % config.valStep === 0) {
          await runValidation();
          await snapshot();
        }
      }
      // Epoch end: validate (the paper does), and decide on early stopping.
      state.epochRngState = epochRng.state;
      if (state.step % config.valStep !== 0) {
        const improved = await runValidation();
        state.epochsSinceBest = improved ? 0 : state.epochsSinceBest + 1;
      } else {
        state.epochsSinceBest = state.best.step === state.step ? 0 : state.epochsSinceBest + 1;
      }
      if (input.patience !== undefined && state.epochsSinceBest >= input.patience) {
        state.epoch++;
        state.batchInEpoch = 0;
        status = 'early-stopped';
        break;
      }
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError') status = 'interrupted';
    else throw err;
  }
  await snapshot();
  log({
    type: status === 'interrupted' ? 'interrupted' : 'end',
    step: state.step,
    epoch: state.epoch,
    best: state.best,
  });

  // The result is the best validated model, as vsepp's model_best.pth.tar.
  if (status !== 'interrupted' && existsSync(join(bestDir, 'weights.json'))) {
    const best = readWeights(bestDir, 'weights');
    if (config.finetuneCnn && model.backbone && existsSync(join(bestDir, 'backbone'))) {
      const saved = await Backbone.load(model.backbone.spec, bestDir);
      model.backbone.copyWeightsFrom(saved);
      saved.dispose();
    }
    const bestModel = VseModel.fromWeights(config, best, model.backbone, join(bestDir, 'weights.json'));
    tf.dispose(Object.values(best));
    for (const v of model.params.values()) v.dispose();
    model = bestModel;
  }
  optimizer.dispose();
  return { status, model, vocab, step: state.step, epoch: state.epoch, best: state.best, seconds: elapsed(), logPath };
}
