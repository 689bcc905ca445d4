/**
 * Captions by retrieval (the paper's i2t): each photo gets the nearest captions from a caption
 * bank — the model's own natural-language captions (caption-text.ts), plus the user's words
 * (their photos' titles and descriptions, album labels) — and captions built from the objects the
 * detector found in it (grounded-captions.ts), all scored by the same model. A bank caption that
 * names an object the detector found in the photo ranks above those that don't, as a tag match
 * does in search (tag-evidence.ts). The bank's
 * embeddings are computed once per (model, bank) and kept; captions are stored at index time and
 * refreshed when the model or the bank changes.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../base/files.js';
import { basename, dirname, join } from 'node:path';
import type { LibraryStore } from '../store/store.js';
import type { Embedder } from '../runtime/embedder.js';
import { Albums } from '../albums/albums.js';
import { naturalCaptions } from '../language/caption-text.js';
import { CAPTION_TAG_FLOOR, groundedCaptions } from './grounded-captions.js';
import { wordnetVersion } from '../language/wordnet.js';
import { COCO_CLASSES } from '../tags/coco.js';
import { readableText } from '../language/query-words.js';
import { namedTags, tagVote, type NamedTag } from '../tags/tag-evidence.js';
import type { DetectedTag } from '../tags/detect.js';
import type { ModelKind } from '../../shared/contract.js';
import { CAPTION_FLOOR, floorsDue, floorsOf, measureFloors, type MatchFloors } from './floors.js';

export { CAPTION_FLOOR };

export interface CaptionHit {
  text: string;
  score: number;
  /** 'tags': built from the detected objects; 'bank': retrieved from the caption bank. */
  source: 'tags' | 'bank';
  /** A bank caption's words that name objects detected in the photo, as shown ("dog, person ×2"). */
  tag?: string;
}

/** The caption stage's progress: embedding the bank (a new model's takes minutes), then captioning. */
export interface CaptionProgress {
  phase: 'preparing captions' | 'captioning';
  done: number;
  total: number;
  /** Seconds; null while unknown. */
  eta: number | null;
}

/** Bank texts embedded (and cached) at a time: a kill loses at most one part's work. */
const BANK_PART = 1024;

/** What one photo brings to its captions: the objects detected in it, and captions built from them. */
export interface PhotoEvidence {
  tags?: readonly DetectedTag[];
  grounded?: string[];
}

/** A caption while it is ranked: how much the photo's tags answer it (tagVote), beside its score. */
type Ranked = CaptionHit & { weight: number };

/**
 * The captions' order: confident ones first, by score. Below the floor, a caption naming more of
 * the photo's detected objects comes first, then by score: on real photos the detector names the
 * subject far more often than the model's own score ranks its caption first (docs/MODEL.md).
 */
const precedes =
  (floor: number) =>
  (a: Ranked, b: Ranked): number => {
    const ca = isConfident(a, floor);
    return Number(isConfident(b, floor)) - Number(ca) || (ca ? 0 : b.weight - a.weight) || b.score - a.score;
  };

/**
 * A caption built from the photo's own detections, or a bank caption scored above the model's
 * floor (floors.ts). The shipped model's, CAPTION_FLOOR, was chosen on the real-photo dev set
 * (`npm run eval:photos -- --set=dev,cc0 --floors`, docs/MODEL.md): no lower floor made most
 * shown bank captions right, so a wrong caption is not shown rather than shown.
 */
export const isConfident = (c: CaptionHit, floor = CAPTION_FLOOR): boolean => c.source === 'tags' || c.score >= floor;

/**
 * Bump when the code that chooses a photo's captions changes (bank filtering, grounded captions,
 * tag ranking): stored captions and the cached bank of an older recipe are then rebuilt.
 */
const CAPTION_RECIPE_VERSION = 8;

let recipe: string | null = null;
/**
 * The caption recipe's cache key: its version and a hash of the data it reads (WordNet, COCO's
 * classes, the floors), so new data refreshes captions without a version bump.
 */
