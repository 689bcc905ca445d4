/**
 * The library side of the API: opens the data dir's store and the chosen model once, lazily, and
 * keeps them for the life of the process (the CLI's --queries mode loads the model only once).
 */
import { resolve } from 'node:path';
import type { CallOptions, ParsedInput, Outputs, PhotoSummary } from '../../../shared/contract.js';
import { initBackend } from '../tf/backend.js';
import { as, GlimpseError } from '../errors.js';
import type { PhotoRow } from './store.js';
import { loadBundle, type LoadedBundle } from '../vse/bundle.js';
import { openOnnxBackbone } from '../vse/backbones/onnx-runtime.js';
import { defaultModelDir } from '../paths.js';
import { bundleEmbedder, onnxEmbedder, type Embedder } from './embedder.js';
import { pooledEmbedder } from './embed-pool.js';
import { availableParallelism } from 'node:os';
import { LibraryStore } from './store.js';
import { Library } from './library.js';

export interface LibraryServiceDeps {
  dataDir: string;
  /** Inject a ready model (tests); otherwise bundles are loaded from disk. */
  embedder?: Embedder;
  /** Shows a file in the system's file manager (Electron: shell.showItemInFolder). */
  reveal?: (path: string) => Promise<void> | void;
}

const DEFAULT_THUMBNAIL_SIZE = 200;

export class LibraryService {
  private library: { modelDir: string; lib: Library } | null = null;

  constructor(private readonly deps: LibraryServiceDeps) {}

  async open(model?: string): Promise<Library> {
    const modelDir = resolve(model ?? defaultModelDir(this.deps.dataDir));
    if (this.library && (this.deps.embedder || this.library.modelDir === modelDir)) return this.library.lib;
    this.close();
    await initBackend();
    const embedder = this.deps.embedder ?? await as('bad-bundle', async () => imageEmbedder(await loadBundle(modelDir), modelDir));
    const store = await as('internal', () => LibraryStore.open(this.deps.dataDir));
    this.library = { modelDir, lib: new Library({ store, embedder, dataDir: this.deps.dataDir }) };
    return this.library.lib;
  }

  private async backend(): Promise<string> {
    return (await initBackend()).name;
  }

