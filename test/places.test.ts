/**
 * Where and when: JPEGs whose EXIF says where (GPS on several continents) and when (dates with
 * and without an offset, or none), indexed under camera names. Places come from the offline
 * gazetteer; a query's place names and dates become filters, said back, and the rest of the
 * query is searched as words.
 */
import { it, expect, beforeAll, afterAll, describe } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { createEngineApi, type EngineApi } from '../src/core/app/api.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import { readDates } from '../src/core/language/dates.js';
import { trainTinyModel } from './tiny-model.js';
import { SHOTS, writeShot } from './geo-photos.js';
import { ok, runCli, tempDir } from './helpers.js';

const tmp = tempDir();
const folder = join(tmp.dir, 'DCIM');
const dataDir = join(tmp.dir, 'data');
let api: EngineApi;
let embedder: Embedder;
let model: string;

const names = (r: { results: { path: string }[] }) => r.results.map((x) => x.path.split('/').pop()!).sort();
const photos = (...ns: number[]) => ns.map((n) => `IMG_${String(n).padStart(4, '0')}.jpg`).sort();

beforeAll(async () => {
  await initBackend('wasm');
  model = await trainTinyModel(tmp.dir, 0);
  embedder = bundleEmbedder(await loadBundle(model));
  mkdirSync(folder, { recursive: true });
  let i = 0;
  for (const [name, shot] of Object.entries(SHOTS)) await writeShot(folder, name, shot, i++);
  api = createEngineApi({ dataDir, embedder, ocr: null, faces: null, sharedCache: null });
  ok(await api.index({ folders: [folder] }));
}, 240_000);
afterAll(() => {
  api?.close();
  embedder?.dispose();
  tmp.cleanup();
});

