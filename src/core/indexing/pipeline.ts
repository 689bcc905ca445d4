/**
 * Indexing as one pipeline, stage by stage: scan → decode → embed and tag (the Indexer, whose
 * decoders and embedder overlap) → captions → text → faces. The lock that keeps one indexer per data dir,
 * the order of runs within this process, progress phases and cancel live here; every stage keeps
 * its own progress in the store, so a cancel or a kill -9 loses at most the item in hand and the
 * next run goes on from there.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../base/files.js';
import { thumbPath } from './decode.js';
import { homedir } from 'node:os';
import { GlimpseError } from '../base/errors.js';
import type { LibraryStore } from '../store/store.js';
import type { Embedder } from '../runtime/embedder.js';
import type { IndexStages } from '../../shared/contract.js';
import type { CaptionBank, CaptionProgress } from '../captions/captions.js';
import type { FaceReader, FoundFace } from '../faces/reader.js';
import { PeopleNearby } from '../faces/group.js';
import { verdictOn } from '../faces/labels.js';
import { gazetteerVersion, type Gazetteer } from '../places/gazetteer.js';
import { splitJoinedWords } from '../language/joined-words.js';
import { readTextOf, type OcrReader } from '../ocr/reader.js';
import type { TextLine } from '../ocr/ocr.js';
import { Indexer, type IndexOptions, type IndexProgress, type IndexSummary } from './indexer.js';
import { withIndexLock } from './index-lock.js';

/** Captions stored per photo at index time. */
export const CAPTIONS_PER_PHOTO = 5;

export interface PipelineDeps {
  store: LibraryStore;
  embedder: Embedder;
  dataDir: string;
  /** The caption stage's bank (the app shares it with captioning on demand). */
  captions: CaptionBank;
  /** The OCR reader, loaded on first use; null where OCR is off (the setting, or no onnxruntime). */
  ocr?: () => Promise<OcrReader | null>;
  /** The face reader, where the user turned faces on (null: off). */
  faces?: () => Promise<FaceReader | null>;
  /** The gazetteer that places geotagged photos (loaded on first use); none: no places. */
  places?: () => Gazetteer;
  /** Told when photos, vectors or text changed, so that search drops what it cached. */
  onChange?: () => void;
}

