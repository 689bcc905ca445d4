/**
 * The app: one façade over the data dir's store and the chosen model, answering each call of the
 * API contract. It opens the store and the model once each, lazily, and keeps them for the life
 * of the process (the CLI's --queries mode loads the model only once).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CallOptions, CaptionItem, ParsedInput, Outputs, PhotoSummary } from '../../shared/contract.js';
import { initBackend } from '../runtime/tf/backend.js';
import { as, GlimpseError } from '../base/errors.js';
import type { PhotoRow } from '../store/store.js';
import { openFaceReader, type FaceReader } from '../faces/reader.js';
import { readNames } from '../faces/names.js';
import { People } from './people.js';
import { gazetteer, placesList, readWhereWhen } from './places.js';
import { countryName, regionName } from '../places/gazetteer.js';
import { wallClock } from '../indexing/decode.js';
import { loadBundle } from '../vse/bundle.js';
import {
  embedThreads,
  onnxDescription,
  onnxRuntimeAvailable,
  openOnnxBackbone,
} from '../runtime/backbones/onnx-runtime.js';
import { defaultModelDir, sharedCacheDir } from './paths.js';
import { bundleEmbedder, lazyOnnxEmbedder, type Embedder } from '../runtime/embedder.js';
import { pooledEmbedder } from '../runtime/embed-pool.js';
import { availableParallelism } from 'node:os';
import { LibraryStore, moveDatabaseAside } from '../store/store.js';
import { readUserBackup, type UserData } from '../store/user-backup.js';
import { INDEX_DET_SIDE, OcrEngine, ocrModelId } from '../ocr/ocr.js';
import { readTextOf, type OcrReader } from '../ocr/reader.js';
import { Albums } from '../albums/albums.js';
import { photoRow } from '../store/catalog.js';
import { isConfident, markTags, type CaptionHit, type CaptionProgress } from '../captions/captions.js';
import { isWeak } from '../search/search.js';
import { MIN_HELD_OUT_PHOTOS } from './training.js';
import { assembleParts, type ModelParts } from './parts.js';
import { isClipModel } from '../interop/clip-bundle.js';
import { openClipEmbedder } from '../runtime/clip-embedder.js';
import { captionFile, replacementBank } from './caption-file.js';
import { readSwitch, writeSwitch, type ModelSwitch } from './model-switch.js';
import { captionFloorOf } from '../captions/floors.js';
import { modelKind } from './models.js';

interface LoadedModel {
  modelDir: string;
  parts: Promise<ModelParts>;
  ready: ModelParts | null;
}

export interface GlimpseDeps {
  dataDir: string;
  /** Inject a ready model (tests); otherwise bundles are loaded from disk. */
  embedder?: Embedder;
  /** Loads the model of a bundle folder (tests inject a slow or failing one); default: from disk. */
  loadEmbedder?: (modelDir: string) => Promise<Embedder>;
  /** Inject a face reader (tests), or null for none; otherwise the shipped face models load on first use. */
  faces?: FaceReader | null;
  /** Inject an OCR reader (tests), or null for none; otherwise PP-OCRv4 loads on first use. */
  ocr?: OcrReader | null;
  /** Shows a file in the system's file manager (Electron: shell.showItemInFolder). */
  reveal?: (path: string) => Promise<void> | void;
  /** The cache other libraries on this computer share (paths.ts); default: the platform's. */
  sharedCache?: string | null;
}

const DEFAULT_THUMBNAIL_SIZE = 200;

/**
 * Catalog calls (browse, albums, settings, roots, the user's captions, the photo view) use the
 * store alone and never wait for a model; only embedding, search and captions load one, lazily,
 * so the app answers while the model loads.
 */
export class Glimpse {
  private opened: LibraryStore | null = null;
  private ocrEngine: Promise<OcrEngine> | null = null;
  private ocrWarned = false;
  private faceReader: Promise<FaceReader> | null = null;
  /** Loaded models by folder: the current one, and during a switch the one search answers with. */
  private readonly loaded = new Map<string, LoadedModel>();

