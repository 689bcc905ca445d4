/**
 * Indexing: scan roots, skip what is unchanged, recognise moves by content hash, drop what was
 * deleted, and push the rest through an overlapped pipeline — sharp decodes concurrently, the
 * model embeds in batches, and each batch is written in one transaction — with back-pressure
 * between the stages. Bad files are recorded with a reason; nothing stops the run.
 */
import { open, readFile } from 'node:fs/promises';
import { basename, dirname, extname, relative } from 'node:path';
import type { IndexOutput, IndexStages } from '../../shared/contract.js';
import type { LibraryStore, NewPhoto, PhotoTag } from '../store/store.js';
import type { Embedder } from '../runtime/embedder.js';
import { scanRoot, sniffType } from './scan.js';
import { classify, contentHash, decodePhoto, PhotoError, type DecodedPhoto } from './decode.js';

export const PHOTO_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
]);
/** Files that travel with photos and are not photos themselves: not reported as unsupported. */
const SIDECARS = new Set(['.xmp', '.txt', '.json', '.aae', '.thm']);

export interface IndexProgress {
  /** 'waiting': another process is indexing this data dir (`message` says which). */
  phase:
    | 'waiting'
    | 'scanning'
    | 'indexing'
    | 'placing photos'
    | 'preparing captions'
    | 'captioning'
    | 'finding faces'
    | 'reading text';
  message?: string;
  done: number;
  total: number;
  rate: number;
  eta: number | null;
}

/** What a run did; the contract's IndexOutput is this plus the backend and model. */
export const DEFAULT_DECODE_CONCURRENCY = 3;

export type IndexSummary = Omit<IndexOutput, 'backend' | 'imageRuntime' | 'model' | 'skipped' | 'stages'> & {
  stages?: IndexStages;
};

export interface IndexOptions {
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Photos embedded per model call. */
  batchSize?: number;
  /**
   * Images read and decoded at once. Default 3: with the backbone on onnxruntime, three in flight
   * keep the cores busier than two while a batch embeds (docs/BENCH.md).
   */
  decodeConcurrency?: number;
}

/** One file the indexer decodes and embeds (the app's background work is a Job, in app/jobs.ts). */
interface FileTask {
  rootId: number;
  root: string;
  path: string;
  size: number;
  mtimeMs: number;
}

/** Where the file is and which version of it: all a move changes. */
function placeFields(task: FileTask): Pick<NewPhoto, 'root_id' | 'path' | 'folder' | 'name' | 'size' | 'mtime_ms'> {
  return {
    root_id: task.rootId,
    path: task.path,
    folder: relative(task.root, dirname(task.path)) || '.',
    name: basename(task.path),
    size: task.size,
    mtime_ms: Math.floor(task.mtimeMs),
  };
}

function photoFields(task: FileTask, d: Pick<DecodedPhoto, 'hash' | 'format' | 'width' | 'height' | 'meta'>): NewPhoto {
  return {
    ...placeFields(task),
    hash: d.hash,
    format: d.format,
    width: d.width,
    height: d.height,
    taken_at: d.meta.takenAt,
    taken_source: d.meta.takenSource,
    taken_offset: d.meta.takenOffset,
    camera_make: d.meta.cameraMake,
    camera_model: d.meta.cameraModel,
    lat: d.meta.lat,
    lon: d.meta.lon,
    title: d.meta.title,
    description: d.meta.description,
    keywords: d.meta.keywords,
  };
}

/**
 * Runs that may die decoding one file before it is recorded as a decoder crash and skipped. More
 * than one, so that a user's kill or a power cut mid-decode never costs a good photo.
 */
const MAX_DECODE_ATTEMPTS = 3;
/** Photos re-embedded per stored batch after a model change: small, so cancel is quick. */
const REEMBED_BATCH = 16;

export class Indexer {
  constructor(
    private readonly store: LibraryStore,
    private readonly embedder: Embedder,
    private readonly thumbDir: string,
  ) {}

