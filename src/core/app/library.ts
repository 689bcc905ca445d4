/**
 * The library a user works with: roots, indexing, search, similar photos and captions, over one
 * data dir. The store and the model are injected (tests pass a tiny model and a temp dir).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
import type { LibraryStore, PhotoRow } from '../library/store.js';
import type { Embedder } from '../engine/runtime/embedder.js';
import { Indexer, type IndexOptions, type IndexSummary } from '../library/indexer.js';
import { Searcher, type SearchOptions, type SearchHit } from '../search/search.js';
import { CaptionBank, type CaptionHit, type PhotoEvidence } from '../search/captions.js';
import { groundedCaptions } from '../search/grounded-captions.js';
import { decodePhoto } from '../library/decode.js';
import { photoRow } from '../library/catalog.js';
import { Albums } from '../library/albums.js';
import { GlimpseError } from '../engine/errors.js';
import { withIndexLock } from '../library/index-lock.js';
import { readRgb, type RgbImage, type TextLine } from '../engine/ocr/ocr.js';
import { splitJoinedWords } from '../engine/ocr/joined-words.js';
import type { ScoredPhoto } from '../library/search-store.js';

export interface LibraryDeps {
  store: LibraryStore;
  embedder: Embedder;
  dataDir: string;
  /** The OCR reader, loaded on first use; null where OCR is off (the setting, or no onnxruntime). */
  ocr?: () => Promise<OcrReader | null>;
}

/** What the indexer needs of OCR (OcrEngine, or a stub in tests). */
export interface OcrReader {
  readonly id: string;
  read(img: RgbImage): Promise<TextLine[]>;
  /** Reads a file, decoding it as cheaply as it can (OcrEngine); else the file is decoded for read(). */
  readFile?(path: string): Promise<TextLine[]>;
}

/** A file's text lines, through the reader's own file path where it has one. */
export function readTextOf(reader: OcrReader, path: string): Promise<TextLine[]> {
  return reader.readFile ? reader.readFile(path) : readRgb(path).then((img) => reader.read(img));
}

export class Library {
  readonly indexer: Indexer;
  readonly searcher: Searcher;
  readonly bank: CaptionBank;
  readonly albums: Albums;
  readonly thumbDir: string;

  constructor(readonly deps: LibraryDeps) {
    this.thumbDir = join(deps.dataDir, 'thumbs');
    this.indexer = new Indexer(deps.store, deps.embedder, this.thumbDir);
    this.searcher = new Searcher(deps.store, deps.embedder);
    this.bank = new CaptionBank(deps.store, deps.embedder, undefined, join(deps.dataDir, 'cache'));
    this.albums = new Albums(deps.store);
  }

  get store(): LibraryStore {
    return this.deps.store;
  }

  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Indexes the given folders (adding them as roots), or every root; then refreshes captions.
   * Runs one at a time: a watcher's run and a user's run never interleave.
   */
  index(folders: string[], opts: IndexOptions & { captions?: number } = {}): Promise<IndexSummary> {
    return this.serial(() => this.indexNow(folders, opts));
  }

  /** Runs `fn` after every earlier index or caption run has ended (failed ones included). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async indexNow(folders: string[], opts: IndexOptions & { captions?: number }): Promise<IndexSummary> {
    const roots = folders.length ? folders.map((f) => canonicalFolder(f)) : this.store.roots().map((r) => r.path);
    if (roots.length === 0)
      throw new GlimpseError('invalid-input', 'no folders to index: name one (glimpse index <folder>)');
    // Another process indexing this data dir goes first; its photos are then skipped here.
    return withIndexLock(
      this.deps.dataDir,
      async () => {
        let summary: IndexSummary;
        try {
          summary = await this.indexer.index(roots, opts);
        } finally {
          this.searcher.invalidate();
        }
        if (!summary.cancelled) {
          await this.bank.refresh(
            opts.captions ?? 5,
            (done, total) => opts.onProgress?.({ phase: 'captioning', done, total, rate: 0, eta: null }),
            opts.signal,
          );
          // Text last: searching by description works while the words in photos are still read.
          await this.readText(opts);
        }
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
   * OCR as its own stage: every content without text from the current OCR model is read once
   * (photos with no text store that too), each saved in its own transaction, so a cancel or a kill
   * loses at most the photo being read and a re-run goes on from there.
   */
  async readText(opts: IndexOptions = {}): Promise<number> {
    const reader = await this.deps.ocr?.();
    if (!reader) return 0;
    const pending = this.store.text.unread(reader.id, Number.MAX_SAFE_INTEGER);
    const started = Date.now();
    let done = 0;
    for (const p of pending) {
      if (opts.signal?.aborted) break;
      let lines: TextLine[] = [];
      try {
        lines = await readTextOf(reader, p.path);
      } catch {
        // Gone or unreadable since it was indexed: no text, rather than retrying it every run.
      }
      const raw = lines.map((l) => l.text);
      const split = raw.map((t) => splitJoinedWords(t)).filter((t, i) => t !== raw[i]);
      this.store.text.save(
        p.hash,
        reader.id,
        lines.map((l) => ({ text: l.text, confidence: l.confidence, box: l.box })),
        [...raw, ...split].join('\n'),
      );
      done++;
      const rate = done / Math.max((Date.now() - started) / 1000, 1e-3);
      opts.onProgress?.({
        phase: 'reading text',
        done,
        total: pending.length,
        rate,
        eta: (pending.length - done) / rate,
      });
    }
    if (done) this.searcher.invalidate();
    return done;
  }

