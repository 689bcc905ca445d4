/**
 * The photo library on temp dirs: indexing a folder with every bad-input case, incremental
 * rescans, moves and deletions, metadata, search with filters, hybrid keyword matches, similar
 * photos, captions by retrieval, model change with re-embedding, separate libraries.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { readdirSync, renameSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import sharp from 'sharp';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import { LibraryStore, moveDatabaseAside } from '../src/core/store/store.js';
import { assembleParts, type ModelParts } from '../src/core/app/parts.js';
import { captionFile, replacementBank } from '../src/core/app/caption-file.js';
import { photoRow } from '../src/core/store/catalog.js';
import { thumbPath } from '../src/core/indexing/decode.js';
import { makePhotoFixture, shapeSvg, type PhotoFixture } from './library-fixture.js';
import { trainTinyModel } from './tiny-model.js';
import { tempDir, withRawDb } from './helpers.js';

const tmp = tempDir();
let fx: PhotoFixture;
let embedder: Embedder;
let modelB: string;
let lib: ModelParts;
const dataDir = join(tmp.dir, 'library');

beforeAll(async () => {
  await initBackend('wasm');
  const model = await trainTinyModel(tmp.dir, 0);
  modelB = await trainTinyModel(tmp.dir, 1);
  embedder = bundleEmbedder(await loadBundle(model));
  fx = await makePhotoFixture(join(tmp.dir, 'photos'));
  lib = assembleParts({ store: LibraryStore.open(dataDir), embedder, dataDir });
}, 240_000);
const close = (parts: ModelParts) => {
  parts.dispose();
  parts.store.close();
};
/** The library's counts for the model its parts were built with. */
const counts = (parts: ModelParts) => parts.store.counts(parts.embedder.id);
afterAll(() => {
  if (lib) close(lib);
  tmp.cleanup();
});

const rel = (p: string) => p.slice(fx.root.length + 1);