  async index(roots: string[], opts: IndexOptions = {}): Promise<IndexSummary> {
    const started = performance.now();
    const { signal, onProgress } = opts;
    const summary: IndexSummary = {
      roots,
      scanned: 0,
      indexed: 0,
      unchanged: 0,
      moved: 0,
      removed: 0,
      reembedded: 0,
      failed: 0,
      failures: [],
      warnings: [],
      cancelled: false,
      seconds: 0,
    };
    const fail = (rootId: number, path: string, e: PhotoError, stat?: { size: number; mtimeMs: number }) => {
      this.store.recordFailure(rootId, path, e.reason, e.message, 'error', stat);
      summary.failed++;
      summary.failures.push({ path, reason: e.reason, detail: e.message });
    };
    const tasks: FileTask[] = [];
    const missingByHash = new Map<string, { id: number; path: string }[]>();
    const rootIds: number[] = [];

    // 1. Scan: find what changed since the last run.
    for (const root of roots) {
      const rootId = this.store.addRoot(root);
      rootIds.push(rootId);
      const known = new Map(this.store.photosInRoot(rootId).map((p) => [p.path, p]));
      const seen = new Set<string>();
      for await (const item of scanRoot(root, signal)) {
        if (signal?.aborted) break;
        seen.add(item.path);
        if (item.kind === 'problem') {
          fail(rootId, item.path, new PhotoError(item.reason, item.detail));
          continue;
        }
        summary.scanned++;
        if (summary.scanned % 200 === 0)
          onProgress?.({ phase: 'scanning', done: summary.scanned, total: 0, rate: 0, eta: null });
        const ext = extname(item.path).toLowerCase();
        if (!PHOTO_EXTENSIONS.has(ext)) {
          if (SIDECARS.has(ext)) continue;
          const type = await sniff(item.path);
          if (type && IMAGE_TYPES.includes(type)) {
            this.store.recordFailure(
              rootId,
              item.path,
              'wrong-extension',
              `a ${type} file named ${ext || '(no extension)'}`,
              'warning',
            );
            summary.warnings.push({
              path: item.path,
              reason: 'wrong-extension',
              detail: `a ${type} file named ${ext || '(no extension)'}`,
            });
          } else {
            fail(
              rootId,
              item.path,
              new PhotoError(
                'unsupported-format',
                `unsupported format: ${type ?? (ext ? `${ext.slice(1)} file` : 'unknown type')}`,
              ),
              item,
            );
            continue;
          }
        }
        const prev = known.get(item.path);
        if (prev && prev.size === item.size && prev.mtime_ms === Math.floor(item.mtimeMs)) {
          summary.unchanged++;
          continue;
        }
        if (!prev && this.store.knownFailure(item.path, item.size, item.mtimeMs)) {
          summary.failed++;
          continue;
        }
        tasks.push({ rootId, root, path: item.path, size: item.size, mtimeMs: item.mtimeMs });
      }
      if (signal?.aborted) break;
      for (const [path, p] of known) {
        if (seen.has(path)) continue;
        const list = missingByHash.get(p.hash) ?? [];
        list.push({ id: p.id, path });
        missingByHash.set(p.hash, list);
      }
      this.store.clearFailuresUnder(rootId, seen);
    }
    if (signal?.aborted) return this.finish(summary, started, true);

    // 2. Moves: a new path whose content matches a vanished photo keeps that photo's vector.
    const fresh: FileTask[] = [];
    for (const task of tasks) {
      if (signal?.aborted) return this.finish(summary, started, true);
      const candidates =
        missingByHash.size > 0 && !this.store.photoByPath(task.path) ? await hashIfPossible(task.path) : null;
      const match = candidates ? missingByHash.get(candidates)?.shift() : undefined;
      if (match) {
        this.store.transaction(() => this.store.movePhoto(match.id, placeFields(task)));
        summary.moved++;
      } else fresh.push(task);
    }
    // 3. Deletions: whatever is still missing left the library.
    this.store.transaction(() => {
      for (const list of missingByHash.values())
        for (const m of list) {
          this.store.deletePhoto(m.id);
          summary.removed++;
        }
    });

    // 4. Decode → embed → write, overlapped.
    await this.pipeline(fresh, summary, fail, opts);
    if (!signal?.aborted) summary.reembedded = await this.reembedStale(opts);
    return this.finish(summary, started, signal?.aborted === true);
  }

  private finish(summary: IndexSummary, started: number, cancelled: boolean): IndexSummary {
    summary.cancelled = cancelled;
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  }

