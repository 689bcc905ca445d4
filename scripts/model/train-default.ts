/**
 * `npm run train:default`: trains the shipped model on the corpus (npm run corpus) with cached
 * backbone features (scripts/model/features.ts), evaluates it on every held-out set, and writes
 * the bundle to resources/models/default with its model card.
 *   npx tsx scripts/model/train-default.ts [--backbone=human-centernet@320 (default) | nsfwjs-mobilenet_v2[@size] | nsfwjs-inception_v3] [--out=DIR]
 *     (a+b: concatenated features of two backbones, from concat-features.ts; such a bundle keeps
 *     precomputed features only, as the app runs one backbone per model)
 *     [--config=JSON] [--eval-only=BUNDLE] [--report=FILE]
 *     [--photo-weight=K] (each real training photo K times an epoch) [--no-hypernyms]
 *     [--views=photostyle|photoviews|photolooks|views] (which augmented views --config='{"augment":true}' draws from)
 *     [--read-captions] (training captions read through WordNet as queries are: a measured lever, off)
 *     [--align-domains] (each drawing set moved onto the photos' feature statistics: a measured lever, off)
 *     [--only-head=h] (with heads > 1 the heads train at once in child processes, each
 *     with --only-head=h; then this process joins them)
 * With --config='{"standardiseFeatures":true}' the features are centred and scaled by the real
 * training photos' statistics, kept in the model.
 */
import { CARD_NOTES, TRAINING_LICENCES, TRAINING_SETS } from './card-text.js';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync, mkdirSync, readdirSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/core/runtime/tf/backend.js';
import { makeConfig, type VseConfigInput } from '../../src/core/vse/config.js';
import { NpyMatrix, type FeatureMatrix } from '../../src/core/vse/data/npy.js';
import { AlignedFeatures, featureStats, type FeatureStats } from '../../src/core/vse/data/align.js';
import { SkipReport } from '../../src/core/vse/data/skips.js';
import type { PairDataset } from '../../src/core/vse/data/dataset.js';
import { train, validate } from '../../src/core/vse/train.js';
import { saveBundle, loadBundle, type RecallSummary } from '../../src/core/vse/bundle.js';
import { Backbone } from '../../src/core/vse/model/backbone.js';
import { VseModel } from '../../src/core/vse/model/vse.js';
import { hasCheckpoint } from '../../src/core/vse/checkpoint.js';
import { trainHeadsInParallel } from './parallel-heads.js';
import { featureName, importBackbone, packageOf } from '../../tools/backbones.js';
import { evaluateRetrieval } from '../../src/core/vse/eval.js';
import { tokenize } from '../../src/core/language/tokenizer.js';
import { Rng } from '../../src/core/base/rng.js';
import { readCorpus, CORPUS_DIR, type CorpusItem } from '../../tools/corpus.js';
import { HypernymAugmenter } from '../../src/core/vse/data/hypernyms.js';
import { WordNet } from '../../src/core/language/wordnet.js';
import { Vocabulary } from '../../src/core/vse/data/vocab.js';
import { mapQuery } from '../../src/core/language/query-words.js';

/** Words seen fewer times in the training captions are not in the vocabulary. */
const VOCAB_THRESHOLD = 3;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TRAIN_SETS = ['openclipart', 'emoji-google', 'emoji-twitter', 'photos-real'];
export const EVAL_SETS: { name: string; sets: string[]; note: string }[] = [
  { name: 'openclipart held-out folders', sets: ['openclipart'], note: 'clip art from folders never trained on' },
  {
    name: 'emoji held-out concepts (Google, Twitter)',
    sets: ['emoji-google', 'emoji-twitter'],
    note: 'code points never trained on',
  },
  {
    name: 'emoji other artists (Apple, Facebook)',
    sets: ['emoji-apple', 'emoji-facebook'],
    note: 'held-out code points, artists never trained on',
  },
  {
    name: 'real-photo dev set (held-out concepts)',
    sets: ['photos-real'],
    note: 'GCompris, wallpaper and test photos of concepts never trained on',
  },
  {
    name: 'CC0 photos (scikit-image, @stdlib)',
    sets: ['photos-cc0'],
    note: '27 real photos with one-line descriptions',
  },
];

const arg = (k: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);

