/**
 * The training commands behind the API contract: train, evaluate and fine-tune, as the CLI, IPC and
 * web mode call them. Inputs arrive validated; every failure leaves as a coded error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { importNsfwjsBackbone, isNsfwjsBackbone } from '../runtime/backbones/nsfwjs.js';
import { join, resolve } from 'node:path';
import {
  FINETUNE_MIN_ALBUMS,
  FINETUNE_MIN_PHOTOS,
  type CallOptions,
  type EvalOutput,
  type FinetuneOutput,
  type ParsedInput,
  type TrainOutput,
  type Progress,
} from '../../shared/contract.js';
import { initBackend } from '../runtime/tf/backend.js';
import { as, GlimpseError } from '../base/errors.js';
import { jointDim, VseConfigSchema, type VseConfig } from '../vse/config.js';
import { loadDataset } from '../vse/data/load.js';
import { loadFolder } from '../vse/data/folder.js';
import { fixedCaptionsPerImage, subsetDataset, type PairDataset } from '../vse/data/dataset.js';
import { Backbone, tinyCnn } from '../vse/model/backbone.js';
import { loadBundle, readManifest, saveBundle, type ModelCard } from '../vse/bundle.js';
import { embedDataset, summariseMetrics, train, validate, validateRanks, type TrainEvent } from '../vse/train.js';
import { rsumGainInterval } from '../vse/bootstrap.js';
import type { RecallSummary } from '../vse/bundle.js';
import { evaluateFold5, evaluateRetrieval } from '../vse/eval.js';
import { Rng } from '../base/rng.js';

function progressFrom(e: TrainEvent, onProgress?: (p: Progress) => void): void {
  if (!onProgress) return;
  if (e.type === 'step')
    onProgress({
      phase: 'training',
      done: e.step,
      total: e.totalSteps,
      eta: e.etaSeconds,
      loss: e.loss,
      message: `epoch ${e.epoch + 1}, lr ${e.lr.toExponential(1)}`,
    });
  else if (e.type === 'phase') onProgress({ phase: e.phase, done: e.done ?? 0, total: e.total ?? 0, eta: null });
  else
    onProgress({
      phase: 'validated',
      done: e.step,
      total: 0,
      eta: null,
      message: `rsum ${e.metrics.rsum.toFixed(1)}${e.best ? ' (best)' : ''}`,
    });
}

async function resolveBackbone(spec: string | undefined, seed: number): Promise<Backbone | null> {
  if (!spec) return null;
  if (spec === 'tiny-cnn') return tinyCnn(32, 32, seed);
  if (isNsfwjsBackbone(spec)) {
    // Materialise the package's model in a scratch folder, then load it like any bundle backbone.
    const dir = mkdtempSync(join(tmpdir(), 'glimpse-backbone-'));
    try {
      return await Backbone.load(importNsfwjsBackbone(spec, dir), dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const dir = resolve(spec);
  return as('bad-bundle', async () => {
    const m = readManifest(dir);
    if (!m.backbone) throw new Error(`${join(dir, 'bundle.json')}: this bundle has no image backbone to reuse`);
    return Backbone.load(m.backbone, dir);
  });
}

function parseConfig(overrides: Record<string, number | boolean>): VseConfig {
  const r = VseConfigSchema.strict().safeParse(overrides);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new GlimpseError(
      'invalid-input',
      `config "${i.path.join('.') || (i as { keys?: string[] }).keys?.join(', ')}": ${i.message}`,
    );
  }
  return r.data;
}

function datasetSummary(ds: PairDataset): ModelCard['trainingData'][number] {
  return { description: ds.description, images: ds.numImages, captions: ds.captions.length };
}

export async function trainCommand(input: ParsedInput<'train'>, opts: CallOptions = {}): Promise<TrainOutput> {
  const backend = await initBackend();
  let config = parseConfig(input.config);
  const backbone = await resolveBackbone(input.backbone, config.seed);
  const trainDs = await as('bad-data', () => loadDataset(input.data, { split: 'train', images: input.images }));
  const valDs = await as('bad-data', () => loadDataset(input.data, { split: 'val', images: input.images }));
  const featureDim =
    backbone?.spec.featureDim ?? (trainDs.images.kind === 'features' ? trainDs.images.matrix.cols : null);
  if (featureDim === null)
    throw new GlimpseError(
      'invalid-input',
      `${input.data} holds image files: pass --backbone (tiny-cnn or a bundle folder)`,
    );
  if ('imgDim' in input.config && input.config.imgDim !== featureDim) {
    throw new GlimpseError(
      'invalid-input',
      `config imgDim ${String(input.config.imgDim)} does not match the ${featureDim}-d image features`,
    );
  }
  config = { ...config, imgDim: featureDim };
  if (valDs.numImages === 0)
    throw new GlimpseError('bad-data', `${input.data}: the validation split is empty (add more images)`);
  const out = resolve(input.out);
  const result = await as('internal', () =>
    train({
      config,
      train: trainDs,
      val: valDs,
      runDir: join(out, 'run'),
      backbone,
      resume: input.resume,
      signal: opts.signal,
      onEvent: (e) => progressFrom(e, opts.onProgress),
    }),
  );
  let modelId: string | null = null;
  if (result.status !== 'interrupted') {
    const manifest = await saveBundle(out, {
      config: result.model.config,
      model: result.model,
      vocab: result.vocab,
      captionBank: trainDs.captions,
      float16: input.float16,
      card: {
        name: input.name,
        description: `VSE++ trained by \`glimpse train\` on ${trainDs.description}.`,
        trainingData: [datasetSummary(trainDs)],
        recall: result.best.metrics
          ? [
              {
                split: valDs.description,
                images: valDs.numImages,
                captions: valDs.captions.length,
                metrics: result.best.metrics,
              },
            ]
          : [],
        training: {
          backend: backend.name,
          seconds: result.seconds,
          steps: result.step,
          epochs: result.epoch,
          bestStep: result.best.step,
        },
        notes: [],
      },
    });
    modelId = manifest.id;
  }
  result.model.dispose();
  return {
    backend: backend.name,
    status: result.status,
    out,
    modelId,
    steps: result.step,
    epochs: result.epoch,
    seconds: result.seconds,
    best: result.best,
    logPath: result.logPath,
    skipped: { train: trainDs.skipped.toJSON(), val: valDs.skipped.toJSON() },
  };
}

export async function evaluateCommand(input: ParsedInput<'evaluate'>, opts: CallOptions = {}): Promise<EvalOutput> {
  const backend = await initBackend();
  const bundle = await as('bad-bundle', () => loadBundle(resolve(input.model)));
  try {
    const ds = await as('bad-data', () => loadDataset(input.data, { split: input.split, images: input.images }));
    const per = ds.captionsPerImage;
    // The paper's protocol: exactly 5 captions per image (the first 5 where there are more).
    const set = per
      ? (() => {
          const f = fixedCaptionsPerImage(ds, per);
          return subsetDataset(ds, f.imageIndex, f.captionIndex, ds.split);
        })()
      : ds;
    opts.onProgress?.({ phase: 'embedding', done: 0, total: set.numImages, eta: null });
    const e = await embedDataset(bundle.model, bundle.vocab, set, undefined, opts.signal);
    if (e.numImages === 0)
      throw new GlimpseError('bad-data', `${input.data}: no usable images in split "${input.split}"`);
    const dim = jointDim(bundle.model.config);
    const fixed = per !== undefined && e.captionImage.length === e.numImages * per;
    if (input.fold5 && !fixed)
      throw new GlimpseError(
        'invalid-input',
        '--fold5 needs a dataset with exactly 5 captions per image (Karpathy JSON or precomp)',
      );
    const emb = {
      images: e.images,
      captions: e.captions,
      dim,
      perImage: per ?? 0,
      captionImage: fixed ? undefined : e.captionImage,
    };
    const metrics = summariseMetrics(
      input.fold5 ? await as('invalid-input', () => evaluateFold5(emb)) : evaluateRetrieval(emb),
    );
    return {
      backend: backend.name,
      modelId: bundle.manifest.id,
      split: input.split,
      fold5: input.fold5,
      images: e.numImages,
      captions: e.captionImage.length,
      metrics,
      skipped: ds.skipped.toJSON(),
    };
  } finally {
    bundle.model.dispose();
  }
}

export function finetuneCommand(input: ParsedInput<'finetune'>, opts: CallOptions = {}): Promise<FinetuneOutput> {
  return finetuneOn(input, () => loadFolder(resolve(input.data), 'all'), opts);
}

/**
 * Fine-tunes `input.model` on the pairs `load` gives (a labelled folder, or the user's albums).
 * Recall is measured on held-out photos from at least two labels, with a bootstrap interval of
 * the gain; `libraryQueries`, when given, are other searches of the user's library measured
 * before and after, so a fine-tune that makes them worse shows it.
 */