export function captionRecipe(): string {
  recipe ??= `v${CAPTION_RECIPE_VERSION}-${createHash('sha1')
    .update(JSON.stringify([wordnetVersion(), COCO_CLASSES, CAPTION_FLOOR, CAPTION_TAG_FLOOR]))
    .digest('hex')
    .slice(0, 8)}`;
  return recipe;
}

/** The model's bank as natural captions, filtered once per bank. */
const naturalBanks = new WeakMap<string[], string[]>();
function naturalBank(bank: string[]): string[] {
  let out = naturalBanks.get(bank);
  if (!out) naturalBanks.set(bank, (out = naturalCaptions(bank)));
  return out;
}

export class CaptionBank {
  private embedded: Embedded | null = null;
  /** The texts of the banks this process has built, by id: what an edit changed is their difference. */
  private readonly banksSeen = new Map<string, Set<string>>();

  /** `cacheDir`: where the bank's text vectors are kept between runs (embedding them takes seconds). */
  constructor(
    private readonly store: LibraryStore,
    private readonly embedder: Embedder,
    private readonly override?: string[],
    private readonly cacheDir?: string,
    /** The model's kind, which sets how its floors are found (floors.ts). */
    readonly kind: ModelKind = 'glimpse-vse',
    /**
     * A cache other libraries share: the model's whole embedded bank is kept there too, so a
     * second library on this computer does not embed it again (a replacement bank is not).
     */
    private readonly sharedDir: string | null = null,
  ) {}

  /** The model's floors in force on this library. */
  floors(): MatchFloors {
    return floorsOf(this.store, this.embedder.id, this.kind);
  }

  /**
   * The bank's id: its texts, the model and a measured floor, so stored captions of another bank
   * (or ranked against another floor) are refreshed.
   */
  private bankId(texts: string[]): string {
    const f = this.floors();
    return createHash('sha1')
      .update(this.embedder.id)
      .update('\n')
      .update(captionRecipe())
      .update(f.basis === 'measured' ? `\n${f.caption}` : '')
      .update('\n')
      .update(texts.join('\n'))
      .digest('hex')
      .slice(0, 16);
  }

  /**
   * Where the bank's vectors are cached: the model's bank by model (edits reuse most of it), a
   * replacement bank by its content too.
   */
  private cacheFile(): string | null {
    if (!this.cacheDir) return null;
    const h = createHash('sha1').update(this.embedder.id).update(captionRecipe());
    if (this.override) h.update('\n').update(this.texts().join('\n'));
    const key = h.digest('hex').slice(0, 16);
    return join(this.cacheDir, `caption-bank-${this.override ? 'replacement-' : ''}${key}`);
  }

  /** The model's bank in the shared cache, under the same name as in this library's. */
  private sharedFile(): string | null {
    const f = this.cacheFile();
    return f && this.sharedDir && !this.override ? join(this.sharedDir, basename(f)) : null;
  }

  /**
   * Text vectors embedded by an earlier run with this model, if cached: the whole bank's, and the
   * parts an interrupted run had finished (any unreadable file: skipped).
   */
  private readCache(): { texts: string[]; vectors: Float32Array } | null {
    const f = this.cacheFile();
    if (!f) return null;
    const dim = this.embedder.dim;
    const shared = this.sharedFile();
    const whole = readVectors(f, dim) ?? (shared ? readVectors(shared, dim) : null);
    const found = [whole, ...this.cacheParts(f).map((p) => readVectors(p, dim))].filter((c) => c !== null);
    if (found.length === 0) return null;
    const texts = found.flatMap((c) => c.texts);
    const vectors = new Float32Array(texts.length * dim);
    let at = 0;
    for (const c of found) {
      vectors.set(c.vectors, at);
      at += c.vectors.length;
    }
    return { texts, vectors };
  }

