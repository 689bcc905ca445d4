/**
 * The library side of the API: opens the data dir's store and the chosen model once, lazily, and
 * keeps them for the life of the process (the CLI's --queries mode loads the model only once).
 */
import { resolve } from 'node:path';
import type { CallOptions, ParsedInput, Outputs } from '../../../shared/contract.js';
import { initBackend } from '../tf/backend.js';
import { as } from '../errors.js';
import { loadBundle } from '../vse/bundle.js';
import { defaultModelDir } from '../paths.js';
import { bundleEmbedder, type Embedder } from './embedder.js';
import { LibraryStore } from './store.js';
import { Library } from './library.js';

export interface LibraryServiceDeps {
  dataDir: string;
  /** Inject a ready model (tests); otherwise bundles are loaded from disk. */
  embedder?: Embedder;
}

export class LibraryService {
  private library: { modelDir: string; lib: Library } | null = null;

  constructor(private readonly deps: LibraryServiceDeps) {}

  async open(model?: string): Promise<Library> {
    const modelDir = resolve(model ?? defaultModelDir(this.deps.dataDir));
    if (this.library && (this.deps.embedder || this.library.modelDir === modelDir)) return this.library.lib;
    this.library?.lib.close();
    await initBackend();
    const embedder = this.deps.embedder ?? await as('bad-bundle', async () => bundleEmbedder(await loadBundle(modelDir)));
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
    return { backend: await this.backend(), model: lib.deps.embedder.id, ...rest, skipped: s.unchanged, failures, warnings };
  }

  async search(input: ParsedInput<'search'>): Promise<Outputs['search']> {
    const lib = await this.open(input.model);
    const { query, model: _m, ...opts } = input;
    const hits = await lib.search(query, opts);
    return { backend: await this.backend(), model: lib.deps.embedder.id, query, results: hits.map((h) => ({ path: h.path, score: h.score, keyword: h.keyword })) };
  }

  async similar(input: ParsedInput<'similar'>): Promise<Outputs['similar']> {
    const lib = await this.open(input.model);
    const { path, model: _m, ...opts } = input;
    const hits = lib.similar(path, opts);
    return { backend: await this.backend(), model: lib.deps.embedder.id, path: resolve(path), results: hits.map((h) => ({ path: h.path, score: h.score })) };
  }

  async caption(input: ParsedInput<'caption'>): Promise<Outputs['caption']> {
    const lib = await this.open(input.model);
    const photos = [];
    for (const p of input.paths) photos.push({ path: resolve(p), captions: await lib.caption(p, input.limit, input.bank) });
    return { backend: await this.backend(), model: lib.deps.embedder.id, photos };
  }

  async status(input: ParsedInput<'status'>): Promise<Outputs['status']> {
    const lib = await this.open(input.model);
    return { backend: await this.backend(), dataDir: this.deps.dataDir, ...lib.status() };
  }

  async removeRoot(input: ParsedInput<'removeRoot'>): Promise<Outputs['removeRoot']> {
    const lib = await this.open();
    return { removed: lib.removeRoot(input.folder) };
  }

  close(): void {
    this.library?.lib.close();
    this.library = null;
  }
}