describe('indexing a folder', () => {
  it('indexes every good photo and records each bad one with its named reason', async () => {
    const s = await lib.pipeline.run([fx.root]);
    expect(s.cancelled).toBe(false);
    const indexed = withRawDb(
      lib.dataDir,
      (db) => db.prepare('SELECT path FROM photos ORDER BY path').all() as { path: string }[],
    ).map((r) => r.path);
    expect(indexed.map(rel).sort()).toEqual(fx.good.map(rel).sort());
    expect(s.indexed).toBe(fx.good.length);
    const failures = new Map(s.failures.map((f) => [f.path, f.reason]));
    for (const [path, reason] of Object.entries(fx.bad))
      expect([rel(path), failures.get(path)]).toEqual([rel(path), reason]);
    expect(s.failures.find((f) => f.path.endsWith('notes.pdf'))?.detail).toMatch(/pdf/);
    const detail = (name: string) => s.failures.find((f) => f.path.endsWith(`bad/${name}`))?.detail;
    expect(detail('archive.jpg')).toBe('unsupported format: a zip file named .jpg');
    expect(detail('document.jpg')).toBe('unsupported format: a pdf file named .jpg');
    expect(detail('pipe.jpg')).toMatch(/named pipe/);
    expect(detail('zero.jpg')).toMatch(/a device/);
    const notes = new Map(s.warnings.map((w) => [rel(w.path), w.reason]));
    expect(notes.get('misc/png-named.jpg')).toBe('wrong-extension');
    expect(notes.get('misc/animated.gif')).toBe('animated');
    expect(counts(lib)).toMatchObject({
      photos: fx.good.length,
      embedded: fx.good.length,
      stale: 0,
      failures: Object.keys(fx.bad).length,
    });
  });

  it('reads EXIF, GPS and XMP, applies orientation, and writes thumbnails', () => {
    const red = lib.store.photoByPath(join(fx.root, '2021/winter/red circle.jpg'))!;
    expect(red).toMatchObject({
      camera_make: 'Canon',
      camera_model: 'EOS 5D',
      title: 'Kids on a red sled',
      description: 'Snow day in the park',
      keywords: 'winter, sledge',
    });
    expect(red.taken_at).toMatch(/^2021-12-24/);
    const blue = lib.store.photoByPath(join(fx.root, '2021/summer/blue square.jpg'))!;
    expect(blue.lat).toBeCloseTo(48.857, 2);
    expect(blue.lon).toBeCloseTo(2.35, 2);
    expect(existsSync(thumbPath(lib.pipeline.thumbDir, red.hash))).toBe(true);
    expect(lib.store.photoByPath(join(fx.root, 'misc/rotated.jpg'))).toMatchObject({ width: 64, height: 96 });
  });

  it('skips unchanged files on a rescan and leaves failures recorded', async () => {
    const s = await lib.pipeline.run([fx.root]);
    expect(s.indexed).toBe(0);
    expect(s.unchanged).toBe(fx.good.length);
    expect(counts(lib).failures).toBe(Object.keys(fx.bad).length);
  });

  it('recognises a moved file by content and keeps its vector; drops deleted files', async () => {
    const from = join(fx.root, 'misc/purple.webp');
    const to = join(fx.root, 'moved here/purple renamed.webp');
    const before = lib.store.photoByPath(from)!;
    const vec = (id: number) =>
      withRawDb(
        lib.dataDir,
        (db) => (db.prepare('SELECT vector FROM embeddings WHERE photo_id = ?').get(id) as { vector: Buffer }).vector,
      );
    const v0 = vec(before.id);
    mkdirSync(join(fx.root, 'moved here'));
    renameSync(from, to);
    rmSync(join(fx.root, '2022/green triangle.png'));
    const s = await lib.pipeline.run([fx.root]);
    expect(s).toMatchObject({ moved: 1, removed: 1, indexed: 0 });
    const after = lib.store.photoByPath(to)!;
    expect(after.id).toBe(before.id);
    expect(vec(after.id).equals(v0)).toBe(true);
    expect(lib.store.photoByPath(from)).toBeUndefined();
    expect(lib.store.photoByPath(join(fx.root, '2022/green triangle.png'))).toBeUndefined();
  });

  it('re-indexes a changed file and clears its failure once fixed', async () => {
    const broken = join(fx.root, 'bad/truncated.jpg');
    writeFileSync(broken, await sharp(shapeSvg('green', 'square')).jpeg().toBuffer());
    const s = await lib.pipeline.run([fx.root]);
    expect(s.indexed).toBe(1);
    expect(lib.store.photoByPath(broken)).toBeDefined();
    expect(lib.store.failures().some((f) => f.path === broken)).toBe(false);
  });
});

describe('search', () => {
  it('ranks by the model and gives every hit its score, with paging', async () => {
    const hits = await lib.searcher.search('a blue square', { limit: 5 });
    expect(hits.length).toBe(5);
    for (const h of hits) expect(Number.isFinite(h.score)).toBe(true);
    const page2 = await lib.searcher.search('a blue square', { limit: 5, offset: 5 });
    expect(page2.map((h) => h.id)).not.toContain(hits[0]!.id);
  });

  it("finds a word from the photo's own text or its file name (hybrid)", async () => {
    const sled = await lib.searcher.search('sledge', { limit: 3 });
    expect(rel(sled[0]!.path)).toBe('2021/winter/red circle.jpg');
    expect(sled[0]!.keyword).toBe(true);
    const uni = await lib.searcher.search('Überraschung', { limit: 3 });
    expect(rel(uni[0]!.path)).toMatch(/Überraschung/);
  });

  it('filters by date, folder, camera and GPS', async () => {
    const paths = async (o: object) =>
      (await lib.searcher.search('photo', { limit: 100, ...o })).map((h) => rel(h.path)).sort();
    expect(await paths({ since: '2021-12-01', until: '2022-01-01' })).toEqual(['2021/winter/red circle.jpg']);
    expect(await paths({ hasGps: true })).toEqual(['2021/summer/blue square.jpg', '2022/duplicate of blue square.jpg']);
    expect(await paths({ camera: 'nikon' })).toEqual([
      '2021/summer/blue square.jpg',
      '2022/duplicate of blue square.jpg',
    ]);
    expect((await paths({ folder: join(fx.root, '2021') })).every((p) => p.startsWith('2021/'))).toBe(true);
  });

  it('applies a relevance cutoff to semantic hits', async () => {
    const all = await lib.searcher.search('a red circle', { limit: 100, evidence: ['semantic'] });
    const cut = await lib.searcher.search('a red circle', { limit: 100, minScore: 2, evidence: ['semantic'] });
    expect(all.length).toBeGreaterThan(0);
    expect(cut).toEqual([]);
  });
});