  private async pipeline(
    tasks: FileTask[],
    summary: IndexSummary,
    fail: (rootId: number, path: string, e: PhotoError, stat?: { size: number; mtimeMs: number }) => void,
    opts: IndexOptions,
  ): Promise<void> {
    const batchSize = opts.batchSize ?? 16;
    const concurrency = opts.decodeConcurrency ?? DEFAULT_DECODE_CONCURRENCY;
    const pre = this.embedder.preprocess;
    const per = pre.inputSize * pre.inputSize * 3;
    const ready: { task: FileTask; photo: DecodedPhoto }[] = [];
    let next = 0;
    let decodersLeft = Math.min(concurrency, tasks.length);
    let wakeEmbedder: (() => void) | null = null;
    let wakeDecoders: (() => void)[] = [];
    const started = performance.now();
    let done = 0;
    const report = () => {
      const secs = (performance.now() - started) / 1000;
      const rate = done / Math.max(secs, 1e-3);
      opts.onProgress?.({
        phase: 'indexing',
        done,
        total: tasks.length,
        rate,
        eta: rate > 0 ? (tasks.length - done) / rate : null,
      });
    };
    const decoder = async () => {
      while (next < tasks.length && !opts.signal?.aborted) {
        // Back-pressure: don't run ahead of the embedder by more than two batches.
        while (ready.length >= 2 * batchSize && !opts.signal?.aborted)
          await new Promise<void>((r) => wakeDecoders.push(r));
        const task = tasks[next++]!;
        // A file the decoder crashes on (libvips aborts the process) would crash every run and
        // keep its folder from ever being indexed: it is marked before decoding, and a file
        // found marked by several runs that died is recorded as failed and skipped until it changes.
        const attempts = this.store.beginDecode(task.rootId, task.path, task.size, task.mtimeMs);
        if (attempts >= MAX_DECODE_ATTEMPTS) {
          fail(
            task.rootId,
            task.path,
            new PhotoError('decoder-crash', `Glimpse stopped ${attempts} times while decoding this file`),
            task,
          );
          done++;
          continue;
        }
        try {
          const photo = await decodePhoto(task.path, pre, this.thumbDir);
          this.store.endDecode(task.path);
          ready.push({ task, photo });
        } catch (err) {
          this.store.endDecode(task.path);
          fail(task.rootId, task.path, await namedFailure(task.path, classify(err)), task);
          done++;
        }
        wakeEmbedder?.();
      }
      decodersLeft--;
      wakeEmbedder?.();
    };
    const embedder = async () => {
      for (;;) {
        if (ready.length < batchSize && decodersLeft > 0 && !opts.signal?.aborted) {
          await new Promise<void>((r) => {
            wakeEmbedder = r;
          });
          wakeEmbedder = null;
          continue;
        }
        if (ready.length === 0) return;
        const batch = ready.splice(0, batchSize);
        const waiting = wakeDecoders;
        wakeDecoders = [];
        waiting.forEach((w) => w());
        const pixels = new Float32Array(batch.length * per);
        batch.forEach((b, i) => pixels.set(b.photo.pixels, i * per));
        const { vectors, tags } = await this.embed(pixels, batch.length);
        const dim = this.embedder.dim;
        this.store.transaction(() => {
          batch.forEach((b, i) => {
            this.store.upsertPhoto(
              photoFields(b.task, b.photo),
              vectors.subarray(i * dim, (i + 1) * dim),
              this.embedder.id,
              tags?.[i],
            );
            for (const w of b.photo.warnings) {
              this.store.recordFailure(b.task.rootId, b.task.path, w.reason, w.detail, 'warning');
              summary.warnings.push({ path: b.task.path, reason: w.reason, detail: w.detail });
            }
          });
        });
        summary.indexed += batch.length;
        done += batch.length;
        report();
        if (opts.signal?.aborted && ready.length === 0) return;
      }
    };
    await Promise.all([...Array.from({ length: decodersLeft }, decoder), embedder()]);
  }

  /** Vectors, and the detector's tags where the model has a detector. */
  private async embed(pixels: Float32Array, n: number): Promise<{ vectors: Float32Array; tags?: PhotoTag[][] }> {
    if (this.embedder.embedAndTag) return this.embedder.embedAndTag(pixels, n);
    return { vectors: await this.embedder.embedImages(pixels, n) };
  }

