/**
 * The models a data dir holds: `models/current` (the adopted one; absent: the shipped default)
 * and `models/candidates/*` (fine-tuned or imported bundles waiting to be adopted or discarded).
 * Adopting copies a bundle into place atomically, so a kill mid-copy keeps the old model.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ModelKind, ModelOutput } from '../../shared/contract.js';
import { as, GlimpseError } from '../base/errors.js';
import { readManifest, loadBundle, type ModelCard } from '../vse/bundle.js';
import { checkClipModel, isClipModel, readClipManifest } from '../interop/clip-bundle.js';
import { readClipFolder } from '../interop/clip-folder.js';
import { openClipEmbedder } from '../runtime/clip-embedder.js';
import { jointDim } from '../vse/config.js';
import { defaultModelDir, shippedModelDir } from './paths.js';

/** Bundle files worth carrying (a training run's checkpoints are not). */
const SKIP_ON_COPY = new Set(['checkpoint', 'best']);

export class ModelStore {
  constructor(private readonly dataDir: string) {}

  get currentDir(): string {
    return join(this.dataDir, 'models', 'current');
  }

  get candidatesDir(): string {
    return join(this.dataDir, 'models', 'candidates');
  }

  /** The folder a new fine-tuned model goes to. */
  newCandidateDir(prefix: string): string {
    mkdirSync(this.candidatesDir, { recursive: true });
    return join(this.candidatesDir, `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  }

  candidates(): ModelOutput['candidates'] {
    if (!existsSync(this.candidatesDir)) return [];
    const out: ModelOutput['candidates'] = [];
    for (const name of readdirSync(this.candidatesDir).sort()) {
      if (name.startsWith('.')) continue;
      const dir = join(this.candidatesDir, name);
      try {
        const m = describeModel(dir);
        out.push({ path: dir, id: m.id, createdAt: m.createdAt });
      } catch {
        // An interrupted fine-tune leaves a folder without a bundle: not a candidate.
      }
    }
    return out;
  }

  info(backend: { name: string; gpu: boolean }): ModelOutput {
    const dir = defaultModelDir(this.dataDir);
    const m = describeModel(dir);
    const c = m.card;
    return {
      id: m.id,
      dir,
      builtIn: resolve(dir) !== resolve(this.currentDir),
      kind: m.kind,
      name: c.name,
      description: c.description,
      createdAt: m.createdAt,
      backend: backend.name,
      gpu: backend.gpu,
      embedSize: m.embedSize,
      backbone: m.backbone,
      trainingData: c.trainingData,
      recall: c.recall,
      finetune: c.finetune ?? null,
      training: c.training ?? null,
      notes: c.notes,
      candidates: this.candidates(),
    };
  }

  /** Validates a bundle fully (weights included) before it may replace the current model. */
  async validate(dir: string): Promise<string> {
    if (isClipModel(dir)) {
      // Checks the graphs' files, then runs both once in onnxruntime: a model that can't run is
      // refused before it is adopted.
      await as('bad-bundle', () => checkClipModel(resolve(dir)));
      const e = await as('bad-bundle', () => openClipEmbedder(resolve(dir), 1));
      try {
        const s = e.preprocess.inputSize;
        await as('bad-bundle', async () => {
          await e.embedImages(new Float32Array(s * s * 3), 1);
          await e.embedTexts(['a photo']);
        });
        return e.id;
      } finally {
        e.dispose();
      }
    }
    try {
      const b = await loadBundle(resolve(dir));
      b.model.dispose();
      if (!b.model.backbone) throw new Error('this model has no image backbone, so it cannot index photos');
      return b.manifest.id;
    } catch (err) {
      throw new GlimpseError('bad-bundle', `${dir}: not a usable Glimpse model: ${(err as Error).message}`);
    }
  }

  /**
   * Makes `dir` the current model: copied beside, then swapped in by rename. Returns its id and
   * where the model it replaced is now (a candidate, or the shipped default's folder).
   */
  async adopt(dir: string): Promise<{ id: string; previous: string }> {
    const src = resolve(dir);
    if (!existsSync(join(src, 'bundle.json')) && !isClipModel(src))
      throw new GlimpseError('not-found', `${src}: no model bundle there (bundle.json is missing)`);
    const id = await this.validate(src);
    const models = join(this.dataDir, 'models');
    mkdirSync(models, { recursive: true });
    const tmp = join(models, `.current.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    copyBundle(src, tmp);
    // The model it replaces stays listed (as a candidate) until the user deletes it.
    const previous = this.setAsideCurrent('previous');
    renameSync(tmp, this.currentDir);
    // An adopted candidate is now the current model: one copy of it is enough.
    if (src.startsWith(this.candidatesDir)) rmSync(src, { recursive: true, force: true });
    return { id, previous };
  }

  /** Goes back to the shipped default; the model adopted until now stays listed as a candidate. */
  useDefault(): { id: string; previous: string } {
    const previous = this.setAsideCurrent('previous');
    return { id: readManifest(defaultModelDir(this.dataDir)).id, previous };
  }

  /**
   * Puts back the model a cancelled switch replaced (a candidate folder, or the shipped default's);
   * the model being switched to stays listed as a candidate, so adopting it again resumes.
   */
  reinstate(previous: string): void {
    const p = resolve(previous);
    const fromCandidates = resolve(join(p, '..')) === resolve(this.candidatesDir);
    if (!fromCandidates && p !== resolve(shippedModelDir()))
      throw new GlimpseError('invalid-input', `${p}: not a model this data folder holds`);
    this.setAsideCurrent('cancelled');
    if (fromCandidates) renameSync(p, this.currentDir);
  }

  /** Moves the current model (if any) to a new candidate folder; returns where it was, now is. */
  private setAsideCurrent(prefix: string): string {
    if (!existsSync(this.currentDir)) return resolve(defaultModelDir(this.dataDir));
    const to = this.newCandidateDir(prefix);
    renameSync(this.currentDir, to);
    return to;
  }

  /** Deletes a candidate; only candidates, never the current model or a user's folder. */
  discard(dir: string): boolean {
    const p = resolve(dir);
    if (resolve(join(p, '..')) !== resolve(this.candidatesDir) || basename(p).startsWith('.')) {
      throw new GlimpseError(
        'invalid-input',
        `${p}: only fine-tuned candidates (in ${this.candidatesDir}) can be discarded`,
      );
    }
    if (!existsSync(p)) return false;
    rmSync(p, { recursive: true, force: true });
    return true;
  }

  /** Copies the current model to a new folder, for another machine or a backup. */
  export(to: string): { to: string; model: string } {
    const dest = resolve(to);
    if (existsSync(dest) && readdirSync(dest).length > 0)
      throw new GlimpseError('invalid-input', `${dest}: the folder is not empty; pick a new one`);
    const dir = defaultModelDir(this.dataDir);
    const model = describeModel(dir).id;
    copyBundle(dir, dest);
    return { to: dest, model };
  }
}

function copyBundle(from: string, to: string): void {
  cpSync(from, to, {
    recursive: true,
    filter: (src) => !SKIP_ON_COPY.has(basename(src)) || resolve(src) === resolve(from),
  });
}

/** A model folder's kind, from its manifest alone. */
export function modelKind(dir: string): ModelKind {
  return isClipModel(dir) ? 'onnx-clip' : (readManifest(dir).card.origin ?? 'glimpse-vse');
}

/** What the Model screen shows of a model folder, whatever its kind. */
function describeModel(dir: string): {
  id: string;
  createdAt: string;
  kind: ModelKind;
  card: ModelCard;
  embedSize: number;
  backbone: string | null;
} {
  if (isClipModel(dir)) {
    const m = readClipManifest(dir);
    const f = readClipFolder(dir);
    return {
      id: m.id,
      createdAt: m.createdAt,
      kind: 'onnx-clip',
      card: m.card,
      embedSize: f.embedDim,
      backbone: `CLIP image encoder (ONNX) @${f.preprocess.inputSize}px`,
    };
  }
  const m = readManifest(dir);
  return {
    id: m.id,
    createdAt: m.createdAt,
    kind: m.card.origin ?? 'glimpse-vse',
    card: m.card,
    embedSize: jointDim(m.config),
    backbone: m.backbone ? `${m.backbone.id} @${m.backbone.inputSize}px` : null,
  };
}