  constructor(private readonly deps: GlimpseDeps) {}

  /** The library store, opened on first use; no model is loaded for it. */
  private store(): LibraryStore {
    this.opened ??= LibraryStore.open(this.deps.dataDir);
    return this.opened;
  }

  private catalog(): { store: LibraryStore; albums: Albums } {
    const store = this.store();
    return { store, albums: new Albums(store) };
  }

  /** The parts that need the model, loading it once (concurrent callers share the load). */
  open(model?: string): Promise<ModelParts> {
    const modelDir = resolve(model ?? defaultModelDir(this.deps.dataDir));
    // An injected model stands for every folder (tests).
    const key = this.deps.embedder ? '' : modelDir;
    const have = this.loaded.get(key);
    if (have) return have.parts;
    // At most two stay loaded: the current model and, during a switch, the previous one.
    const keep = new Set([resolve(defaultModelDir(this.deps.dataDir)), this.searchDir()]);
    for (const k of [...this.loaded.keys()]) if (!keep.has(k)) this.dropModel(k);
    const store = this.store();
    const entry: LoadedModel = {
      modelDir,
      ready: null,
      parts: (async () => {
        await initBackend();
        const embedder = this.deps.embedder ?? (await this.loadModel(modelDir));
        return assembleParts({
          store,
          embedder,
          dataDir: this.deps.dataDir,
          ocr: () => this.ocrForIndex(),
          faces: () => this.facesForIndex(),
          places: gazetteer,
          onChange: () => this.invalidateSearch(),
          kind: this.deps.embedder ? undefined : modelKind(modelDir),
          sharedCache: this.deps.sharedCache === undefined ? sharedCacheDir() : this.deps.sharedCache,
        });
      })(),
    };
    entry.parts.then(
      (parts) => (entry.ready = parts),
      () => {
        // A failed load is not kept: the next call tries again (after a fix or another model).
        if (this.loaded.get(key) === entry) this.loaded.delete(key);
      },
    );
    this.loaded.set(key, entry);
    return entry.parts;
  }

  /** Every loaded searcher forgets its cached vectors (photos were added, changed or removed). */
  private invalidateSearch(): void {
    for (const e of this.loaded.values()) e.ready?.searcher.invalidate();
  }

  /** The model folder search answers with: the previous model while a switch is under way. */
  private searchDir(model?: string): string {
    if (model) return resolve(model);
    const s = this.switching();
    return resolve(s ? s.fromDir : defaultModelDir(this.deps.dataDir));
  }

  /** The model switch under way whose previous model is still on disk, or null. */
  switching(): ModelSwitch | null {
    const s = readSwitch(this.store());
    return s && existsSync(s.fromDir) ? s : null;
  }

  /**
   * The current model was just replaced; `fromDir` is where the one it replaced now lives, `fromId`
   * the id its vectors carry. Search stays with it until the new model has embedded every photo.
   * A switch already under way keeps its previous model: that one's vectors are the complete ones.
   */
  beginSwitch(fromDir: string, fromId: string): void {
    const store = this.store();
    if (this.switching() || store.embeddedCount(fromId) === 0) return;
    writeSwitch(store, { fromDir: resolve(fromDir), fromId, startedAt: new Date().toISOString() });
  }

  /** Ends the switch under way without finishing it (cancelled, or the previous model is back). */
  endSwitch(): void {
    writeSwitch(this.store(), null);
  }

  /** After a full run: once the current model has every photo, search moves to it in one step. */
  private finishSwitch(modelId: string): void {
    const store = this.store();
    if (!readSwitch(store) || store.counts(modelId).stale > 0) return;
    store.transaction(() => {
      writeSwitch(store, null);
      store.dropVectorsExcept(modelId);
    });
    for (const k of [...this.loaded.keys()])
      if (k !== '' && k !== resolve(defaultModelDir(this.deps.dataDir))) this.dropModel(k);
    this.invalidateSearch();
  }