  /** Re-captions photos whose stored captions came from an older bank (after album or caption edits). */
  refreshCaptions(
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<number> {
    return this.serial(() => this.bank.refresh(5, opts.onProgress, opts.signal));
  }

  removeRoot(folder: string): boolean {
    const removed = this.store.removeRoot(resolve(folder));
    this.searcher.invalidate();
    return removed;
  }

  roots(): string[] {
    return this.store.roots().map((r) => r.path);
  }

  search(query: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    return this.searchExplained(query, opts).then((r) => r.hits);
  }

  /** The hits, and how the query's words were read (mapped through WordNet, or unknown). */
  searchExplained(query: string, opts: SearchOptions = {}): ReturnType<Searcher['searchExplained']> {
    if (!query.trim()) throw new GlimpseError('invalid-input', 'the search text is empty');
    return this.searcher.searchExplained(query, opts);
  }

  photoRow(path: string): PhotoRow {
    return photoRow(this.store, path);
  }

  similar(path: string, opts: SearchOptions = {}): ScoredPhoto[] {
    return this.searcher.similar(this.photoRow(path).id, opts);
  }

  /**
   * Captions for a photo: the stored ones for an indexed photo, or computed on the spot for any
   * image file (and always computed when a replacement bank is given, or `tagRanked` is false:
   * bank captions by the model's score alone).
   */
  async caption(path: string, k = 5, bankOverride?: string[], tagRanked = true): Promise<CaptionHit[]> {
    const abs = resolve(path);
    const row = this.store.photoByPath(abs);
    if (row && !bankOverride && tagRanked) {
      const stored = this.bank.stored(row.id);
      if (stored.length >= k) return stored.slice(0, k);
    }
    const bank = bankOverride ? new CaptionBank(this.store, this.deps.embedder, bankOverride) : this.bank;
    try {
      let vector = row ? this.store.vector(row.id, this.deps.embedder.id) : undefined;
      let evidence: PhotoEvidence = vector && row ? this.bank.evidence(row.id) : {};
      if (!vector) {
        if (!existsSync(abs)) throw new GlimpseError('not-found', `${abs}: no such file`);
        const d = await decodePhoto(abs, this.deps.embedder.preprocess, this.thumbDir).catch(
          (e: Error & { reason?: string }) => {
            throw new GlimpseError('bad-data', `${abs}: ${e.reason ?? 'unreadable'}: ${e.message}`);
          },
        );
        // A file outside the library gets its objects detected too, where the model has a detector.
        const embedder = this.deps.embedder;
        if (embedder.embedAndTag) {
          const { vectors, tags } = await embedder.embedAndTag(d.pixels, 1);
          vector = vectors;
          evidence = { tags: tags[0]!, grounded: groundedCaptions(tags[0]!) };
        } else vector = await embedder.embedImages(d.pixels, 1);
      }
      // A replacement bank is all the captions asked for; the photo's objects still rank it,
      // unless asked not to.
      const photo = { tags: tagRanked ? evidence.tags : [], grounded: bankOverride ? [] : evidence.grounded };
      return (await bank.captionVectors(vector, 1, k, [photo]))[0]!;
    } finally {
      if (bank !== this.bank) bank.dispose();
    }
  }

  status(): {
    roots: string[];
    model: string;
    counts: ReturnType<LibraryStore['counts']>;
    failures: { path: string; reason: string; detail: string | null; severity: string }[];
  } {
    return {
      roots: this.store.roots().map((r) => r.path),
      model: this.deps.embedder.id,
      counts: this.store.counts(this.deps.embedder.id),
      failures: this.store.failures(200),
    };
  }

  /** Releases the caption bank's tensors; the store stays open for its owner. */
  dispose(): void {
    this.bank.dispose();
  }

  close(): void {
    this.dispose();
    this.store.close();
  }
}

function canonicalFolder(f: string): string {
  const abs = resolve(/^~([/\\]|$)/.test(f) ? join(homedir(), f.slice(1)) : f);
  if (!existsSync(abs)) throw new GlimpseError('not-found', `${abs}: no such folder`);
  if (!statSync(abs).isDirectory()) throw new GlimpseError('invalid-input', `${abs}: not a folder`);
  return realpathSync(abs);
}