export function featureDataset(
  items: CorpusItem[],
  matrix: FeatureMatrix,
  rowOf: Map<string, number>,
  split: string,
  description: string,
  views?: Views,
): PairDataset {
  const kept = items.filter((i) => rowOf.has(i.id));
  const captions: string[] = [];
  const captionImage: number[] = [];
  kept.forEach((it, k) =>
    it.captions.forEach((c) => {
      captions.push(c);
      captionImage.push(k);
    }),
  );
  const n = views?.indexOf.size ?? 0;
  const viewRow = (v: number, id: string) =>
    views!.indexOf.has(id) && !views!.failed.has(id) ? v * n + views!.indexOf.get(id)! : -1;
  // With views.plain a drawing is drawn as itself as often as in each of its views (-1: the plain features).
  const augmented = views && {
    matrix: views.matrix,
    views: [
      ...Array.from({ length: views.count }, (_, v) => Int32Array.from(kept, (i) => viewRow(v, i.id))),
      ...(views.plain ? [new Int32Array(kept.length).fill(-1)] : []),
    ],
  };
  return {
    description,
    split,
    numImages: kept.length,
    captions,
    captionImage: Int32Array.from(captionImage),
    skipped: new SkipReport(),
    images: {
      kind: 'features',
      matrix,
      rows: Int32Array.from(kept, (i) => rowOf.get(i.id)!),
      ...(augmented ? { augmented } : {}),
    },
  };
}

/** A training set's augmented views (see features.ts --views), by corpus id. */
interface Views {
  matrix: NpyMatrix;
  count: number;
  indexOf: Map<string, number>;
  failed: Set<string>;
  /**
   * Also draw the plain features as one more view: photo-style views keep drawings seen as
   * drawings too, photo views keep the whole photo seen as the app sees it.
   */
  plain: boolean;
}

/** The augmented views beside `featPath` (<features>.<kind><V>.npy, the one with most views). */
function loadViews(featPath: string, kind: string): Views {
  const dir = dirname(featPath);
  const base = basename(featPath, '.npy');
  const prefix = `${base}.${kind}`;
  const found = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.npy'))
    .sort((x, y) => parseInt(y.slice(prefix.length), 10) - parseInt(x.slice(prefix.length), 10))[0];
  if (!found)
    throw new Error(
      `augment needs augmented views beside ${featPath}: run npx tsx scripts/model/features.ts <backbone> [size] ${kind === 'photostyle' ? '--photo-style=1' : '--views=4'}`,
    );
  const path = join(dir, found);
  const meta = JSON.parse(readFileSync(path.replace(/\.npy$/, '.ids.json'), 'utf8')) as {
    ids: string[];
    failed: string[];
    views: number;
  };
  return {
    matrix: new NpyMatrix(path),
    count: meta.views,
    indexOf: new Map(meta.ids.map((id, i) => [id, i])),
    failed: new Set(meta.failed),
    plain: kind === 'photostyle' || kind === 'photoviews' || kind === 'photolooks',
  };
}

