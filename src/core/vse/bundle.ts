/**
 * Model bundles: a folder with everything needed to embed text and images the way training did.
 *   bundle.json    manifest: format, id, config, backbone spec, model card
 *   vocab.json     the word list (ids are positions)
 *   weights.json + weights.bin   VSE weights in tfjs format
 *   backbone/      the tfjs backbone model (absent for precomputed-feature models)
 *   captions.txt   the caption bank for captioning by retrieval, one per line
 *   MODEL_CARD.md  the card, for people
 * Loading validates all of it and names the file at fault.
 */
import { z } from 'zod';
import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync, mkdirSync, cpSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { VseConfigSchema, type VseConfig } from './config.js';
import { tokenizerOf, Vocabulary } from './data/vocab.js';
import { Backbone, BackboneSpecSchema, type BackboneSpec } from './model/backbone.js';
import { VseModel } from './model/vse.js';
import { readWeights, writeWeights } from './weights-io.js';
import { BUNDLE_LIMITS, readInside, writeFileAtomic } from '../base/files.js';
import { ModelCardSchema, RecallSummarySchema, type ModelCard, type RecallSummary } from '../../shared/model-card.js';

export const BUNDLE_FORMAT = 'glimpse-vse-bundle';
export const BUNDLE_VERSION = 1;

export { RecallSummarySchema, ModelCardSchema, type RecallSummary, type ModelCard };

export const BundleManifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.literal(BUNDLE_VERSION),
  /** Content id: changes whenever the weights change; stored with every vector made by the model. */
  id: z.string().min(1),
  createdAt: z.string(),
  config: VseConfigSchema,
  /** null: the model embeds precomputed features and can't read image files by itself. */
  backbone: BackboneSpecSchema.nullable(),
  card: ModelCardSchema,
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;

export interface LoadedBundle {
  dir: string;
  manifest: BundleManifest;
  model: VseModel;
  vocab: Vocabulary;
  captionBank: string[];
}