  async index(input: ParsedInput<'index'>, opts: CallOptions): Promise<Outputs['index']> {
    const lib = await this.open(input.model);
    const s = await lib.index(input.folders, {
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ phase: p.phase, done: p.done, total: p.total, eta: p.eta, message: p.rate ? `${p.rate.toFixed(1)} photos/s` : undefined }),
    });
    const { failures, warnings, ...rest } = s;
    return { backend: await this.backend(), imageRuntime: lib.deps.embedder.imageRuntime, model: lib.deps.embedder.id, ...rest, skipped: s.unchanged, failures, warnings };
  }

  async search(input: ParsedInput<'search'>): Promise<Outputs['search']> {
    const lib = await this.open(input.model);
    const { query, model: _m, ...opts } = input;
    const hits = await lib.search(query, opts);
    const thumbs = lib.store.hashes(hits.map((h) => h.id));
    return { backend: await this.backend(), model: lib.deps.embedder.id, query, results: hits.map((h) => ({ id: h.id, path: h.path, thumb: thumbs.get(h.id) ?? '', score: h.score, keyword: h.keyword })) };
  }

  async similar(input: ParsedInput<'similar'>): Promise<Outputs['similar']> {
    const lib = await this.open(input.model);
    const { path, model: _m, ...opts } = input;
    const hits = lib.similar(path, opts);
    const thumbs = lib.store.hashes(hits.map((h) => h.id));
    return { backend: await this.backend(), model: lib.deps.embedder.id, path: resolve(path), results: hits.map((h) => ({ id: h.id, path: h.path, thumb: thumbs.get(h.id) ?? '', score: h.score })) };
  }

  async caption(input: ParsedInput<'caption'>): Promise<Outputs['caption']> {
    const lib = await this.open(input.model);
    const photos = [];
    for (const p of input.paths) photos.push({ path: resolve(p), captions: await lib.caption(p, input.limit, input.bank) });
    return { backend: await this.backend(), model: lib.deps.embedder.id, photos };
  }

  async status(input: ParsedInput<'status'>): Promise<Outputs['status']> {
    const lib = await this.open(input.model);
    return { backend: await this.backend(), imageRuntime: lib.deps.embedder.imageRuntime, dataDir: this.deps.dataDir, ...lib.status() };
  }

  async removeRoot(input: ParsedInput<'removeRoot'>): Promise<Outputs['removeRoot']> {
    const lib = await this.open();
    return { removed: lib.removeRoot(input.folder) };
  }

  async browse(input: ParsedInput<'browse'>): Promise<Outputs['browse']> {
    const lib = await this.open();
    const { total, rows } = lib.store.browse({ ...input, folder: input.folder ? resolve(input.folder) : undefined });
    return { total, photos: rows.map(summary) };
  }

  async photo(input: ParsedInput<'photo'>): Promise<Outputs['photo']> {
    const lib = await this.open();
    const row = lib.photoRow(input.path);
    const camera = [row.camera_make, row.camera_model].filter(Boolean).join(' ') || null;
    return {
      ...summary(row), folder: row.folder, width: row.width, height: row.height, format: row.format, size: row.size, camera,
      gps: row.lat !== null && row.lon !== null ? { lat: row.lat, lon: row.lon } : null,
      title: row.title, description: row.description, keywords: row.keywords,
      userCaption: lib.albums.caption(row.id), captions: await lib.caption(row.path, input.captions), albums: lib.albums.albumsOf(row.id),
    };
  }

  async albums(): Promise<Outputs['albums']> {
    return { albums: (await this.open()).albums.list() };
  }

  async createAlbum(input: ParsedInput<'createAlbum'>): Promise<Outputs['createAlbum']> {
    return (await this.open()).albums.create(input.name, input.label);
  }

  async updateAlbum(input: ParsedInput<'updateAlbum'>): Promise<Outputs['updateAlbum']> {
    return (await this.open()).albums.update(input.id, input);
  }

  async deleteAlbum(input: ParsedInput<'deleteAlbum'>): Promise<Outputs['deleteAlbum']> {
    return { deleted: (await this.open()).albums.remove(input.id) };
  }

  async addToAlbum(input: ParsedInput<'addToAlbum'>): Promise<Outputs['addToAlbum']> {
    return (await this.open()).albums.add(input.id, input.photos);
  }

  async removeFromAlbum(input: ParsedInput<'removeFromAlbum'>): Promise<Outputs['removeFromAlbum']> {
    return (await this.open()).albums.removePhotos(input.id, input.photos);
  }

  async setCaption(input: ParsedInput<'setCaption'>): Promise<Outputs['setCaption']> {
    const lib = await this.open();
    const row = lib.photoRow(input.path);
    lib.albums.setCaption(row.id, input.caption);
    return { path: row.path, caption: input.caption || null };
  }

  private plain: LibraryStore | null = null;
  /** The store alone, for calls that need no model: the first screen should not wait for one to load. */
  private store(): LibraryStore {
    if (this.library) return this.library.lib.store;
    this.plain ??= LibraryStore.open(this.deps.dataDir);
    return this.plain;
  }

  async settings(): Promise<Outputs['settings']> {
    const store = this.store();
    return {
      dataDir: this.deps.dataDir, roots: store.roots().map((r) => r.path),
      thumbnailSize: Number(store.getMeta('thumbnailSize') ?? DEFAULT_THUMBNAIL_SIZE),
    };
  }

  async updateSettings(input: ParsedInput<'updateSettings'>): Promise<Outputs['updateSettings']> {
    if (input.thumbnailSize !== undefined) this.store().setMeta('thumbnailSize', String(input.thumbnailSize));
    return this.settings();
  }

  /** Only files the library knows (photos, or failed files under a root) can be revealed. */
  async reveal(input: ParsedInput<'reveal'>): Promise<Outputs['reveal']> {
    const lib = await this.open();
    const p = resolve(input.path);
    const known = lib.store.photoByPath(p) !== undefined || lib.store.db.prepare('SELECT 1 FROM failures WHERE path = ?').get(p) !== undefined;
    if (!known) throw new GlimpseError('not-found', `${p}: not a file in the library`);
    if (!this.deps.reveal) throw new GlimpseError('unavailable', 'this front end cannot open a file manager');
    await this.deps.reveal(p);
    return { path: p };
  }

  /** Drops the open model and store, so the next call loads the (newly adopted) model. */
  reset(): void {
    this.close();
  }

  close(): void {
    this.library?.lib.close();
    // A model this service loaded is its to release (its embedding workers included).
    if (!this.deps.embedder) this.library?.lib.deps.embedder.dispose();
    this.library = null;
    this.plain?.close();
    this.plain = null;
  }
}

/**
 * Chooses what runs the image backbone, by `npm run bench -- index` on 2 cores (MobileNetV2@160,
 * 12-MP JPEGs): onnxruntime with one thread per core embeds 5.6x faster than tfjs wasm on two
 * worker threads, which is 1.7x faster than wasm on this thread. So: onnxruntime when it is
 * installed and translates the backbone, else one tfjs worker per core. GLIMPSE_IMAGE_RUNTIME=tfjs
 * skips onnxruntime; GLIMPSE_EMBED_WORKERS sets the thread count (0 or 1: tfjs on this thread).
 */
async function imageEmbedder(bundle: LoadedBundle, modelDir: string): Promise<Embedder> {
  const threads = Number(process.env.GLIMPSE_EMBED_WORKERS ?? Math.min(availableParallelism(), 4));
  const spec = bundle.manifest.backbone;
  if (spec && process.env.GLIMPSE_IMAGE_RUNTIME !== 'tfjs') {
    try {
      return onnxEmbedder(bundle, await openOnnxBackbone(spec, modelDir, Math.max(1, threads)));
    } catch (err) {
      console.warn(`glimpse: image backbone stays on tfjs: ${(err as Error).message}`);
    }
  }
  const base = bundleEmbedder(bundle);
  return threads > 1 ? pooledEmbedder(base, modelDir, threads) : base;
}

function summary(row: PhotoRow): PhotoSummary {
  return { id: row.id, path: row.path, thumb: row.hash, name: row.name, takenAt: row.taken_at };
}