export async function finetuneOn(
  input: Omit<ParsedInput<'finetune'>, 'data'> & { data: string },
  load: () => PairDataset,
  opts: CallOptions = {},
  libraryQueries?: () => PairDataset | null,
): Promise<FinetuneOutput> {
  const backend = await initBackend();
  const bundle = await as('bad-bundle', () => loadBundle(resolve(input.model)));
  try {
    if (!bundle.model.backbone)
      throw new GlimpseError(
        'bad-bundle',
        `${input.model}: this model has no image backbone, so it can't read photos to fine-tune on`,
      );
    const all = await as('bad-data', load);
    const { held: heldImages, train: trainImages } = holdOut(all, input.heldOut, input.seed, input.data);
    const allCaps = Array.from(all.captionImage.keys());
    const trainDs = subsetDataset(all, trainImages, allCaps, 'train');
    const heldDs = subsetDataset(all, heldImages, allCaps, 'held-out');
    const beforeRanks = await validateRanks(bundle.model, bundle.vocab, heldDs, undefined, opts.signal);
    const before = summariseMetrics(beforeRanks.metrics);
    const others = libraryQueries?.() ?? null;
    const othersBefore = others ? await validate(bundle.model, bundle.vocab, others, undefined, opts.signal) : null;
    const vocab = bundle.vocab.grow(trainDs.captions.flatMap((c) => bundle.vocab.tokenize(c)));
    const newWords = vocab.size - bundle.vocab.size;
    const config: VseConfig = {
      ...bundle.manifest.config,
      learningRate: input.learningRate,
      numEpochs: input.epochs,
      lrUpdate: Math.max(input.epochs, 1),
      batchSize: Math.min(input.batchSize, trainDs.captions.length),
      valStep: Number.MAX_SAFE_INTEGER,
      seed: input.seed,
      augment: false,
    };
    const out = resolve(input.out);
    if (resolve(input.model) === out)
      throw new GlimpseError(
        'invalid-input',
        '--out must be a new folder: fine-tuning never overwrites the model it starts from',
      );
    const model = bundle.model;
    const result = await as('internal', () =>
      train({
        config,
        train: trainDs,
        val: heldDs,
        runDir: join(out, 'run'),
        backbone: model.backbone,
        init: { model, vocab },
        patience: input.patience,
        signal: opts.signal,
        onEvent: (e) => progressFrom(e, opts.onProgress),
      }),
    );
    let modelId: string | null = null;
    let after: RecallSummary | null = null;
    let gain: FinetuneOutput['gain'] = null;
    let othersAfter: RecallSummary | null = null;
    if (result.status !== 'interrupted' && result.best.metrics) {
      const afterRanks = await validateRanks(result.model, result.vocab, heldDs, undefined, opts.signal);
      after = summariseMetrics(afterRanks.metrics);
      gain = rsumGainInterval(beforeRanks.metrics, afterRanks.metrics, beforeRanks.captionImage, 1000, input.seed);
      if (others) othersAfter = await validate(result.model, result.vocab, others, undefined, opts.signal);
    }
    if (after && gain) {
      const card = bundle.manifest.card;
      const manifest = await saveBundle(out, {
        config,
        model: result.model,
        vocab: result.vocab,
        captionBank: [...bundle.captionBank, ...trainDs.captions],
        card: {
          ...card,
          name: `${card.name} (fine-tuned)`,
          // The base model's evaluation sets were not re-run: only the held-out photos are measured.
          recall: [
            {
              split: 'held-out fine-tuning photos',
              images: heldDs.numImages,
              captions: heldDs.captions.length,
              metrics: after,
            },
          ],
          notes: [
            ...card.notes,
            `Fine-tuned from ${bundle.manifest.id} on ${trainDs.captions.length} labelled pairs; its recall on the base model's evaluation sets is not re-measured here (glimpse eval does that).`,
          ],
          trainingData: [...card.trainingData, datasetSummary(trainDs)],
          finetune: {
            from: bundle.manifest.id,
            pairs: trainDs.captions.length,
            heldOutImages: heldDs.numImages,
            newWords,
            before,
            after,
          },
          training: {
            backend: backend.name,
            seconds: result.seconds,
            steps: result.step,
            epochs: result.epoch,
            bestStep: result.best.step,
          },
        },
      });
      modelId = manifest.id;
    }
    if (result.model !== model) for (const v of result.model.params.values()) v.dispose();
    return {
      backend: backend.name,
      status: result.status,
      out,
      modelId,
      from: bundle.manifest.id,
      pairs: trainDs.captions.length,
      heldOutImages: heldDs.numImages,
      newWords,
      before,
      after,
      gain,
      libraryQueries: others
        ? { images: others.numImages, queries: others.captions.length, before: othersBefore!, after: othersAfter }
        : null,
      skipped: all.skipped.toJSON(),
    };
  } finally {
    bundle.model.dispose();
  }
}