/** A bundle's JSON file, read as hostile input (readInside: inside the folder, bounded). */
function readJson(path: string): unknown {
  const text = readInside(dirname(path), basename(path), BUNDLE_LIMITS.json).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

export function readManifest(dir: string): BundleManifest {
  const path = join(dir, 'bundle.json');
  if (!existsSync(dir)) throw new Error(`${dir}: no such model bundle`);
  const raw = readJson(path) as { format?: unknown; formatVersion?: unknown };
  if (raw?.format !== BUNDLE_FORMAT)
    throw new Error(`${path}: not a Glimpse model bundle (format is ${JSON.stringify(raw?.format)})`);
  if (raw.formatVersion !== BUNDLE_VERSION)
    throw new Error(
      `${path}: bundle format version ${String(raw.formatVersion)} is not supported (this build reads ${BUNDLE_VERSION})`,
    );
  const parsed = BundleManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${path}: invalid at "${issue.path.join('.')}": ${issue.message}`);
  }
  return parsed.data;
}

/**
 * `backbone: false` leaves the image backbone's weights on disk (`model.backbone` is null; the
 * manifest still describes it) for a caller that runs it elsewhere, on onnxruntime.
 */
export async function loadBundle(dir: string, opts: { backbone?: boolean } = {}): Promise<LoadedBundle> {
  const manifest = readManifest(dir);
  const vocabPath = join(dir, 'vocab.json');
  let vocab: Vocabulary;
  try {
    const v = readJson(vocabPath) as { words?: unknown };
    if (!Array.isArray(v?.words)) throw new Error('no "words" array');
    vocab = new Vocabulary(v.words as string[], tokenizerOf(manifest.config));
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(msg.startsWith(vocabPath) ? msg : `${vocabPath}: ${msg}`, { cause: err });
  }
  const bankPath = join(dir, 'captions.txt');
  if (!existsSync(bankPath)) throw new Error(`${bankPath}: missing (the caption bank)`);
  const captionBank = readInside(dir, 'captions.txt', BUNDLE_LIMITS.text)
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const weights = readWeights(dir, 'weights');
  let backbone: Backbone | null = null;
  try {
    if (manifest.backbone && opts.backbone !== false) backbone = await Backbone.load(manifest.backbone, dir);
    // The id names the weights everywhere vectors are stored: weights changed after the bundle was
    // written must not pass under the old, trusted id.
    const actual = existsSync(join(dir, 'weights.bin')) ? contentId(dir, manifest.backbone) : manifest.id;
    if (actual !== manifest.id) {
      throw new Error(
        `${join(dir, 'bundle.json')}: model id ${manifest.id} does not match its weights (${actual}): the files changed after the bundle was written`,
      );
    }
    const embedRows = weights['txt.embed']?.shape[0];
    if (embedRows !== undefined && embedRows !== vocab.size) {
      throw new Error(
        `${join(dir, 'weights.json')}: ${embedRows} embedding rows but ${vocabPath} has ${vocab.size} words (mismatched files)`,
      );
    }
    const model = VseModel.fromWeights(manifest.config, weights, backbone, join(dir, 'weights.json'));
    return { dir, manifest, model, vocab, captionBank };
  } catch (err) {
    backbone?.dispose();
    throw err;
  } finally {
    tf.dispose(Object.values(weights));
  }
}

export interface SaveBundleInput {
  config: VseConfig;
  model: VseModel;
  vocab: Vocabulary;
  captionBank: string[];
  card: ModelCard;
  float16?: boolean;
}

/**
 * Writes a bundle to `dir` atomically: everything goes to a sibling temp folder that replaces
 * `dir` only when complete, so a crash never leaves a half-written model behind. Files already in
 * `dir` that are not part of the bundle (a training run's log and checkpoints) are carried over.
 */
export async function saveBundle(dir: string, input: SaveBundleInput): Promise<BundleManifest> {
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await writeWeights(tmp, 'weights', input.model.namedWeights(), { float16: input.float16 });
  let backbone: BackboneSpec | null = null;
  if (input.model.backbone) {
    backbone = input.model.backbone.spec;
    await input.model.backbone.save(tmp);
  }
  writeFileAtomic(join(tmp, 'vocab.json'), JSON.stringify(input.vocab.toJSON()));
  const bank = [...new Set(input.captionBank.map((c) => c.trim()).filter(Boolean))];
  writeFileAtomic(join(tmp, 'captions.txt'), bank.join('\n') + '\n');
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    id: contentId(tmp, backbone),
    createdAt: new Date().toISOString(),
    config: input.config,
    backbone,
    card: input.card,
  };
  writeFileAtomic(join(tmp, 'bundle.json'), JSON.stringify(manifest, null, 2));
  writeFileAtomic(join(tmp, 'MODEL_CARD.md'), renderCard(manifest));
  if (existsSync(join(dir, 'run'))) cpSync(join(dir, 'run'), join(tmp, 'run'), { recursive: true });
  const old = `${tmp}.old`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
  return manifest;
}

function contentId(dir: string, backbone: BackboneSpec | null): string {
  const h = createHash('sha256');
  h.update(readInside(dir, 'weights.bin', BUNDLE_LIMITS.weights));
  if (backbone) h.update(readInside(join(dir, backbone.path), 'weights.bin', BUNDLE_LIMITS.weights));
  return `vse-${backbone?.id ?? 'precomp'}-${h.digest('hex').slice(0, 16)}`;
}

const fmt = (x: number) => x.toFixed(1);

export function renderCard(m: BundleManifest): string {
  const c = m.card;
  const lines = [
    `# ${c.name}`,
    '',
    c.description,
    '',
    `- Model id: \`${m.id}\``,
    `- Created: ${m.createdAt}`,
    `- Backbone: ${m.backbone ? `${m.backbone.id} (${m.backbone.inputSize}px, feature "${m.backbone.featureNode}", ${m.backbone.featureDim}-d)` : 'precomputed features'}`,
    `- Sentence encoder: ${m.config.layerNorm ? 'layer-normalised GRU' : 'GRU'}, word ${m.config.wordDim}, joint space ${m.config.embedSize}${m.config.heads > 1 ? ` × ${m.config.heads} heads (similarities averaged)` : ''}`,
    `- Loss: ${m.config.maxViolation ? 'max-violation (VSE++)' : 'sum of hinges (VSE0)'}, margin ${m.config.margin}`,
    '',
    '## Training data',
    '',
  ];
  for (const d of c.trainingData)
    lines.push(`- ${d.description}: ${d.images} images, ${d.captions} captions${d.licence ? ` (${d.licence})` : ''}`);
  if (c.training)
    lines.push(
      '',
      `Trained ${c.training.steps} steps (${c.training.epochs} epochs) in ${Math.round(c.training.seconds)} s on the ${c.training.backend} backend; best at step ${c.training.bestStep}.`,
    );
  if (c.recall.length) {
    lines.push(
      '',
      '## Recall',
      '',
      '| split | images | i2t R@1 | R@5 | R@10 | t2i R@1 | R@5 | R@10 | rsum |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of c.recall) {
      const { i2t, t2i } = r.metrics;
      lines.push(
        `| ${r.split} | ${r.images} | ${fmt(i2t.r1)} | ${fmt(i2t.r5)} | ${fmt(i2t.r10)} | ${fmt(t2i.r1)} | ${fmt(t2i.r5)} | ${fmt(t2i.r10)} | ${fmt(r.metrics.rsum)} |`,
      );
    }
  }
  if (c.finetune) {
    const f = c.finetune;
    lines.push(
      '',
      '## Fine-tuning',
      '',
      `From \`${f.from}\` on ${f.pairs} pairs (${f.newWords} new words); held-out part: ${f.heldOutImages} images.`,
      '',
      '| | i2t R@1 | t2i R@1 | rsum |',
      '|---|---|---|---|',
      `| before | ${fmt(f.before.i2t.r1)} | ${fmt(f.before.t2i.r1)} | ${fmt(f.before.rsum)} |`,
      `| after | ${fmt(f.after.i2t.r1)} | ${fmt(f.after.t2i.r1)} | ${fmt(f.after.rsum)} |`,
    );
  }
  if (c.notes.length) lines.push('', '## Notes', '', ...c.notes.map((n) => `- ${n}`));
  lines.push('', '## Config', '', '```json', JSON.stringify(m.config, null, 2), '```', '');
  return lines.join('\n');
}