  /** The parts of the bank an interrupted run embedded, beside the cache file `f`. */
  private cacheParts(f: string): string[] {
    const prefix = `${basename(f)}.part-`;
    try {
      return readdirSync(this.cacheDir!)
        .filter((n) => n.startsWith(prefix) && n.endsWith('.json'))
        .map((n) => join(this.cacheDir!, n.slice(0, -'.json'.length)));
    } catch {
      return [];
    }
  }

  /** `name` (the cache file, one of its parts, or the shared file) holds these texts' vectors. */
  private writeCache(texts: string[], vectors: Float32Array, name = this.cacheFile()): void {
    if (!name) return;
    try {
      mkdirSync(dirname(name), { recursive: true });
      // Vectors first: a kill between the two leaves no .json, so nothing half-written is read.
      writeFileAtomic(`${name}.f32`, vectors);
      writeFileAtomic(`${name}.json`, JSON.stringify(texts));
    } catch {
      // Only a speed-up: a data dir that can't hold it embeds the bank again next time.
    }
  }

  /** The whole bank is cached: an interrupted run's parts are in it now. */
  private dropCacheParts(): void {
    const f = this.cacheFile();
    if (!f) return;
    for (const p of this.cacheParts(f)) for (const ext of ['.json', '.f32']) rmSync(`${p}${ext}`, { force: true });
  }

  /** The bank's texts: the override if given, else the model's bank plus the user's own words. */
  texts(): string[] {
    if (this.override) return dedupe(this.override);
    return dedupe([
      ...naturalBank(this.embedder.captionBank),
      ...this.store.search.ownTexts(),
      ...new Albums(this.store).userTexts(),
    ]);
  }

  /** The embedded bank, built (or brought up to date) if need be. */
  async ensure(): Promise<Embedded> {
    return (await this.build())!;
  }

  /**
   * ensure(), reporting its progress, and stopped (null) by `signal`. Embedding a new model's
   * bank takes minutes (docs/BENCH.md): each finished part of it is cached at once, so a run
   * killed or cancelled here resumes where it stopped.
   */
  private async build(onProgress?: (p: CaptionProgress) => void, signal?: AbortSignal): Promise<Embedded | null> {
    const texts = this.texts();
    if (texts.length === 0) throw new Error('the caption bank is empty');
    const id = this.bankId(texts);
    if (this.embedded?.id === id) return this.embedded;
    // A user's edit adds or drops a few texts of a bank of thousands: embed only the new ones
    // (new against this run's bank, or the cached one of an earlier run).
    const dim = this.embedder.dim;
    const cached = this.embedded ? null : this.readCache();
    const known = this.embedded
      ? { texts: this.embedded.texts, vectors: this.embedded.data }
      : (cached ?? { texts: [], vectors: new Float32Array(0) });
    const previous = new Map(known.texts.map((t, i) => [t, i]));
    const old = known.vectors;
    const fresh = texts.filter((t) => !previous.has(t));
    const made = new Float32Array(fresh.length * dim);
    const started = performance.now();
    const cacheFile = this.cacheFile();
    for (let s = 0; s < fresh.length; s += BANK_PART) {
      if (signal?.aborted) return null;
      const part = fresh.slice(s, s + BANK_PART);
      const v = await this.embed(part);
      made.set(v, s * dim);
      // Only worth keeping apart when more than one part is needed (a new model's whole bank).
      if (cacheFile && fresh.length > BANK_PART) this.writeCache(part, v, `${cacheFile}.part-${randomUUID()}`);
      const done = s + part.length;
      const rate = done / Math.max((performance.now() - started) / 1000, 1e-3);
      onProgress?.({ phase: 'preparing captions', done, total: fresh.length, eta: (fresh.length - done) / rate });
    }
    const freshAt = new Map(fresh.map((t, i) => [t, i]));
    const v = new Float32Array(texts.length * dim);
    texts.forEach((t, i) => {
      const j = previous.get(t);
      v.set(
        j !== undefined
          ? old.subarray(j * dim, (j + 1) * dim)
          : made.subarray(freshAt.get(t)! * dim, (freshAt.get(t)! + 1) * dim),
        i * dim,
      );
    });
    if (fresh.length) {
      this.writeCache(texts, v);
      this.dropCacheParts();
      // Only the model's own captions, and only when some were embedded here: the user's words
      // stay in their library's folder.
      const shared = this.sharedFile();
      const model = new Set(naturalBank(this.embedder.captionBank));
      if (shared && fresh.some((t) => model.has(t))) {
        const keep = texts.flatMap((t, i) => (model.has(t) ? [i] : []));
        const kv = new Float32Array(keep.length * dim);
        keep.forEach((i, k) => kv.set(v.subarray(i * dim, (i + 1) * dim), k * dim));
        this.writeCache(
          keep.map((i) => texts[i]!),
          kv,
          shared,
        );
      }
    }
    this.embedded?.vectors.dispose();
    this.embedded = { id, texts, data: v, vectors: tf.tensor2d(v, [texts.length, dim]), named: null };
    return this.embedded;
  }