/** The keyword baseline: rank images by how many query words occur in their file and folder names (path below the data set's root). */
export function keywordBaseline(items: CorpusItem[]): RecallSummary {
  const words = items.map(
    (i) =>
      new Set(tokenize((i.origin ?? i.image).replace(/^.*\/(models|data|openclipart)\//, '').replace(/[/_.-]+/g, ' '))),
  );
  const dim = words.length;
  // Scores as one-hot "embeddings" so the paper's evaluation code ranks them; ties broken by order.
  const caps: string[] = [];
  const owner: number[] = [];
  items.forEach((it, k) =>
    it.captions.forEach((c) => {
      caps.push(c);
      owner.push(k);
    }),
  );
  const imgs = new Float32Array(items.length * dim);
  items.forEach((_, k) => {
    imgs[k * dim + k] = 1;
  });
  const capv = new Float32Array(caps.length * dim);
  // Ties (most pairs share no word) are broken at random, so an uninformative name ranks at chance.
  const rng = new Rng(1);
  caps.forEach((c, j) => {
    const q = tokenize(c);
    words.forEach((w, k) => {
      capv[j * dim + k] = q.filter((t) => w.has(t)).length + 1e-3 * rng.next();
    });
  });
  const m = evaluateRetrieval({ images: imgs, captions: capv, dim, perImage: 0, captionImage: Int32Array.from(owner) });
  const s = ({ r1, r5, r10, medr, meanr }: typeof m.i2t) => ({ r1, r5, r10, medr, meanr });
  return { i2t: s(m.i2t), t2i: s(m.t2i), rsum: m.rsum };
}

/**
 * Chance: the expected rsum of random rankings, exactly. Text to image: the true image is equally
 * likely at each of N ranks, so R@K = K/N. Image to text: an image with m of the M captions is
 * found in the top K unless all K places go to other captions, 1 - C(M-m, K)/C(M, K). With few
 * images chance is far from zero (118.5 for 27 photos with one caption each), so a model must be
 * read against it, not against 0.
 */
export function chanceRsum(items: CorpusItem[]): number {
  const n = items.length;
  const total = items.reduce((a, i) => a + i.captions.length, 0);
  let rsum = 0;
  for (const k of [1, 5, 10]) {
    rsum += 100 * Math.min(1, k / n);
    let found = 0;
    for (const it of items) {
      let miss = 1;
      for (let j = 0; j < k; j++) miss *= Math.max(0, total - it.captions.length - j) / (total - j);
      found += 1 - miss;
    }
    rsum += (100 * found) / n;
  }
  return rsum;
}

/**
 * Data levers' defaults (docs/MODEL.md's lever table): photos not up-weighted, and the views an
 * `augment` run draws from (augment itself is off in the shipped config).
 */
const DEFAULT_PHOTO_WEIGHT = 1;
const DEFAULT_VIEWS = 'photostyle';

async function main(): Promise<void> {
  const backend = await initBackend();
  const backboneArg = arg('backbone') ?? 'human-centernet@320';
  const parts = backboneArg.split('+');
  const featPath = join(CORPUS_DIR, '..', 'features', `${featureName(backboneArg)}.npy`);
  if (!existsSync(featPath)) {
    throw new Error(
      `${featPath}: missing; run ${parts.length > 1 ? `npx tsx scripts/model/concat-features.ts ${parts.join(' ')}` : `npx tsx scripts/model/features.ts ${parts[0]!.replace('@', ' ')}`}`,
    );
  }
  const meta = JSON.parse(readFileSync(featPath.replace(/\.npy$/, '.ids.json'), 'utf8')) as {
    ids: string[];
    seconds: number;
  };
  const matrix = new NpyMatrix(featPath);
  const rowOf = new Map(meta.ids.map((id, r) => [id, r]));
  const items = readCorpus();
  const pick = (sets: string[], split: string) => items.filter((i) => sets.includes(i.set) && i.split === split);
  const out = arg('out') ?? join(ROOT, 'resources', 'models', 'default');
  // Training logs and checkpoints stay in data/ (never committed): the bundle keeps its card and config.
  const runs = arg('runs') ?? join(ROOT, 'data', 'runs', basename(out));
  const overrides = JSON.parse(arg('config') ?? '{}') as VseConfigInput;
  // Up-weighting: each real training photo appears this many times an epoch (with its captions).
  const photoWeight = Number(arg('photo-weight') ?? DEFAULT_PHOTO_WEIGHT);
  // Hypernym augmentation: each training item's first caption also with its head noun's
  // category ("an eagle" → "a bird"), so the categories people type are learnt.
  const hypernyms = process.argv.includes('--no-hypernyms') ? null : new HypernymAugmenter(WordNet.open());
  const withCategory = (i: CorpusItem): CorpusItem => {
    const extra = hypernyms?.augment(i.captions[0]!);
    return extra && !i.captions.includes(extra) ? { ...i, captions: [...i.captions, extra] } : i;
  };
  // Reading captions as the app reads text: words below the vocabulary threshold become their
  // nearest WordNet relative the vocabulary has ("kangaroo" → "mammal"), not <unk>, so training
  // sees what a query with such a word turns into. The vocabulary's words stay the same.
  const categorised = pick(TRAIN_SETS, 'train').map(withCategory);
  const readAs = (() => {
    if (!process.argv.includes('--read-captions')) return (i: CorpusItem) => i;
    const vocab = Vocabulary.build(
      categorised.flatMap((i) => i.captions),
      overrides.vocabThreshold ?? VOCAB_THRESHOLD,
    );
    const wn = WordNet.open();
    const read = (c: string) => mapQuery(c, (w) => vocab.has(w), { wn }).text;
    return (i: CorpusItem): CorpusItem => ({ ...i, captions: [...new Set(i.captions.map(read))] });
  })();
  const trainItems = categorised
    .map(readAs)
    .flatMap((i) => (i.set === 'photos-real' ? Array.from({ length: photoWeight }, () => i) : [i]));
  const rowsOf = (list: CorpusItem[]) => list.filter((i) => rowOf.has(i.id)).map((i) => rowOf.get(i.id)!);
  // The real training photos' statistics: what the model standardises by, and where --align-domains
  // moves drawings. Read once, and only when one of them needs it.
  const photoRows = rowsOf(pick(['photos-real'], 'train'));
  let stats: FeatureStats | undefined;
  const photoStats = () => (stats ??= featureStats(matrix, photoRows));
  // --align-domains: each drawing set's training and validation rows are moved onto the real
  // training photos' per-dimension mean and spread (statistics of its training rows), so the head
  // learns from drawings where photos lie. Held-out sets are evaluated as the app sees them, unmoved.
  const aligned = process.argv.includes('--align-domains');
  if (aligned && overrides.augment) throw new Error('--align-domains does not move augmented views; drop one');
  const trainMatrix: FeatureMatrix = aligned
    ? new AlignedFeatures(
        matrix,
        TRAIN_SETS.filter((s) => s !== 'photos-real').map((s) => {
          const train = rowsOf(pick([s], 'train'));
          return { stats: featureStats(matrix, train), rows: [...train, ...rowsOf(pick([s], 'val'))] };
        }),
        photoStats(),
      )
    : matrix;
  const trainDs = featureDataset(
    trainItems,
    trainMatrix,
    rowOf,
    'train',
    'openclipart + Google/Twitter emoji + real photos (train split)',
    overrides.augment ? loadViews(featPath, arg('views') ?? DEFAULT_VIEWS) : undefined,
  );
  const valDs = featureDataset(
    pick(TRAIN_SETS, 'val').map(readAs),
    trainMatrix,
    rowOf,
    'val',
    'openclipart + Google/Twitter emoji + real photos (validation split)',
  );
  const config = makeConfig({
    // The shipped configuration, chosen by the lever runs in docs/MODEL.md on the real-photo numbers:
    // layer-normalised GRU, features standardised by the real training photos' statistics, the
    // sum of hinges for 2 epochs then max violation (VSE++), 6 epochs with the rate cut after 4;
    // three heads (seeds 0, 1, 2) whose similarities average.
    imgDim: matrix.cols,
    embedSize: 256,
    heads: 3,
    wordDim: 300,
    layerNorm: true,
    maxViolation: true,
    maxViolationWarmup: 2,
    standardiseFeatures: true,
    batchSize: 128,
    numEpochs: 6,
    lrUpdate: 4,
    learningRate: 2e-4,
    valStep: 100_000,
    vocabThreshold: VOCAB_THRESHOLD,
    maxCaptionLength: 20,
    ...overrides,
  });
  const t0 = performance.now();
  let bundleDir = arg('eval-only');
  if (!bundleDir) {
    console.error(
      `train-default: ${trainDs.numImages} train images (${trainDs.captions.length} captions), ${valDs.numImages} val, backbone ${backboneArg}, backend ${backend.name}`,
    );
    // Each head trains alone, as a single-head model seeded seed + h, in its own run folder (a
    // head already trained is picked up from its checkpoint with --resume); then the heads are
    // joined into one model. --only-head=h trains one head and stops, to train heads in parallel.
    const onlyHead = arg('only-head');
    if (onlyHead !== undefined && !(Number.isInteger(Number(onlyHead)) && +onlyHead >= 0 && +onlyHead < config.heads))
      throw new Error(`--only-head=${onlyHead}: give a head from 0 to ${config.heads - 1}`);
    // Children train the heads; this process then finds each one finished in its checkpoint.
    const parallel = config.heads > 1 && onlyHead === undefined;
    if (parallel) await trainHeadsInParallel(config.heads, process.argv.slice(2));
    const resume = parallel || process.argv.includes('--resume');
    const heads: VseModel[] = [];
    // The heads train at once, so the card's time is the longest head's; its steps are one head's.
    let seconds = 0;
    let last: Awaited<ReturnType<typeof train>> | null = null;
    for (let h = 0; h < config.heads; h++) {
      if (onlyHead !== undefined && Number(onlyHead) !== h) continue;
      const runDir = config.heads === 1 ? join(runs, 'run') : join(runs, 'run', `head${h}`);
      const result = await train({
        config: { ...config, heads: 1, seed: config.seed + h },
        train: trainDs,
        val: valDs,
        runDir,
        backbone: null,
        // One head resumes strictly, as before heads; of several, one that never reached a
        // checkpoint (killed in its first epoch) starts again while the others resume.
        resume: resume && (config.heads === 1 || hasCheckpoint(join(runDir, 'checkpoint'))),
        ...(config.standardiseFeatures ? { featureStats: photoStats() } : {}),
        onEvent: (e) => {
          const tag = config.heads > 1 ? `head ${h + 1}/${config.heads} ` : '';
          if (e.type === 'val')
            console.error(
              `${tag}epoch ${e.epoch + 1}: val rsum ${e.metrics.rsum.toFixed(1)}${e.best ? ' (best)' : ''}`,
            );
          if (e.type === 'step' && e.step % 50 === 0)
            console.error(
              `${tag}step ${e.step}/${e.totalSteps} loss ${e.loss.toFixed(2)} ETA ${Math.round(e.etaSeconds)} s`,
            );
        },
      });
      if (result.status !== 'completed') throw new Error(`training ${result.status}`);
      if (last && last.vocab.words.join('\n') !== result.vocab.words.join('\n'))
        throw new Error('heads built different vocabularies');
      heads.push(result.model);
      seconds = Math.max(seconds, result.seconds);
      last = result;
    }
    if (onlyHead !== undefined) {
      heads.forEach((m) => m.dispose());
      console.error(`trained head ${onlyHead}; run again with --resume to join the heads`);
      return;
    }
    const result = last!;
    // The bundle carries the backbone itself, so it loads without the package that ships it.
    let backbone: Backbone | null = null;
    if (parts.length === 1) {
      const tmp = mkdtempSync(join(tmpdir(), 'glimpse-default-'));
      backbone = await Backbone.load(await importBackbone(backboneArg, tmp), tmp);
      rmSync(tmp, { recursive: true, force: true });
    }
    const model = VseModel.join(heads, backbone);
    heads.forEach((m) => m.dispose());
    const recall = [];
    for (const ev of EVAL_SETS) {
      const ds = featureDataset(
        items.filter((i) => ev.sets.includes(i.set) && i.split === 'test'),
        matrix,
        rowOf,
        'test',
        ev.name,
      );
      recall.push({
        split: ev.name,
        images: ds.numImages,
        captions: ds.captions.length,
        metrics: await validate(model, result.vocab, ds),
      });
    }
    const bank = [...new Set(trainDs.captions)];
    const manifest = await saveBundle(out, {
      config: model.config,
      model,
      vocab: result.vocab,
      captionBank: bank,
      float16: true,
      card: {
        name: 'Glimpse default model',
        description: `VSE (${model.config.maxViolation ? 'max-violation loss, VSE++' : 'sum-of-hinges loss, VSE0'}; ${model.config.layerNorm ? 'layer-normalised GRU' : 'GRU'}${model.config.heads > 1 ? `; ${model.config.heads} heads, separately seeded, whose similarities average` : ''}) on ${parts.length > 1 ? `the concatenated features of frozen ${parts.join(' and ')} backbones` : `a frozen ${backboneArg} backbone`}, trained on public-domain clip art, Apache-2.0 / CC-BY-4.0 emoji and CC0 / public-domain / CC-BY(-SA) real photos. See docs/MODEL.md.`,
        trainingData: [
          {
            description: TRAINING_SETS,
            images: trainDs.numImages,
            captions: trainDs.captions.length,
            licence: TRAINING_LICENCES,
          },
          ...parts.map((p) => ({
            description: `Backbone: ${p} from the ${packageOf(p)}, frozen${parts.length === 1 ? `; its features took ${Math.round(meta.seconds)} s for the corpus` : ''}`,
            images: 0,
            captions: 0,
            licence: 'MIT',
          })),
        ],
        recall,
        training: {
          backend: backend.name,
          seconds,
          steps: result.step,
          epochs: result.epoch,
          bestStep: result.best.step,
        },
        notes: CARD_NOTES,
      },
    });
    model.dispose();
    bundleDir = out;
    console.error(`wrote ${manifest.id} to ${out} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  // Report: the bundle's recall beside the keyword baseline on every evaluation set.
  const b = await loadBundle(bundleDir);
  const rows = [];
  for (const ev of EVAL_SETS) {
    const evItems = items.filter((i) => ev.sets.includes(i.set) && i.split === 'test' && rowOf.has(i.id));
    const ds = featureDataset(evItems, matrix, rowOf, 'test', ev.name);
    const m = await validate(b.model, b.vocab, ds);
    rows.push({ set: ev.name, images: ds.numImages, model: m, keyword: keywordBaseline(evItems) });
  }
  b.model.dispose();
  const report = arg('report');
  if (report) {
    mkdirSync(dirname(report), { recursive: true });
    writeFileSync(report, JSON.stringify({ backbone: backboneArg, config: b.manifest.config, rows }, null, 2));
  }
  for (const r of rows)
    console.log(
      `${r.set.padEnd(44)} model rsum ${r.model.rsum.toFixed(1).padStart(6)} (t2i R@1 ${r.model.t2i.r1.toFixed(1)}, R@10 ${r.model.t2i.r10.toFixed(1)})   keyword rsum ${r.keyword.rsum.toFixed(1).padStart(6)} (t2i R@1 ${r.keyword.t2i.r1.toFixed(1)})`,
    );
}

if (process.argv[1]?.endsWith('train-default.ts')) await main();