  /**
   * Re-embeds photos whose vector came from another model (after a model change), a small batch
   * at a time: each batch is stored as it finishes, so a cancel or a kill loses at most one batch
   * and the next run starts where this one stopped.
   */
  async reembedStale(opts: IndexOptions = {}): Promise<number> {
    let n = 0;
    for (;;) {
      if (opts.signal?.aborted) return n;
      const stale = this.store.staleForModel(this.embedder.id, REEMBED_BATCH);
      if (stale.length === 0) return n;
      const pre = this.embedder.preprocess;
      const per = pre.inputSize * pre.inputSize * 3;
      const ok: { id: number; pixels: Float32Array }[] = [];
      for (let i = 0; i < stale.length; i++) {
        // A 12-MP decode takes a tenth of a second or more: cancel answers within one of them.
        if (opts.signal?.aborted) return n;
        try {
          ok.push({ id: stale[i]!.id, pixels: (await decodePhoto(stale[i]!.path, pre, this.thumbDir)).pixels });
        } catch (err) {
          // The file changed or vanished since: drop the photo; the next scan re-adds it if needed.
          const e = classify(err);
          this.store.transaction(() => {
            this.store.deletePhoto(stale[i]!.id);
            this.store.recordFailure(stale[i]!.root_id, stale[i]!.path, e.reason, e.message);
          });
        }
      }
      const pixels = new Float32Array(ok.length * per);
      ok.forEach((o, i) => pixels.set(o.pixels, i * per));
      const { vectors, tags } = ok.length
        ? await this.embed(pixels, ok.length)
        : { vectors: new Float32Array(0), tags: undefined };
      const dim = this.embedder.dim;
      this.store.transaction(() =>
        ok.forEach((o, i) =>
          this.store.setVector(o.id, vectors.subarray(i * dim, (i + 1) * dim), this.embedder.id, tags?.[i]),
        ),
      );
      n += ok.length;
      opts.onProgress?.({
        phase: 'indexing',
        done: n,
        total: n + this.store.counts(this.embedder.id).stale,
        rate: 0,
        eta: null,
      });
    }
  }
}

/** Image types the decoder reads: a file of another type gets its type named. */
const IMAGE_TYPES = ['jpeg', 'png', 'gif', 'webp', 'tiff', 'avif'];

/**
 * A decode failure of a file that is not an image at all (a PDF, a ZIP or a video named .jpg)
 * names what the file is, rather than a bare "unsupported image format" or a decoder's complaint.
 */
async function namedFailure(path: string, e: PhotoError): Promise<PhotoError> {
  if (!['unsupported-format', 'corrupt', 'truncated'].includes(e.reason)) return e;
  const type = await sniff(path);
  if (type && !IMAGE_TYPES.includes(type))
    return new PhotoError(
      'unsupported-format',
      `unsupported format: a ${type} file named ${extname(path) || '(no extension)'}`,
    );
  // Decoders say "premature end" of damaged data too: a file that still ends as its format ends
  // (JPEG's end-of-image marker, PNG's IEND chunk) was not cut short, its inside is damaged.
  if (e.reason === 'truncated' && (await endsWhole(path, type)))
    return new PhotoError('corrupt', `damaged data in a complete file: ${e.message}`);
  return e;
}

/** Up to `n` bytes from the file's start or end, or null if it can't be read. */
async function readAt(path: string, from: 'start' | 'end', n: number): Promise<Buffer | null> {
  let fh;
  try {
    fh = await open(path, 'r');
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.min(n, size));
    await fh.read(buf, 0, buf.length, from === 'start' ? 0 : size - buf.length);
    return buf;
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

async function sniff(path: string): Promise<string | null> {
  const head = await readAt(path, 'start', 16);
  return head ? sniffType(head) : null;
}

async function endsWhole(path: string, type: string | null): Promise<boolean> {
  const tail = await readAt(path, 'end', 12);
  if (!tail) return false;
  if (type === 'jpeg') return tail.subarray(-2).toString('hex') === 'ffd9';
  if (type === 'png') return tail.subarray(-12).toString('hex') === '0000000049454e44ae426082';
  return false;
}

async function hashIfPossible(path: string): Promise<string | null> {
  try {
    return contentHash(await readFile(path));
  } catch {
    return null;
  }
}
