/**
 * The VSE++ engine behind the API contract: train, evaluate and fine-tune, as the CLI, IPC and
 * web mode call them. Inputs arrive validated; every failure leaves as a coded error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { importNsfwjsBackbone, isNsfwjsBackbone } from './backbones/nsfwjs.js';
import { join, resolve } from 'node:path';
import type {
  CallOptions,
  EvalOutput,
  FinetuneOutput,
  ParsedInput,
  TrainOutput,
  Progress,
} from '../../shared/contract.js';
import { initBackend } from './tf/backend.js';
import { as, GlimpseError } from './errors.js';
import { VseConfigSchema, type VseConfig } from './config.js';
import { loadDataset } from './data/load.js';
import { loadFolder } from './data/folder.js';
import { fixedCaptionsPerImage, subsetDataset, type PairDataset } from './data/dataset.js';
import { Backbone, tinyCnn } from './model/backbone.js';
import { loadBundle, readManifest, saveBundle, type ModelCard } from './bundle.js';
import { embedDataset, summariseMetrics, train, validate, type TrainEvent } from './train.js';
import { evaluateFold5, evaluateRetrieval } from './eval.js';
import { Rng } from './rng.js';
import { tokenize } from './data/tokenizer.js';

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
    const dim = bundle.model.config.embedSize;
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

/** Fine-tunes `input.model` on the pairs `load` gives (a labelled folder, or the user's albums). */
export async function finetuneOn(
  input: Omit<ParsedInput<'finetune'>, 'data'> & { data: string },
  load: () => PairDataset,
  opts: CallOptions = {},
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
    if (all.numImages < 4)
      throw new GlimpseError(
        'bad-data',
        `${input.data}: fine-tuning needs at least 4 labelled photos; found ${all.numImages}`,
      );
    // Hold out whole images, chosen by the seed, for early stopping and the before/after recall.
    const order = Array.from(new Rng(input.seed).permutation(all.numImages));
    const nHeld = Math.max(2, Math.round(all.numImages * input.heldOut));
    const heldImages = order.slice(0, nHeld).sort((a, b) => a - b);
    const trainImages = order.slice(nHeld).sort((a, b) => a - b);
    const allCaps = Array.from(all.captionImage.keys());
    const trainDs = subsetDataset(all, trainImages, allCaps, 'train');
    const heldDs = subsetDataset(all, heldImages, allCaps, 'held-out');
    const before = await validate(bundle.model, bundle.vocab, heldDs, undefined, opts.signal);
    const vocab = bundle.vocab.grow(trainDs.captions.flatMap(tokenize));
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
    const after = result.best.metrics;
    if (result.status !== 'interrupted' && after) {
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
      skipped: all.skipped.toJSON(),
    };
  } finally {
    bundle.model.dispose();
  }
}
