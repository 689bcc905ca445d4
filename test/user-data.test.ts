/**
 * The user's work outlives the index: albums and the user's captions survive removing and
 * re-adding a folder, moving the folder, and renaming the files (they follow the photos' content).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createEngineApi, type EngineApi } from '../src/core/app/api.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import { trainTinyModel } from './tiny-model.js';
import { tempDir, ok } from './helpers.js';

const tmp = tempDir();
let embedder: Embedder;
let api: EngineApi;

async function photoFolder(dir: string, blue = 90): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 4; i++) {
    await sharp({ create: { width: 96, height: 96, channels: 3, background: { r: 60 * i, g: 200 - 40 * i, b: blue } } })
      .jpeg()
      .toFile(join(dir, `IMG_000${i + 1}.jpg`));
  }
}

const album = async (id: number) => ok(await api.albums({})).albums.find((a) => a.id === id)!;
const pathsIn = async (id: number) =>
  ok(await api.browse({ album: id }))
    .photos.map((p) => p.name)
    .sort();

beforeAll(async () => {
  await initBackend('wasm');
  embedder = bundleEmbedder(await loadBundle(await trainTinyModel(tmp.dir, 0)));
  api = createEngineApi({ dataDir: join(tmp.dir, 'data'), embedder });
}, 240_000);
afterAll(() => {
  api?.close();
  embedder?.dispose();
  tmp.cleanup();
});

describe("the user's albums and captions", () => {
  it('survive removing a folder and adding it again', async () => {
    const folder = join(tmp.dir, 'trip');
    await photoFolder(folder);
    ok(await api.index({ folders: [folder] }));
    const photos = ok(await api.browse({})).photos;
    const a = ok(await api.createAlbum({ name: 'Trip', label: 'our summer trip' }));
    ok(await api.addToAlbum({ id: a.id, photos: photos.slice(0, 3).map((p) => p.id) }));
    const first = photos.find((p) => p.name === 'IMG_0001.jpg')!;
    ok(await api.setCaption({ path: first.path, caption: 'grandma at the lighthouse' }));

    expect(ok(await api.removeRoot({ folder })).removed).toBe(true);
    expect((await album(a.id)).count).toBe(0); // nothing to show while the folder is out
    ok(await api.index({ folders: [folder] }));
    expect((await album(a.id)).count).toBe(3);
    const again = ok(await api.browse({})).photos.find((p) => p.name === 'IMG_0001.jpg')!;
    expect(ok(await api.photo({ path: again.path })).userCaption).toBe('grandma at the lighthouse');
    expect(ok(await api.photo({ path: again.path })).albums.map((x) => x.name)).toEqual(['Trip']);
    // The caption is searchable again.
    const hits = ok(await api.search({ query: 'lighthouse' })).results;
    expect(hits[0]!.path).toBe(again.path);
    expect(hits[0]!.keyword).toBe(true);
  });

  it('follow the photos when the folder moves and the files are renamed', async () => {
    const folder = join(tmp.dir, 'trip');
    const moved = join(tmp.dir, 'moved trip');
    renameSync(folder, moved);
    for (const f of readdirSync(moved)) renameSync(join(moved, f), join(moved, `renamed-${f}`));
    ok(await api.removeRoot({ folder }));
    ok(await api.index({ folders: [moved] }));
    const a = ok(await api.albums({})).albums.find((x) => x.name === 'Trip')!;
    expect(a.count).toBe(3);
    expect(await pathsIn(a.id)).toEqual(['renamed-IMG_0001.jpg', 'renamed-IMG_0002.jpg', 'renamed-IMG_0003.jpg']);
    const p = ok(await api.browse({})).photos.find((x) => x.name === 'renamed-IMG_0001.jpg')!;
    expect(ok(await api.photo({ path: p.path })).userCaption).toBe('grandma at the lighthouse');
  });
});

describe('forgetting a folder', () => {
  it('is separate from removing it: it counts what will go, then deletes only that', async () => {
    const folder = join(tmp.dir, 'moved trip');
    const other = join(tmp.dir, 'garden');
    await photoFolder(other, 200);
    ok(await api.index({ folders: [other] }));
    const garden = ok(await api.createAlbum({ name: 'Garden', label: 'flowers' }));
    const gardenPhoto = ok(await api.browse({ folder: other })).photos[0]!;
    ok(await api.addToAlbum({ id: garden.id, photos: [gardenPhoto.id] }));

    expect(ok(await api.folderUserData({ folder }))).toEqual({ albumPhotos: 3, captions: 1 });
    const r = ok(await api.removeRoot({ folder, forget: true }));
    expect(r).toEqual({ removed: true, forgotten: { albumPhotos: 3, captions: 1 } });
    ok(await api.index({ folders: [folder] }));
    const trip = ok(await api.albums({})).albums.find((x) => x.name === 'Trip')!;
    expect(trip.count).toBe(0); // the album itself stays, empty
    expect((await album(garden.id)).count).toBe(1); // another folder's work is untouched
  });
});

describe('rebuilding a damaged index', () => {
  it('starts a new database, keeps the old file aside, and brings back albums and captions from the backup', async () => {
    const dataDir = join(tmp.dir, 'rebuild-data');
    const folder = join(tmp.dir, 'beach');
    await photoFolder(folder, 100);
    let a = createEngineApi({ dataDir, embedder });
    ok(await a.index({ folders: [folder] }));
    const photos = ok(await a.browse({})).photos;
    const beach = ok(await a.createAlbum({ name: 'Beach', label: 'sand and sea' }));
    ok(await a.addToAlbum({ id: beach.id, photos: photos.slice(0, 2).map((p) => p.id) }));
    ok(await a.setCaption({ path: photos[0]!.path, caption: 'first swim of the year' }));
    ok(await a.updateSettings({ thumbnailSize: 260 }));
    a.close();
    // The database's header overwritten: SQLite no longer recognises the file.
    const file = join(dataDir, 'library.db');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(100, 7), 0, 100, 0);
    closeSync(fd);
    const damaged = readFileSync(file);

    a = createEngineApi({ dataDir, embedder });
    const status = await a.status({});
    expect(!status.ok && status.error.code).toBe('damaged-library');
    const r = ok(await a.rebuildIndex({}));
    expect(r).toMatchObject({ roots: [folder], albums: 1, albumPhotos: 2, captions: 1 });
    expect(r.restoredFrom).toMatch(/backups[/\\]user-data\.json$/);
    expect(readFileSync(r.movedAside!).equals(damaged)).toBe(true); // kept, byte for byte
    ok(await a.index({ folders: [] }));
    const back = ok(await a.albums({})).albums.find((x) => x.name === 'Beach')!;
    expect([back.label, back.count]).toEqual(['sand and sea', 2]);
    const first = ok(await a.browse({})).photos.find((p) => p.name === photos[0]!.name)!;
    expect(ok(await a.photo({ path: first.path })).userCaption).toBe('first swim of the year');
    expect(ok(await a.settings({})).thumbnailSize).toBe(260);
    a.close();
  });
});

describe('caption refreshes after edits', () => {
  it('coalesce: edits in a row make one job', async () => {
    const earlier = new Set(ok(await api.jobs({})).jobs.map((j) => j.id));
    const a = ok(await api.createAlbum({ name: 'Edits', label: 'first' }));
    for (const label of ['second', 'third', 'fourth']) ok(await api.updateAlbum({ id: a.id, label }));
    const p = ok(await api.browse({})).photos[0]!;
    ok(await api.setCaption({ path: p.path, caption: 'one more edit' }));
    while (ok(await api.jobs({})).jobs.some((j) => j.state === 'running')) await new Promise((r) => setTimeout(r, 50));
    const jobs = ok(await api.jobs({})).jobs.filter((j) => j.kind === 'captions' && !earlier.has(j.id));
    expect(jobs.map((j) => [j.state, j.error?.message ?? null])).toEqual([['done', null]]);
  });
});

describe('the forward migration to hash-keyed user data', () => {
  it("keeps a library's existing album photos and captions", async () => {
    const { default: Database } = await import('better-sqlite3');
    const { MIGRATIONS } = await import('../src/core/store/migrations.js');
    const { migrate } = await import('../src/core/store/store.js');
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    for (let v = 0; v < 4; v++) db.exec(MIGRATIONS[v]!);
    db.pragma('user_version = 4');
    db.exec(`INSERT INTO roots (id, path, added_at) VALUES (1, '/p', 'now');
      INSERT INTO photos (id, root_id, path, folder, name, size, mtime_ms, hash, indexed_at)
        VALUES (7, 1, '/p/a.jpg', '.', 'a.jpg', 1, 0, 'h7', 'now');
      INSERT INTO albums (id, name, label, created_at) VALUES (3, 'Kids', '', 'now');
      INSERT INTO album_photos (album_id, photo_id, added_at) VALUES (3, 7, 'then');
      INSERT INTO photo_captions (photo_id, text, updated_at) VALUES (7, 'first steps', 'then');`);
    migrate(db);
    expect(db.prepare('SELECT album_id, hash, path_hint FROM album_items').all()).toEqual([
      { album_id: 3, hash: 'h7', path_hint: '/p/a.jpg' },
    ]);
    expect(db.prepare('SELECT hash, text FROM user_captions').all()).toEqual([{ hash: 'h7', text: 'first steps' }]);
    db.close();
  });
});