describe('similar photos and captions', () => {
  it('finds the duplicate first and never the photo itself', () => {
    const hits = lib.searcher.similar(photoRow(lib.store, join(fx.root, '2021/summer/blue square.jpg')).id, {
      limit: 5,
    });
    expect(rel(hits[0]!.path)).toBe('2022/duplicate of blue square.jpg');
    expect(hits[0]!.score).toBeCloseTo(1, 4);
    expect(hits.some((h) => rel(h.path) === '2021/summer/blue square.jpg')).toBe(false);
  });

  it("stores captions at index time, with the user's own words in the bank", async () => {
    const red = lib.store.photoByPath(join(fx.root, '2021/winter/red circle.jpg'))!;
    const stored = lib.captions.stored(red.id);
    expect(stored.length).toBe(5);
    expect(stored[0]!.score).toBeGreaterThanOrEqual(stored[4]!.score);
    expect(lib.captions.texts()).toContain('Kids on a red sled');
    const bank = replacementBank(lib, ['a bowl of soup', 'a red circle']);
    const caps = await captionFile(lib, join(fx.root, '2021/winter/red circle.jpg'), 2, bank);
    bank.dispose();
    expect(caps.map((c) => c.text).sort()).toEqual(['a bowl of soup', 'a red circle']);
  });

  it('captions a photo that is not in the library', async () => {
    const outside = join(tmp.dir, 'outside.png');
    await sharp(shapeSvg('green', 'circle')).png().toFile(outside);
    const caps = await captionFile(lib, outside, 3);
    expect(caps.length).toBe(3);
  });
});

describe('model change and separate libraries', () => {
  it('re-embeds every photo when the model changes, and refreshes captions', async () => {
    const other = bundleEmbedder(await loadBundle(modelB));
    expect(other.id).not.toBe(embedder.id);
    const lib2 = assembleParts({ store: LibraryStore.open(dataDir), embedder: other, dataDir });
    expect(counts(lib2).stale).toBe(counts(lib2).photos);
    const s = await lib2.pipeline.run([]);
    expect(s.reembedded).toBe(counts(lib2).photos);
    expect(counts(lib2)).toMatchObject({ stale: 0 });
    const n = withRawDb(
      lib2.dataDir,
      (db) => (db.prepare('SELECT count(DISTINCT model_id) n FROM captions').get() as { n: number }).n,
    );
    expect(n).toBe(1);
    close(lib2);
    other.dispose();
  });

  it('keeps libraries in different data dirs apart', async () => {
    const otherDir = join(tmp.dir, 'other-library');
    const lib3 = assembleParts({ store: LibraryStore.open(otherDir), embedder, dataDir: otherDir });
    expect(lib3.store.roots()).toEqual([]);
    expect(counts(lib3)).toMatchObject({ photos: 0 });
    close(lib3);
  });

  it('refuses a database from a newer Glimpse', () => {
    const d = join(tmp.dir, 'future');
    LibraryStore.open(d).close();
    withRawDb(d, (db) => db.pragma('user_version = 99'));
    expect(() => LibraryStore.open(d)).toThrow(/schema version 99/);
    // Rebuilding refuses it too, naming the version, and leaves it where it is.
    expect(() => moveDatabaseAside(d)).toThrow(/schema version 99.*update Glimpse/);
    expect(readdirSync(d).filter((f) => f.includes('damaged'))).toEqual([]);
  });
});