  /** The id the current model's vectors carry (loads it). */
  async currentModelId(): Promise<string> {
    return (await this.open()).embedder.id;
  }

  private loadModel(modelDir: string): Promise<Embedder> {
    if (this.deps.loadEmbedder) return as('bad-bundle', () => this.deps.loadEmbedder!(modelDir));
    if (isClipModel(modelDir)) return as('bad-bundle', () => openClipEmbedder(modelDir, Math.max(1, embedThreads())));
    return as('bad-bundle', () => imageEmbedder(modelDir, join(this.deps.dataDir, 'cache', 'onnx')));
  }

  private async backend(): Promise<string> {
    return (await initBackend()).name;
  }

  async index(input: ParsedInput<'index'>, opts: CallOptions): Promise<Outputs['index']> {
    const asked = performance.now();
    // The first run's model load takes seconds: say so, rather than show a finished bar.
    if (!this.loaded.get(this.deps.embedder ? '' : resolve(input.model ?? defaultModelDir(this.deps.dataDir)))?.ready)
      opts.onProgress?.({ phase: 'loading model', done: 0, total: 0, eta: null });
    const { pipeline, embedder } = await this.open(input.model);
    const loaded = performance.now();
    const s = await pipeline.run(input.folders, {
      signal: opts.signal,
      onProgress: (p) =>
        opts.onProgress?.({
          phase: p.phase === 'indexing' ? 'embedding' : p.phase,
          done: p.done,
          total: p.total,
          eta: p.eta,
          message: p.message ?? (p.rate ? `${p.rate.toFixed(1)} photos/s` : undefined),
        }),
    });
    if (!input.model && !opts.signal?.aborted) this.finishSwitch(embedder.id);
    const { failures, warnings, stages, ...rest } = s;
    const model = (loaded - asked) / 1000;
    return {
      backend: await this.backend(),
      imageRuntime: embedder.imageRuntime,
      model: embedder.id,
      ...rest,
      // From the request, the model's load included: the time the user waited.
      seconds: (performance.now() - asked) / 1000,
      stages: { model, ...stages },
      skipped: s.unchanged,
      failures,
      warnings,
    };
  }

  async search(input: ParsedInput<'search'>): Promise<Outputs['search']> {
    const { searcher, embedder, captions } = await this.open(this.searchDir(input.model));
    const { query, model: _m, person, place: _p, year: _y, town: _t, ...given } = input;
    if (!query.trim()) throw new GlimpseError('invalid-input', 'the search text is empty');
    // Names the user gave people, read from the query, limit it to their photos; then dates and
    // places become filters too. The rest of the words are searched as always (a query read
    // whole, as names, places or dates: those photos, newest first).
    const reading = readNames(query, this.store().faces.named());
    const where = readWhereWhen(this.store(), reading.rest, input);
    const people = [...new Set([...this.people().ids(person), ...reading.people.map((p) => p.id)])];
    const opts = { ...given, ...where.filters, people };
    const named = people.map((id) => ({ id, name: this.store().faces.person(id)?.name ?? null }));
    const rest = where.rest;
    const read = reading.people.length + where.reading.places.length + where.reading.dates.length > 0;
    if (!rest && read) {
      const { rows } = this.store().browse({ ...opts, limit: given.limit ?? 50, offset: given.offset ?? 0 });
      return {
        words: [],
        backend: await this.backend(),
        model: embedder.id,
        query,
        weak: false,
        people: named,
        reading: where.reading,
        results: this.described(rows.map((r) => ({ id: r.id, path: r.path, thumb: r.hash, score: 1, keyword: false }))),
      };
    }
    const { hits, words } = await searcher.searchExplained(rest || query, opts);
    return {
      words,
      backend: await this.backend(),
      model: embedder.id,
      query,
      weak: isWeak(hits, captions.floors().goodMatch),
      people: named,
      reading: where.reading,
      results: this.described(
        hits.map((h) => ({
          id: h.id,
          path: h.path,
          thumb: h.hash,
          score: h.score,
          keyword: h.keyword,
          ...(h.tag ? { tag: h.tag } : {}),
          ...(h.text ? { text: h.text } : {}),
        })),
      ),
    };
  }