export class IndexPipeline {
  readonly thumbDir: string;
  private readonly indexer: Indexer;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PipelineDeps) {
    this.thumbDir = join(deps.dataDir, 'thumbs');
    this.indexer = new Indexer(deps.store, deps.embedder, this.thumbDir);
  }

  /**
   * Indexes the given folders (adding them as roots), or every root. Runs one at a time in this
   * process (a watcher's run and a user's never interleave), and after any other process indexing
   * the same data dir.
   */
  run(folders: string[], opts: IndexOptions & { captions?: number } = {}): Promise<IndexSummary> {
    return this.serial(() => this.runNow(folders, opts));
  }

  /** Re-captions photos whose stored captions came from an older bank (after album or caption edits). */
  refreshCaptions(opts: { signal?: AbortSignal; onProgress?: (p: CaptionProgress) => void } = {}): Promise<number> {
    return this.serial(() => this.deps.captions.refresh(CAPTIONS_PER_PHOTO, opts.onProgress, opts.signal));
  }

  /** Runs `fn` after every earlier run in this process has ended (failed ones included). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runNow(folders: string[], opts: IndexOptions & { captions?: number }): Promise<IndexSummary> {
    const { store } = this.deps;
    const roots = folders.length ? folders.map((f) => canonicalFolder(f)) : store.roots().map((r) => r.path);
    if (roots.length === 0)
      throw new GlimpseError('invalid-input', 'no folders to index: name one (glimpse index <folder>)');
    // Another process indexing this data dir goes first; its photos are then skipped here.
    const asked = performance.now();
    return withIndexLock(
      this.deps.dataDir,
      async () => {
        const started = performance.now();
        const stages: IndexStages = { waiting: (started - asked) / 1000 };
        let mark = started;
        const lap = (stage: keyof IndexStages) => {
          const now = performance.now();
          stages[stage] = (now - mark) / 1000;
          mark = now;
        };
        let summary: IndexSummary;
        try {
          summary = await this.indexer.index(roots, opts);
        } finally {
          this.deps.onChange?.();
        }
        lap('photos');
        if (!summary.cancelled) {
          this.placePhotos(opts);
          lap('places');
          await this.deps.captions.refresh(
            opts.captions ?? CAPTIONS_PER_PHOTO,
            (p) => opts.onProgress?.({ ...p, rate: 0 }),
            opts.signal,
          );
          lap('captions');
          // Text, then faces, the slowest stage (docs/BENCH.md): searching by description works
          // while the words in photos are read, and by words while faces are found.
          await this.readText(opts);
          lap('text');
          await this.readFaces(opts);
          lap('faces');
        }
        // The whole run, the wait for another indexer included: what the caller waited for.
        summary.seconds = (performance.now() - asked) / 1000;
        summary.stages = stages;
        return summary;
      },
      {
        signal: opts.signal,
        onWait: (h) =>
          opts.onProgress?.({
            phase: 'waiting',
            message: `another Glimpse (pid ${h.pid}) is indexing this library; its photos will be skipped here`,
            done: 0,
            total: 0,
            rate: 0,
            eta: null,
          }),
      },
    );
  }

  /**
   * The places stage: each geotagged content without a place from this gazetteer gets the town
   * and country it was taken in (none, far from any town). Tens of thousands a second, so in one
   * transaction.
   */
  placePhotos(opts: IndexOptions = {}): number {
    const { store } = this.deps;
    if (!this.deps.places) return 0;
    const pending = store.places.unplaced(gazetteerVersion());
    // Nothing to place: the gazetteer is not even loaded.
    if (pending.length === 0) return 0;
    const g = this.deps.places();
    opts.onProgress?.({ phase: 'placing photos', done: 0, total: pending.length, rate: 0, eta: null });
    store.places.save(g.version, g.placeAll(pending));
    opts.onProgress?.({ phase: 'placing photos', done: pending.length, total: pending.length, rate: 0, eta: 0 });
    this.deps.onChange?.();
    return pending.length;
  }

  /**
   * The faces stage (where the user turned faces on): each content not yet read by the face
   * models is read once, in its own transaction. A face the user already placed (a verdict on its
   * content and box) goes back to that person; any other clear face joins the person whose faces
   * it is nearest on average, never one the user said it is not, else starts a new person. A new
   * photo never regroups the library, and a kill loses at most one photo's work.
   */
  async readFaces(opts: IndexOptions = {}): Promise<number> {
    const reader = await this.deps.faces?.();
    if (!reader) return 0;
    const { store } = this.deps;
    const pending = store.faces.unread(reader.id, Number.MAX_SAFE_INTEGER);
    if (pending.length === 0) return 0;
    const nearby = new PeopleNearby();
    for (const f of store.faces.groupedFaces(reader.id)) nearby.add(f.personId, f.descriptor);
    let at = 0;
    return eachPhoto(pending, 'finding faces', opts, async (p) => {
      let faces: FoundFace[] = [];
      const next = pending[++at]?.path;
      try {
        faces = await reader.read(p.path, next);
      } catch {
        // Gone or unreadable since it was indexed: no faces, rather than retrying it every run.
      }
      const labels = store.faces.labelsFor(p.hash);
      const placed = faces.map((f) => {
        const thumb = createHash('sha1')
          .update(`${p.hash}:${JSON.stringify(f.box)}`)
          .digest('hex');
        const dest = thumbPath(this.thumbDir, thumb);
        mkdirSync(dirname(dest), { recursive: true });
        writeFileAtomic(dest, f.crop);
        const said = verdictOn(f.box, labels);
        let personId = said.is !== null && store.faces.person(said.is) ? said.is : null;
        if (personId === null && f.groupable) {
          const near = nearby.nearest(f.descriptor, said.not);
          // A person regrouped away since this stage began (a re-group runs beside it) is not joined.
          personId = near !== null && store.faces.person(near) ? near : store.faces.newPerson();
        }
        if (personId !== null && f.groupable) nearby.add(personId, f.descriptor);
        return { ...f, personId, thumb };
      });
      store.faces.save(p.hash, reader.id, placed);
    });
  }

  /**
   * The text stage: every content without text from the current OCR model is read once (photos
   * with no text store that too), each saved in its own transaction.
   */
  async readText(opts: IndexOptions = {}): Promise<number> {
    const reader = await this.deps.ocr?.();
    if (!reader) return 0;
    const { store } = this.deps;
    const pending = store.text.unread(reader.id, Number.MAX_SAFE_INTEGER);
    const done = await eachPhoto(pending, 'reading text', opts, async (p) => {
      let lines: TextLine[] = [];
      try {
        lines = await readTextOf(reader, p.path);
      } catch {
        // Gone or unreadable since it was indexed: no text, rather than retrying it every run.
      }
      const raw = lines.map((l) => l.text);
      const split = raw.map((t) => splitJoinedWords(t)).filter((t, i) => t !== raw[i]);
      store.text.save(
        p.hash,
        reader.id,
        lines.map((l) => ({ text: l.text, confidence: l.confidence, box: l.box })),
        [...raw, ...split].join('\n'),
      );
    });
    if (done) this.deps.onChange?.();
    return done;
  }
}

/**
 * Runs `work` on each pending photo in turn until cancelled, reporting `phase` with a rate and an
 * ETA; returns how many were done (each photo's work saves itself, so a kill loses at most one).
 */
async function eachPhoto<T>(
  pending: T[],
  phase: IndexProgress['phase'],
  opts: IndexOptions,
  work: (p: T) => Promise<void>,
): Promise<number> {
  const started = Date.now();
  let done = 0;
  for (const p of pending) {
    if (opts.signal?.aborted) break;
    await work(p);
    done++;
    const rate = done / Math.max((Date.now() - started) / 1000, 1e-3);
    opts.onProgress?.({ phase, done, total: pending.length, rate, eta: (pending.length - done) / rate });
  }
  return done;
}

/** A folder the user named, as the library keeps it: absolute, `~` expanded, symlinks resolved. */
function canonicalFolder(f: string): string {
  const abs = resolve(/^~([/\\]|$)/.test(f) ? join(homedir(), f.slice(1)) : f);
  if (!existsSync(abs)) throw new GlimpseError('not-found', `${abs}: no such folder`);
  if (!statSync(abs).isDirectory()) throw new GlimpseError('invalid-input', `${abs}: not a folder`);
  return realpathSync(abs);
}