  /** Texts as the encoder reads them: words it lacks mapped to their WordNet relatives. */
  private embed(texts: string[]): Promise<Float32Array> {
    const knows = this.embedder.knows?.bind(this.embedder);
    return this.embedder.embedTexts(texts.map((t) => readableText(t, knows)));
  }

  private groundedVectors = new Map<string, Float32Array>();

  /** The model's score of each grounded caption for one image vector (both L2-normalised). */
  private async scoreGrounded(vector: Float32Array, texts: string[]): Promise<Ranked[]> {
    const fresh = [...new Set(texts.filter((t) => !this.groundedVectors.has(t)))];
    if (fresh.length) {
      const made = await this.embed(fresh);
      const dim = this.embedder.dim;
      fresh.forEach((t, i) => this.groundedVectors.set(t, made.slice(i * dim, (i + 1) * dim)));
    }
    return texts.map((text) => ({
      text,
      score: dot(this.groundedVectors.get(text)!, vector),
      source: 'tags',
      weight: 0,
    }));
  }

  /** The classes each bank text names, and the texts that name each class: once per bank. */
  private bankTags(bank: Embedded): NonNullable<Embedded['named']> {
    if (bank.named) return bank.named;
    const each = bank.texts.map((t) => namedTags(t));
    const byLabel = new Map<string, number[]>();
    each.forEach((m, i) => {
      for (const label of m.keys()) {
        const texts = byLabel.get(label);
        if (texts) texts.push(i);
        else byLabel.set(label, [i]);
      }
    });
    return (bank.named = { each, byLabel });
  }

  /**
   * Top-k captions for each of n image vectors (n × dim), in `precedes`' order. `photos[i]`:
   * image i's detected objects (which rank the bank captions naming them up) and the captions
   * built from them.
   */
  async captionVectors(vectors: Float32Array, n: number, k: number, photos?: PhotoEvidence[]): Promise<CaptionHit[][]> {
    const bank = await this.ensure();
    const kk = Math.min(k, bank.texts.length);
    const { values, indices } = tf.tidy(() =>
      tf.topk(tf.matMul(tf.tensor2d(vectors, [n, this.embedder.dim]), bank.vectors, false, true), kk),
    );
    const vals = await values.data();
    const idx = await indices.data();
    tf.dispose([values, indices]);
    const dim = this.embedder.dim;
    const out: CaptionHit[][] = [];
    for (let i = 0; i < n; i++) {
      const vector = vectors.subarray(i * dim, (i + 1) * dim);
      const tags = photos?.[i]?.tags ?? [];
      const named = tags.length ? this.bankTags(bank) : null;
      const fromBank = new Map<number, Ranked>();
      const add = (j: number, score: number) =>
        fromBank.set(j, ranked(bank.texts[j]!, score, named?.each[j] ?? new Map(), tags));
      for (let r = 0; r < kk; r++) add(idx[i * kk + r]!, vals[i * kk + r]!);
      // Bank texts naming a detected object may rank below the model's top k, and still come first.
      for (const t of named ? tags : [])
        for (const j of named!.byLabel.get(t.label) ?? [])
          if (!fromBank.has(j)) add(j, dot(bank.data.subarray(j * dim, (j + 1) * dim), vector));
      const grounded = photos?.[i]?.grounded ?? [];
      const own = grounded.length ? await this.scoreGrounded(vector, grounded) : [];
      const all = [...own, ...[...fromBank.values()].filter((b) => !own.some((o) => o.text === b.text))];
      out.push(all.sort(precedes(this.floors().caption)).slice(0, k).map(unranked));
    }
    return out;
  }