describe('places', () => {
  it('places each geotagged photo in its town and country, and never guesses one', async () => {
    const list = ok(await api.places({}));
    const towns = Object.fromEntries(list.countries.map((c) => [c.name, c.towns.map((t) => t.name).sort()]));
    expect(towns).toEqual({
      France: ['Nice', 'Orange', 'Paris'],
      Australia: ['Sydney'],
      'United States': [expect.stringMatching(/New York|Manhattan/)],
      Norway: ['Oslo'],
      'United Kingdom': ['Bath'],
    });
    const view = (n: number) => api.photo({ path: join(folder, photos(n)[0]!) });
    expect(ok(await view(1)).place).toMatchObject({ city: 'Paris', country: 'France' });
    // When, with the camera clock's offset where EXIF has it, and where the date comes from.
    expect(ok(await view(1)).taken).toEqual({
      at: '2019-07-14T15:20:00.000Z',
      source: 'exif',
      offset: '+02:00',
      uncertain: false,
    });
    expect(ok(await view(2)).taken).toMatchObject({ at: '2019-08-02T11:00:00.000Z', offset: null, uncertain: false });
    expect(ok(await view(10)).taken).toMatchObject({ source: 'file', uncertain: true });
    // No position, or none near a town: no place.
    expect(ok(await view(8)).place).toBeNull();
    expect(ok(await view(9)).place).toBeNull();
  });

  it('reads place names from the query: "Paris" and "in France" find those photos and no others', async () => {
    const paris = ok(await api.search({ query: 'Paris' }));
    expect(paris.reading.places).toEqual([{ label: 'Paris, France', words: 'Paris' }]);
    expect(names(paris)).toEqual(photos(1));
    const france = ok(await api.search({ query: 'in France' }));
    expect(france.reading.places.map((p) => p.label)).toEqual(['France']);
    expect(names(france)).toEqual(photos(1, 2, 7));
    // The rest of the query is searched within the place.
    const beach = ok(await api.search({ query: 'beach in Nice' }));
    expect(beach.reading.places.map((p) => p.label)).toEqual(['Nice, France']);
    expect(names(beach)).toEqual(photos(2));
  });

  it('reads an ordinary word as a place only where it is introduced: "Nice beach", Orange, Mobile, Bath', async () => {
    for (const q of ['Nice beach', 'Orange', 'Mobile', 'Bath', 'an orange cat'])
      expect(ok(await api.search({ query: q })).reading.places, q).toEqual([]);
    expect(names(ok(await api.search({ query: 'a bridge in Bath' })))).toEqual(photos(6));
    expect(names(ok(await api.search({ query: 'in Orange, France' })))).toEqual(photos(7));
    // Of the towns named Orange, the one the library has photos from is meant.
    expect(ok(await api.search({ query: 'in Orange' })).reading.places).toEqual([
      { label: 'Orange, France', words: 'in Orange' },
    ]);
    // Several towns of one name, none the obvious one: said, and searched as words.
    const spring = ok(await api.search({ query: 'Springfield' }));
    expect(spring.reading.places).toEqual([]);
    expect(spring.reading.notes.join(' ')).toMatch(/could be several places/);
    // …or the region that follows.
    const illinois = ok(await api.search({ query: 'Springfield, Illinois' })).reading;
    expect([illinois.places, illinois.notes]).toEqual([
      [{ label: 'Springfield, United States', words: 'Springfield, Illinois' }],
      [],
    ]);
  });

  it('reads regions: states and provinces, with their towns of the same name', async () => {
    const read = async (query: string) => {
      const r = ok(await api.search({ query }));
      return [r.reading.places.map((p) => p.label), names(r)];
    };
    expect(await read('England')).toEqual([['England, United Kingdom'], photos(6)]);
    expect(await read('in New South Wales')).toEqual([['New South Wales, Australia'], photos(3)]);
    // The state; New York City's photo is in it.
    expect(await read('New York')).toEqual([['New York, United States'], photos(4)]);
    expect(await read('NYC')).toEqual([['New York City, United States'], photos(4)]);
    // English forms of towns GeoNames names otherwise.
    expect((await read('Cologne'))[0]).toEqual(['Köln, Germany']);
    expect((await read('Florence'))[0]).toEqual(['Florence, Italy']);
    // Georgia the country, not the state; an ordinary word names regions only introduced and capitalised.
    expect((await read('Georgia'))[0]).toEqual(['Georgia']);
    expect((await read('a cat in central park'))[0]).toEqual([]);
    // The photo view names the region, and the places list tells towns apart by it.
    expect(ok(await api.photo({ path: join(folder, photos(1)[0]!) })).place).toEqual({
      city: 'Paris',
      region: 'Île-de-France',
      country: 'France',
    });
    const france = ok(await api.places({})).countries.find((c) => c.code === 'FR')!;
    expect(france.towns.map((t) => [t.name, t.region]).sort()).toEqual([
      ['Nice', "Provence-Alpes-Côte d'Azur"],
      ['Orange', "Provence-Alpes-Côte d'Azur"],
      ['Paris', 'Île-de-France'],
    ]);
  });

  it('reads dates: "snow 2019" is the 2019 photos ranked by "snow"; Christmas; an impossible date is said', async () => {
    const snow = ok(await api.search({ query: 'snow 2019' }));
    expect(snow.reading.dates).toEqual([{ label: '2019', words: '2019' }]);
    expect(names(snow).length).toBeGreaterThan(0);
    expect(photos(1, 2, 5, 8)).toEqual(expect.arrayContaining(names(snow)));
    // Christmas of any year, and of one.
    expect(names(ok(await api.search({ query: 'Christmas' })))).toEqual(photos(3, 8));
    expect(names(ok(await api.search({ query: 'Christmas 2019' })))).toEqual(photos(8));
    expect(names(ok(await api.search({ query: 'summer 2019 in France' })))).toEqual(photos(1, 2));
    expect(names(ok(await api.search({ query: 'June 2021' })))).toEqual(photos(4));
    const bad = ok(await api.search({ query: 'February 30 2020' }));
    expect(bad.reading.notes).toContain('“February 30 2020” is not a date');
    // Filters given outright, as the CLI gives them; an unknown place is refused by name.
    const norway = ok(await api.browse({ place: 'Norway', year: 2019 }));
    expect(norway.photos.map((p) => p.path.split('/').pop())).toEqual(photos(5));
    const nowhere = await api.browse({ place: 'Qwxyzville' });
    expect(!nowhere.ok && nowhere.error.message).toMatch(/Qwxyzville/);
  });

  it('counts photos by month taken, and by town', async () => {
    const t = ok(await api.timeline({}));
    expect(t.months).toEqual([
      { month: '2021-06', photos: 1 },
      { month: '2020-05', photos: 2 },
      { month: '2019-12', photos: 1 },
      { month: '2019-08', photos: 1 },
      { month: '2019-07', photos: 1 },
      { month: '2019-01', photos: 1 },
      { month: '2018-12', photos: 1 },
    ]);
    expect(t.undated).toBe(2);
    // The most photographed towns first, as many as asked for, and the rest by country.
    const first = ok(await api.places({ towns: 1 })).countries.find((c) => c.code === 'FR')!;
    expect([first.towns.length, first.townCount]).toEqual([1, 3]);
    const only = ok(await api.places({ country: 'FR' })).countries;
    expect(only.map((c) => [c.code, c.towns.length, c.townCount])).toEqual([['FR', 3, 3]]);
    expect(await api.places({ country: 'France' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const france = ok(await api.places({})).countries.find((c) => c.code === 'FR')!;
    const orange = france.towns.find((x) => x.name === 'Orange')!;
    const there = ok(await api.browse({ town: orange.id }));
    expect(there.photos.map((p) => p.path.split('/').pop())).toEqual(photos(7));
  });

  it('gathers positions into cells for the map; the box of a cell opens exactly its photos', async () => {
    const cellsOf = (r: { cells: number[] }) =>
      Array.from({ length: r.cells.length / 7 }, (_, i) => r.cells.slice(i * 7, i * 7 + 7));
    const world = cellsOf(ok(await api.mapPoints({ cell: 2 })));
    // Every geotagged photo, the one far out at sea too.
    expect(world.reduce((s, c) => s + c[2]!, 0)).toBe(8);
    for (const [lat, lon, n, south, west, north, east] of world) {
      expect(lat).toBeGreaterThanOrEqual(south!);
      expect(lon).toBeLessThanOrEqual(east!);
      const inside = ok(await api.browse({ within: { south: south!, west: west!, north: north!, east: east! } }));
      expect(inside.photos).toHaveLength(n!);
    }
    // A box holds only its own positions: France's three photos (Paris, Nice, Orange), at a finer cell.
    const france = cellsOf(ok(await api.mapPoints({ cell: 0.01, box: { south: 42, west: -5, north: 51, east: 8 } })));
    expect(france.map((c) => c[2])).toEqual([1, 1, 1]);
    expect(await api.mapPoints({ cell: 0 })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await api.mapPoints({ cell: 1, box: { south: 10, west: 0, north: -10, east: 1 } })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
  });

  it('reads relative dates against today', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    expect(readDates('last summer', now).dates[0]).toMatchObject({ since: '2026-06-01', until: '2026-09-01' });
    expect(readDates('yesterday', now).dates[0]).toMatchObject({ since: '2026-12-05', until: '2026-12-06' });
    expect(readDates('in the 90s', now).dates[0]).toMatchObject({ since: '1990-01-01', until: '2000-01-01' });
    expect(readDates('kids on a red sled', now)).toEqual({ dates: [], rest: 'kids on a red sled', notes: [] });
  });

  it('glimpse places and glimpse search --place/--year/--explain', () => {
    api.close();
    const list = runCli(['places', '--data-dir', dataDir, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((list.json() as { countries: { name: string }[] }).countries.map((c) => c.name)).toContain('Norway');
    const found = runCli([
      'search',
      'snow',
      '--place',
      'Norway',
      '--year',
      '2019',
      '--data-dir',
      dataDir,
      '--model',
      model,
      '--json',
    ]);
    expect(found.code, found.stderr).toBe(0);
    expect(names(found.json() as { results: { path: string }[] })).toEqual(photos(5));
    const explained = runCli(['search', 'beach in Nice 2019', '--explain', '--data-dir', dataDir, '--model', model]);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toContain('place: Nice, France  (from "in Nice")');
    expect(explained.stdout).toContain('date: 2019  (from "2019")');
    api = createEngineApi({ dataDir, embedder, ocr: null, faces: null, sharedCache: null });
  }, 120_000);
});