  async similar(input: ParsedInput<'similar'>): Promise<Outputs['similar']> {
    const { searcher, embedder } = await this.open(this.searchDir(input.model));
    const { path, model: _m, ...given } = input;
    const { person, place: _p, year: _y, town: _t, ...rest } = given;
    const where = readWhereWhen(this.store(), '', input);
    const hits = searcher.similar(photoRow(this.store(), path).id, {
      ...rest,
      ...where.filters,
      people: this.people().ids(person),
    });
    return {
      backend: await this.backend(),
      model: embedder.id,
      path: resolve(path),
      results: this.described(hits.map((h) => ({ id: h.id, path: h.path, thumb: h.hash, score: h.score }))),
    };
  }

  /** Adds each photo's best caption (the user's, else the first confident one), for alt text. */
  private described<T extends { id: number }>(items: T[]): (T & { caption: string | null })[] {
    const best = this.store().search.captionsFor(items.map((i) => i.id));
    const floor = this.floorOf();
    return items.map((i) => {
      const c = best.get(i.id);
      return { ...i, caption: c?.user ?? c?.auto.find((a) => isConfident(a, floor(a.modelId)))?.text ?? null };
    });
  }

  /** The caption floor of the model that scored a stored caption, read once per model per call. */
  private floorOf(): (modelId: string | undefined) => number {
    const seen = new Map<string | undefined, number>();
    return (id) => {
      let f = seen.get(id);
      if (f === undefined) seen.set(id, (f = captionFloorOf(this.store(), id)));
      return f;
    };
  }

  private ocrOn(): boolean {
    return this.store().getMeta('ocr') !== 'off';
  }