  /** An indexed photo's detected objects (from the current model), and the captions built from them. */
  evidence(photoId: number): PhotoEvidence {
    const tags = this.store.tags(photoId, this.embedder.id);
    return { tags, grounded: groundedCaptions(tags) };
  }

  /** Stores the top-k captions for every photo whose stored captions are missing or stale. */
  async refresh(k = 5, onProgress?: (p: CaptionProgress) => void, signal?: AbortSignal): Promise<number> {
    const { store, embedder, kind } = this;
    // The library grew enough to measure the model's floors (again): that needs the bank.
    if (floorsDue(this.floors(), kind, store.embeddedCount(embedder.id))) {
      const bank = await this.build(onProgress, signal);
      if (!bank) return 0;
      measureFloors(store, embedder.id, kind, bank.data, embedder.dim);
    }
    // Nothing to caption (a re-index of an unchanged library): don't embed the bank at all.
    const all = store.search.uncaptioned(embedder.id, this.bankId(this.texts()));
    if (all.length === 0) return 0;
    const bank = await this.build(onProgress, signal);
    if (!bank) return 0;
    // The floors the stored captions are ranked and judged by, kept for reads without the model.
    measureFloors(store, embedder.id, kind, bank.data, embedder.dim);
    const stale = await this.changedBy(all, bank, k);
    const dim = this.embedder.dim;
    for (let s = 0; s < stale.length; s += 256) {
      if (signal?.aborted) break;
      const chunk = stale.slice(s, s + 256);
      const vecs = new Float32Array(chunk.length * dim);
      chunk.forEach((r, i) => vecs.set(r.vector, i * dim));
      const caps = await this.captionVectors(
        vecs,
        chunk.length,
        k,
        chunk.map((r) => this.evidence(r.id)),
      );
      this.store.search.replaceCaptions(
        chunk.map((r, i) => ({ photoId: r.id, captions: caps[i]! })),
        this.embedder.id,
        bank.id,
      );
      onProgress?.({ phase: 'captioning', done: Math.min(stale.length, s + 256), total: stale.length, eta: null });
    }
    return stale.length;
  }