/** Fewest held-out photos, and labels among them, that give a recall worth reporting. */
export const MIN_HELD_OUT_PHOTOS = 8;
export const MIN_HELD_OUT_LABELS = FINETUNE_MIN_ALBUMS;
/** Fewest photos left to learn from once the held-out ones are set aside. */
const MIN_TRAIN_PHOTOS = FINETUNE_MIN_PHOTOS - MIN_HELD_OUT_PHOTOS;

/**
 * Chooses the held-out photos: `share` of them (at least MIN_HELD_OUT_PHOTOS), drawn by the seed
 * in turn from each label (an image's last caption: its album), so every label is measured.
 * Refuses, saying why, where the photos can't give a measurement.
 */
export function holdOut(
  ds: PairDataset,
  share: number,
  seed: number,
  what: string,
): { held: number[]; train: number[] } {
  const need = MIN_HELD_OUT_PHOTOS + MIN_TRAIN_PHOTOS;
  const labelOf = new Map<number, string>();
  ds.captionImage.forEach((im, c) => labelOf.set(im, ds.captions[c]!));
  const labels = new Map<string, number[]>();
  const rng = new Rng(seed);
  for (const im of rng.permutation(ds.numImages)) {
    const l = labelOf.get(im) ?? '';
    const group = labels.get(l);
    if (group) group.push(im);
    else labels.set(l, [im]);
  }
  if (ds.numImages < need || labels.size < MIN_HELD_OUT_LABELS)
    throw new GlimpseError(
      'bad-data',
      `${what}: fine-tuning is measured on at least ${MIN_HELD_OUT_PHOTOS} held-out photos from ${MIN_HELD_OUT_LABELS} or more albums, so it needs ${need} labelled photos in ${MIN_HELD_OUT_LABELS} albums; found ${ds.numImages} photo(s) in ${labels.size} album(s). Add photos or another album.`,
    );
  const nHeld = Math.min(
    ds.numImages - MIN_TRAIN_PHOTOS,
    Math.max(MIN_HELD_OUT_PHOTOS, Math.round(ds.numImages * share)),
  );
  const queues = [...labels.values()];
  const held: number[] = [];
  for (let k = 0; held.length < nHeld; k++) {
    const q = queues[k % queues.length]!;
    // Leave each label one photo to learn from where it can.
    if (q.length > 1 || queues.every((x) => x.length <= 1)) {
      const im = q.shift();
      if (im !== undefined) held.push(im);
    }
  }
  const heldSet = new Set(held);
  const train = Array.from({ length: ds.numImages }, (_, i) => i).filter((i) => !heldSet.has(i));
  return { held: held.sort((a, b) => a - b), train };
}