  /** The OCR models, loaded once (on first use) and shared, or why they can't load here. */
  private async ocrEngineOrReason(): Promise<OcrReader | string> {
    if (this.deps.ocr !== undefined) return this.deps.ocr ?? 'off (not available in this set-up)';
    this.ocrEngine ??= OcrEngine.open(Math.min(availableParallelism(), 4), INDEX_DET_SIDE);
    try {
      return await this.ocrEngine;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /**
   * What status reports: the OCR model id, or why OCR is off. It loads no model: a reason is known
   * from onnxruntime's absence, or from a load this process already tried.
   */
  private async ocrIdOrReason(): Promise<{ id: string } | string> {
    if (this.deps.ocr !== undefined || this.ocrEngine) return this.ocrEngineOrReason();
    const ort = await onnxRuntimeAvailable();
    return ort === true ? { id: await ocrModelId(INDEX_DET_SIDE) } : `OCR is off: ${ort}`;
  }

  /** For indexing: the OCR reader, or null (off, or unavailable: said once on stderr). */
  private async ocrForIndex(): Promise<OcrReader | null> {
    if (!this.ocrOn() || this.deps.ocr === null) return null;
    const r = await this.ocrEngineOrReason();
    if (typeof r !== 'string') return r;
    if (!this.ocrWarned) console.warn(`glimpse: ${r}`);
    this.ocrWarned = true;
    return null;
  }

  /** Reads the text in photos; the OCR models load on first use and stay loaded. */
  async ocr(input: ParsedInput<'ocr'>): Promise<Outputs['ocr']> {
    const engine = await this.ocrEngineOrReason();
    if (typeof engine === 'string') throw new GlimpseError('unavailable', engine);
    const photos: Outputs['ocr']['photos'] = [];
    for (const p of input.paths) {
      const path = resolve(p);
      try {
        const lines = await readTextOf(engine, path);
        photos.push({ path, lines: lines.map((l) => ({ text: l.text, confidence: l.confidence, box: l.box })) });
      } catch (err) {
        photos.push({ path, lines: [], error: (err as Error).message });
      }
    }
    return { model: engine.id, photos };
  }

  async caption(input: ParsedInput<'caption'>): Promise<Outputs['caption']> {
    const parts = await this.open(input.model);
    const photos = [];
    // A replacement bank is embedded once for all the photos, not once for each.
    const bank = input.bank ? replacementBank(parts, input.bank) : undefined;
    try {
      for (const p of input.paths)
        photos.push({
          path: resolve(p),
          captions: withConfidence(
            await captionFile(parts, p, input.limit, bank, input.tagRanked),
            () => parts.captions.floors().caption,
          ),
        });
    } finally {
      bank?.dispose();
    }
    return { backend: await this.backend(), model: parts.embedder.id, photos };
  }

  async status(input: ParsedInput<'status'>): Promise<Outputs['status']> {
    const { embedder } = await this.open(input.model);
    const store = this.store();
    const reader = this.ocrOn() ? await this.ocrIdOrReason() : 'off (Settings)';
    const ocr = typeof reader === 'string' ? reader : 'on';
    return {
      backend: await this.backend(),
      imageRuntime: embedder.imageRuntime,
      dataDir: this.deps.dataDir,
      roots: store.roots().map((r) => r.path),
      model: embedder.id,
      failures: store.failures(200),
      counts: {
        ...store.counts(embedder.id),
        withText: typeof reader === 'string' ? 0 : this.store().text.countWithText(reader.id),
      },
      ocr,
      watching: 'off',
      switching: this.switchingStatus(input.model),
    };
  }

  private switchingStatus(model: string | undefined): Outputs['status']['switching'] {
    const s = model ? null : this.switching();
    if (!s) return null;
    const store = this.store();
    return { from: s.fromId, fromDir: s.fromDir, searchable: store.embeddedCount(s.fromId) };
  }

  /**
   * Removes a folder from the index. The user's albums and captions of its photos stay (keyed by
   * content, they return when the folder does) unless `forget` asks to delete them too.
   */
  async removeRoot(input: ParsedInput<'removeRoot'>): Promise<Outputs['removeRoot']> {
    const folder = resolve(input.folder);
    const store = this.store();
    const forgotten = input.forget ? store.albums.forgetUnder(folder) : { albumPhotos: 0, captions: 0 };
    const removed = store.removeRoot(folder);
    this.invalidateSearch();
    return { removed, forgotten };
  }

  /** The library's folders, from the store alone. */
  roots(): string[] {
    return this.store()
      .roots()
      .map((r) => r.path);
  }

  async folderUserData(input: ParsedInput<'folderUserData'>): Promise<Outputs['folderUserData']> {
    return this.store().albums.countUnder(resolve(input.folder));
  }

  /**
   * Starts a new library database: the old one is renamed aside (never deleted), and the user's
   * work is carried over, read from the old database while it still reads, else from the latest
   * backup. Indexing the roots again is the caller's next step.
   */
  async rebuildIndex(): Promise<Outputs['rebuildIndex']> {
    let data: UserData | null = null;
    let restoredFrom: string | null = null;
    try {
      data = this.store().exportUserData();
      restoredFrom = 'the old database';
    } catch {
      const backup = readUserBackup(this.deps.dataDir);
      if (backup) ({ data, file: restoredFrom } = backup);
    }
    this.close();
    const movedAside = moveDatabaseAside(this.deps.dataDir);
    const store = this.store();
    if (data) store.importUserData(data);
    return {
      movedAside,
      restoredFrom,
      roots: store.roots().map((r) => r.path),
      albums: data?.albums.length ?? 0,
      albumPhotos: data?.albums.reduce((n, a) => n + a.items.length, 0) ?? 0,
      captions: data?.captions.length ?? 0,
    };
  }

  async browse(input: ParsedInput<'browse'>): Promise<Outputs['browse']> {
    // Place, year and town are not columns: readWhereWhen turns them into the store's filters.
    const { place: _p, year: _y, town: _t, ...rest } = input;
    const where = readWhereWhen(this.store(), '', input);
    const { total, rows } = this.store().browse({
      ...rest,
      ...where.filters,
      folder: input.folder ? resolve(input.folder) : undefined,
      people: this.people().ids(input.person),
    });
    return { total, photos: this.described(rows.map(summary)) };
  }

  /** The photo view: metadata, albums, the user's caption and the captions stored at index time. */
  async photo(input: ParsedInput<'photo'>): Promise<Outputs['photo']> {
    const { store, albums } = this.catalog();
    const row = photoRow(store, input.path);
    const tags = store.tags(row.id);
    // Many cameras repeat the make in the model ("Canon" + "Canon EOS 5D"): say it once.
    const camera =
      row.camera_make && row.camera_model?.toLowerCase().startsWith(row.camera_make.toLowerCase())
        ? row.camera_model
        : [row.camera_make, row.camera_model].filter(Boolean).join(' ') || null;
    return {
      ...summary(row),
      folder: row.folder,
      width: row.width,
      height: row.height,
      format: row.format,
      size: row.size,
      camera,
      gps: row.lat !== null && row.lon !== null ? { lat: row.lat, lon: row.lon } : null,
      title: row.title,
      description: row.description,
      keywords: row.keywords,
      userCaption: albums.caption(row.id),
      captions: withConfidence(
        markTags(store.search.storedCaptions(row.id).slice(0, input.captions), tags),
        this.floorOf(),
      ),
      tags,
      text: store.text.lines(row.hash),
      faces: this.people().facesIn(row.hash),
      place: this.placeOf(row.hash),
      taken: takenOf(row),
      albums: albums.albumsOf(row.id),
    };
  }

  async albums(): Promise<Outputs['albums']> {
    return { albums: this.catalog().albums.list() };
  }

  async createAlbum(input: ParsedInput<'createAlbum'>): Promise<Outputs['createAlbum']> {
    return this.catalog().albums.create(input.name, input.label);
  }

  async updateAlbum(input: ParsedInput<'updateAlbum'>): Promise<Outputs['updateAlbum']> {
    return this.catalog().albums.update(input.id, input);
  }

  async deleteAlbum(input: ParsedInput<'deleteAlbum'>): Promise<Outputs['deleteAlbum']> {
    return { deleted: this.catalog().albums.remove(input.id) };
  }

  async addToAlbum(input: ParsedInput<'addToAlbum'>): Promise<Outputs['addToAlbum']> {
    return this.catalog().albums.add(input.id, input.photos);
  }

  async removeFromAlbum(input: ParsedInput<'removeFromAlbum'>): Promise<Outputs['removeFromAlbum']> {
    return this.catalog().albums.removePhotos(input.id, input.photos);
  }

  /** The albums' photos paired with their labels and captions, for fine-tuning. */
  trainingPairs(albumIds: number[]): { names: string[]; pairs: { image: string; captions: string[] }[] } {
    const { albums } = this.catalog();
    return { names: albumIds.map((id) => albums.get(id).name), pairs: albums.trainingPairs(albumIds) };
  }

  /**
   * The library's other searches for a fine-tune's check: photos outside the chosen albums, each
   * with its confidently detected objects as queries ("a dog"); null where there are too few.
   */
  libraryQueryPairs(albumIds: number[]): { image: string; captions: string[] }[] | null {
    const rows = this.store().search.taggedOutside(albumIds, 0.5, 200);
    if (rows.length < MIN_HELD_OUT_PHOTOS) return null;
    return rows.map((r) => ({ image: r.path, captions: r.labels.map((l) => `a ${l}`) }));
  }

  async setCaption(input: ParsedInput<'setCaption'>): Promise<Outputs['setCaption']> {
    const { store, albums } = this.catalog();
    const row = photoRow(store, input.path);
    albums.setCaption(row.id, input.caption);
    return { path: row.path, caption: input.caption || null };
  }

  /** Re-captions photos whose stored captions came from an older bank; loads the model. */
  async refreshCaptions(opts: { signal?: AbortSignal; onProgress?: (p: CaptionProgress) => void }): Promise<number> {
    return (await this.open()).pipeline.refreshCaptions(opts);
  }

  async settings(): Promise<Outputs['settings']> {
    const store = this.store();
    return {
      dataDir: this.deps.dataDir,
      roots: store.roots().map((r) => r.path),
      thumbnailSize: Number(store.getMeta('thumbnailSize') ?? DEFAULT_THUMBNAIL_SIZE),
      ocr: this.ocrOn(),
      faces: this.facesOn(),
    };
  }

  async updateSettings(input: ParsedInput<'updateSettings'>): Promise<Outputs['updateSettings']> {
    if (input.thumbnailSize !== undefined) this.store().setMeta('thumbnailSize', String(input.thumbnailSize));
    if (input.ocr !== undefined) this.store().setMeta('ocr', input.ocr ? 'on' : 'off');
    if (input.faces !== undefined) {
      this.store().setMeta('faces', input.faces ? 'on' : 'off');
      // Off deletes the faces found (derived data); the names the user gave people stay.
      if (!input.faces) this.store().faces.forget();
    }
    return this.settings();
  }

  /** Faces are found while indexing unless the user turned them off (Settings, `faces`). */
  private facesOn(): boolean {
    return this.store().getMeta('faces') !== 'off';
  }

  private async facesForIndex(): Promise<FaceReader | null> {
    if (!this.facesOn() || this.deps.faces === null) return null;
    if (this.deps.faces) return this.deps.faces;
    this.faceReader ??= openFaceReader(join(this.deps.dataDir, 'cache', 'onnx'));
    try {
      return await this.faceReader;
    } catch (err) {
      console.warn(`glimpse: faces are off: ${(err as Error).message}`);
      return null;
    }
  }

  private placeOf(hash: string): Outputs['photo']['place'] {
    const p = this.store().places.placeOf(hash);
    return p?.city && p.country
      ? { city: p.city, region: regionName(p.region), country: countryName(p.country) }
      : null;
  }

  async mapPoints(input: ParsedInput<'mapPoints'>): Promise<Outputs['mapPoints']> {
    return { cells: this.store().places.points(input.cell, input.box) };
  }

  async timeline(): Promise<Outputs['timeline']> {
    return this.store().timeline();
  }

  /** Photos by country and town. */
  async places(input: ParsedInput<'places'>): Promise<Outputs['places']> {
    return placesList(this.store(), input);
  }

  /** People and the user's word on them (people.ts); the store alone, no model. */
  people(): People {
    return new People(
      () => this.store(),
      () => this.facesOn(),
    );
  }

  /** Only files the library knows (photos, or failed files under a root) can be revealed. */
  async reveal(input: ParsedInput<'reveal'>): Promise<Outputs['reveal']> {
    const store = this.store();
    const p = resolve(input.path);
    if (store.photoByPath(p) === undefined && !store.hasFailure(p)) {
      throw new GlimpseError('not-found', `${p}: not a file in the library`);
    }
    if (!this.deps.reveal) throw new GlimpseError('unavailable', 'this front end cannot open a file manager');
    await this.deps.reveal(p);
    return { path: p };
  }

  /**
   * The current model folder now holds another model, and the one it held moved to `previous`:
   * the loaded copy of that model follows it, so search answers at once during the switch
   * rather than after loading it again. During a switch it only embeds queries (its text side,
   * in memory); images are embedded by the new model, so nothing it loads lazily is read from
   * the folder that now holds another model.
   */
  afterSwap(previous: string): void {
    if (this.deps.embedder) return;
    const current = resolve(join(this.deps.dataDir, 'models', 'current'));
    const entry = this.loaded.get(current);
    this.loaded.delete(current);
    if (!entry) return;
    entry.modelDir = resolve(previous);
    this.dropModel(entry.modelDir);
    this.loaded.set(entry.modelDir, entry);
  }

  /** The data folder can't be written (opened read-only): nothing that saves can run. */
  readOnly(): boolean {
    return this.store().readOnly;
  }

  /** Drops the loaded models, so the next call loads the (newly adopted) model. */
  reset(): void {
    for (const k of [...this.loaded.keys()]) this.dropModel(k);
  }

  private dropModel(key: string): void {
    const entry = this.loaded.get(key);
    this.loaded.delete(key);
    if (!entry) return;
    // A model this app loaded is its to release (its embedding workers included).
    void entry.parts.then(
      (parts) => {
        parts.dispose();
        if (!this.deps.embedder) parts.embedder.dispose();
      },
      () => undefined,
    );
  }

  close(): void {
    this.reset();
    void this.ocrEngine?.then(
      (e) => e.dispose(),
      () => undefined,
    );
    this.ocrEngine = null;
    void this.faceReader?.then(
      (r) => r.dispose(),
      () => undefined,
    );
    this.faceReader = null;
    this.opened?.close();
    this.opened = null;
  }
}

/**
 * Chooses what runs the image backbone, fastest first by `npm run bench -- index` (docs/BENCH.md):
 * onnxruntime with one thread per core when it is installed and translates the backbone, else one
 * tfjs worker per core, else tfjs on this thread. GLIMPSE_IMAGE_RUNTIME=tfjs
 * skips onnxruntime; GLIMPSE_EMBED_WORKERS sets the thread count (0 or 1: tfjs on this thread).
 */
async function imageEmbedder(modelDir: string, cacheDir: string): Promise<Embedder> {
  const threads = embedThreads();
  if (process.env.GLIMPSE_IMAGE_RUNTIME !== 'tfjs') {
    const ort = await onnxRuntimeAvailable();
    if (ort === true) {
      // onnxruntime reads the backbone from its files: tfjs never holds its weights (about
      // 240 MB for a ResNet-152) unless onnxruntime can't open it.
      const bundle = await loadBundle(modelDir, { backbone: false });
      const n = Math.max(1, threads);
      try {
        // A bundle without an image backbone is refused here, as it would be on tfjs.
        return lazyOnnxEmbedder(
          bundle,
          () => openOnnxBackbone(bundle.manifest.backbone!, modelDir, n, cacheDir),
          onnxDescription(n),
          async () => bundleEmbedder(await loadBundle(modelDir)),
        );
      } catch (err) {
        bundle.model.dispose();
        throw err;
      }
    } else console.warn(`glimpse: image backbone stays on tfjs: ${ort}`);
  }
  const base = bundleEmbedder(await loadBundle(modelDir));
  return threads > 1 ? pooledEmbedder(base, modelDir, threads) : base;
}

/** Each caption with whether it clears the floor of the model that scored it. */
function withConfidence(
  captions: (CaptionHit & { modelId?: string })[],
  floor: (modelId: string | undefined) => number,
): CaptionItem[] {
  return captions.map(({ modelId, ...c }) => ({ ...c, confident: isConfident(c, floor(modelId)) }));
}

function summary(row: PhotoRow): PhotoSummary {
  return { id: row.id, path: row.path, thumb: row.hash, name: row.name, takenAt: row.taken_at };
}

/**
 * When a photo was taken, and how that is known; without a date in the photo, the file's last
 * change (as this computer's clock showed it), marked uncertain.
 */
function takenOf(row: PhotoRow): Outputs['photo']['taken'] {
  if (row.taken_at)
    return {
      at: row.taken_at,
      source: (row.taken_source as Outputs['photo']['taken']['source']) ?? null,
      offset: row.taken_offset,
      uncertain: false,
    };
  return { at: wallClock(new Date(row.mtime_ms)), source: 'file', offset: null, uncertain: true };
}