  /**
   * Of the photos captioned from an earlier bank, those whose captions a bank edit changes: a
   * removed text was among their captions, or an added one outscores their weakest bank caption.
   * The rest keep their captions, relabelled to the new bank. Photos from a bank this process
   * didn't build (or never captioned) are all re-captioned.
   */
  private async changedBy(
    photos: { id: number; vector: Float32Array }[],
    bank: Embedded,
    k: number,
  ): Promise<{ id: number; vector: Float32Array }[]> {
    const now = new Set(bank.texts);
    this.banksSeen.set(bank.id, now);
    const from = this.store.search.captionBankOf(photos.map((p) => p.id));
    const stored = this.store.search.captionsFor(
      photos.filter((p) => this.banksSeen.has(from.get(p.id) ?? '')).map((p) => p.id),
      k,
    );
    const added = new Map<string, string[]>();
    for (const old of new Set(from.values())) {
      const before = this.banksSeen.get(old);
      if (before)
        added.set(
          old,
          bank.texts.filter((t) => !before.has(t)),
        );
    }
    const dim = this.embedder.dim;
    // The bank (ensure) has just embedded the added texts: take their rows, don't embed them again.
    const at = new Map(bank.texts.map((t, i) => [t, i]));
    const row = (t: string) => bank.data.subarray(at.get(t)! * dim, (at.get(t)! + 1) * dim);
    const changed: { id: number; vector: Float32Array }[] = [];
    const kept: number[] = [];
    for (const p of photos) {
      const old = from.get(p.id);
      const before = old ? this.banksSeen.get(old) : undefined;
      const caps = stored.get(p.id)?.auto;
      if (!before || !caps || caps.length < k || caps.some((c) => c.source === 'bank' && !now.has(c.text))) {
        changed.push(p);
        continue;
      }
      // The stored captions are the top k in captionVectors' order (`precedes`): an added text
      // changes them only by coming before the last of them.
      const tags = this.store.tags(p.id, this.embedder.id);
      const last = reranked(caps[caps.length - 1]!, tags);
      const outscored = added.get(old!)!.some((t) => {
        const score = dot(row(t), p.vector);
        return precedes(this.floors().caption)(ranked(t, score, namedTags(t), tags), last) < 0;
      });
      if (outscored) changed.push(p);
      else kept.push(p.id);
    }
    if (kept.length) this.store.search.relabelCaptions(kept, bank.id);
    return changed;
  }

  /** A photo's stored captions, with the detected objects each bank caption names. */
  stored(photoId: number): CaptionHit[] {
    const rows = this.store.search.storedCaptions(photoId).map(({ modelId: _m, ...c }) => c);
    return markTags(rows, this.store.tags(photoId, this.embedder.id));
  }

  dispose(): void {
    this.embedded?.vectors.dispose();
    this.embedded = null;
  }
}

/** A bank caption as ranked for a photo with these tags. */
function ranked(text: string, score: number, named: Map<string, NamedTag>, tags: readonly DetectedTag[]): Ranked {
  const { weight, shown } = tagVote(named, tags);
  return { text, score, source: 'bank', weight, ...(shown.length ? { tag: shown.join(', ') } : {}) };
}

/** A stored caption as ranked for a photo with these tags (a caption built from them: weight 0). */
function reranked(c: CaptionHit, tags: readonly DetectedTag[]): Ranked {
  return c.source === 'bank' ? ranked(c.text, c.score, namedTags(c.text), tags) : { ...c, weight: 0 };
}

const unranked = ({ weight: _, ...c }: Ranked): CaptionHit => c;

/** Stored captions with the photo's detected objects each bank caption names (`tag`). */
export function markTags(captions: CaptionHit[], tags: readonly DetectedTag[]): CaptionHit[] {
  return tags.length ? captions.map((c) => unranked(reranked(c, tags))) : captions;
}

/** A bank's texts embedded by the current model: as a tensor for the top-k, and as floats. */
interface Embedded {
  id: string;
  texts: string[];
  data: Float32Array;
  vectors: tf.Tensor2D;
  /** Each text's named classes, and the texts naming each class (bankTags); built when first needed. */
  named: { each: Map<string, NamedTag>[]; byLabel: Map<string, number[]> } | null;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
}

function dedupe(texts: string[]): string[] {
  return [...new Set(texts.map((t) => t.trim()).filter(Boolean))];
}

/** Texts and their vectors as writeCache keeps them, or null if missing, unreadable or inconsistent. */
function readVectors(name: string, dim: number): { texts: string[]; vectors: Float32Array } | null {
  try {
    const texts = JSON.parse(readFileSync(`${name}.json`, 'utf8')) as unknown;
    const buf = readFileSync(`${name}.f32`);
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string') || buf.byteLength % 4) return null;
    const vectors = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    return vectors.length === texts.length * dim ? { texts, vectors } : null;
  } catch {
    return null;
  }
}
