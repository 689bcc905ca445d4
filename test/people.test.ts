/**
 * People in a library: with faces on, indexing finds the faces in each photo and groups them
 * into people as it goes (a new photo joins a person without regrouping the library); the user
 * names and merges people, and their word survives a re-index. The photos are the faces-london
 * fixture's (CC BY 4.0, read where it is), copied under camera names so no file name gives a
 * person away.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { createEngineApi, type EngineApi } from '../src/core/app/api.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import { groupingScores } from '../src/core/faces/group.js';
import { trainTinyModel } from './tiny-model.js';
import { ROOT, cliKilledWhen, describeIf, ok, runCli, tempDir, withRawDb } from './helpers.js';

const PHOTOS = join(ROOT, '..', 'shared', 'fixtures', 'faces-london', 'photos');
const tmp = tempDir();
const folder = join(tmp.dir, 'photos');
const dataDir = join(tmp.dir, 'data');
/** Camera name → who is in it. */
const who = new Map<string, string>();
let embedder: Embedder;
let model: string;

describeIf(existsSync(PHOTOS), `people: no fixture at ${PHOTOS}`)('people', () => {
  let api: EngineApi;
  beforeAll(async () => {
    await initBackend('wasm');
    model = await trainTinyModel(tmp.dir, 0);
    embedder = bundleEmbedder(await loadBundle(model));
    mkdirSync(folder, { recursive: true });
    // Twenty people (both photos each) and the woman photographed on other occasions.
    const files = readdirSync(PHOTOS)
      .sort()
      .filter((f) => /^0(0\d|1\d)_/.test(f) || f.startsWith('lisa'));
    files.forEach((f, i) => {
      const name = `IMG_${String(i + 1).padStart(4, '0')}.jpg`;
      copyFileSync(join(PHOTOS, f), join(folder, name));
      who.set(name, f.replace(/_.*$/, ''));
    });
    api = createEngineApi({ dataDir, embedder, ocr: null, sharedCache: null });
  }, 240_000);
  afterAll(() => {
    api?.close();
    embedder?.dispose();
    tmp.cleanup();
  });

  it('finds nobody while faces are off; then groups the faces into people as it indexes', async () => {
    // On by default; the user can turn them off.
    expect(ok(await api.settings({})).faces).toBe(true);
    expect(ok(await api.updateSettings({ faces: false })).faces).toBe(false);
    ok(await api.index({ folders: [folder] }));
    expect(ok(await api.people({}))).toEqual({ faces: false, people: [] });
    expect(ok(await api.updateSettings({ faces: true })).faces).toBe(true);
    const phases: string[] = [];
    ok(
      await api.index({ folders: [folder] }, { onProgress: (p) => phases.at(-1) !== p.phase && phases.push(p.phase) }),
    );
    expect(phases).toContain('finding faces');
    const people = ok(await api.people({})).people;
    const files = [...who.keys()];
    // Score the grouping: each photo's face, by the person it was put with.
    const personOf = new Map<string, number>();
    for (const p of people) for (const f of await photosOf(p.id)) personOf.set(f, p.id);
    expect(personOf.size).toBe(files.length);
    const byPerson = new Map<number, number[]>();
    files.forEach((f, i) => byPerson.set(personOf.get(f)!, [...(byPerson.get(personOf.get(f)!) ?? []), i]));
    const s = groupingScores(
      [...byPerson.values()],
      files.map((f) => who.get(f)!),
    );
    expect(s.pairPrecision).toBe(1);
    expect(s.f1).toBeGreaterThanOrEqual(0.9);
  }, 300_000);

  it("takes the user's word: names and merges survive a re-index; unknown names are said", async () => {
    const people = ok(await api.people({})).people;
    // The largest group is the woman photographed on eight occasions (BlazeFace and FaceRes
    // find most of her photos one person; the rest of her, if any, is merged below).
    const lisa = people.reduce((a, b) => (b.photos > a.photos ? b : a));
    expect(lisa.photos).toBeGreaterThanOrEqual(3);
    const other = people.find((p) => p.id !== lisa.id)!;
    expect(ok(await api.updatePerson({ id: lisa.id, name: 'Lisa' })).name).toBe('Lisa');
    // A name is one person's: giving it to another is refused with the way out.
    const taken = await api.updatePerson({ id: other.id, name: 'lisa' });
    expect(!taken.ok && taken.error.message).toMatch(/already someone else's name.*merge/);
    // Her photos, by name, as the search filter and the CLI read it.
    const hers = await photosOf('Lisa');
    expect(hers.every((f) => who.get(f) === 'lisa')).toBe(true);
    expect(hers.length).toBe(lisa.photos);
    // Merging another person into her: their photos are hers now, the name stays.
    const merged = ok(await api.mergePeople({ into: lisa.id, from: other.id }));
    expect(merged).toMatchObject({ id: lisa.id, name: 'Lisa', photos: lisa.photos + other.photos });
    expect(ok(await api.people({})).people.some((p) => p.id === other.id)).toBe(false);
    // Hiding someone leaves them out of the list, not out of the library; a re-index keeps it.
    const third = ok(await api.people({})).people.find((p) => p.id !== lisa.id)!;
    expect(ok(await api.updatePerson({ id: third.id, hidden: true })).hidden).toBe(true);
    expect(ok(await api.people({})).people.some((p) => p.id === third.id)).toBe(false);
    expect(ok(await api.people({ hidden: true })).people.find((p) => p.id === third.id)?.hidden).toBe(true);
    const nothing = await api.updatePerson({ id: third.id } as never);
    expect(!nothing.ok && nothing.error.message).toMatch(/nothing to change/);
    // A re-index (nothing new) keeps all of it.
    ok(await api.index({ folders: [folder] }));
    const again = ok(await api.people({})).people.find((p) => p.id === lisa.id)!;
    expect(again).toMatchObject({ name: 'Lisa', photos: lisa.photos + other.photos });
    expect(ok(await api.people({})).people.some((p) => p.id === third.id)).toBe(false);
    // Unknown names and numbers are said, not ignored.
    const nobody = await api.browse({ person: 'Zebedee' });
    expect(!nobody.ok && nobody.error.message).toBe('nobody is named "Zebedee" (glimpse people lists them)');
    const self = await api.mergePeople({ into: lisa.id, from: lisa.id });
    expect(!self.ok && self.error.code).toBe('invalid-input');
    // Her name in the query is read as a filter, and said: "lisa" alone is her photos; "red
    // circle with lisa" ranks her photos by the rest.
    const alone = ok(await api.search({ query: 'lisa' }));
    expect(alone.people).toEqual([{ id: lisa.id, name: 'Lisa' }]);
    expect(alone.results.map((r) => r.path.split('/').pop()!).sort()).toEqual((await photosOf('Lisa')).sort());
    const within = ok(await api.search({ query: 'red circle with Lisa' }));
    expect(within.people.map((p) => p.name)).toEqual(['Lisa']);
    // A search within her photos (the name read without regard to case).
    const now = await photosOf('Lisa');
    const search = ok(await api.search({ query: 'red circle', person: 'lisa' }));
    expect(search.results.length).toBeGreaterThan(0);
    expect(search.results.every((r) => now.includes(r.path.split('/').pop()!))).toBe(true);
  }, 120_000);

  it('moves a face out, names a face, sets a cover, and a regroup undoes none of it', async () => {
    const lisa = ok(await api.people({})).people.find((p) => p.name === 'Lisa')!;
    const faces = ok(await api.personFaces({ id: lisa.id })).faces;
    expect(faces).toHaveLength(lisa.faces);
    expect(faces.every((f) => f.person?.name === 'Lisa' && f.thumb)).toBe(true);
    // Each face has its round crop in the thumbnail cache.
    const crop = faces[0]!.thumb!;
    expect(existsSync(join(dataDir, 'thumbs', crop.slice(0, 2), `${crop}.webp`))).toBe(true);
    // The photo view shows the face, with her name.
    const view = ok(await api.photo({ path: faces[0]!.path }));
    expect(view.faces).toEqual([expect.objectContaining({ id: faces[0]!.id, person: { id: lisa.id, name: 'Lisa' } })]);
    // The cover is the user's choice, and only among her faces.
    const cover = faces.at(-1)!;
    expect(ok(await api.setCover({ id: lisa.id, face: cover.id })).cover).toBe(cover.thumb);
    const stranger = ok(await api.people({})).people.find((p) => p.id !== lisa.id && !p.name)!;
    const [theirs] = ok(await api.personFaces({ id: stranger.id })).faces;
    const wrong = await api.setCover({ id: lisa.id, face: theirs!.id });
    expect(!wrong.ok && wrong.error.message).toMatch(/not one of person/);
    // "Not Lisa": the face leaves her, for a person of its own.
    const out = faces[1]!;
    const moved = ok(await api.assignFace({ face: out.id, person: null }));
    expect(moved.person).toMatchObject({ name: null, photos: 1 });
    expect(moved.face.person?.id).toBe(moved.person.id);
    // "Who is this?" answered with a new name makes a named person of that face.
    const ben = ok(await api.assignFace({ face: theirs!.id, person: 'Ben' }));
    expect(ben.person).toMatchObject({ name: 'Ben' });
    // A re-group is a job with progress; it keeps her faces hers, the moved face out, the cover.
    const phases: string[] = [];
    const r = ok(await api.regroupPeople({}, { onProgress: (p) => phases.push(p.phase) }));
    expect(phases).toContain('grouping faces');
    expect(r.faces).toBe(who.size);
    const after = ok(await api.personFaces({ id: lisa.id }));
    expect(after.person.cover).toBe(cover.thumb);
    const ids = after.faces.map((f) => f.id);
    expect(ids).not.toContain(out.id);
    expect(faces.filter((f) => f !== out).every((f) => ids.includes(f.id))).toBe(true);
    const benNow = ok(await api.people({})).people.find((p) => p.name === 'Ben')!;
    expect(ok(await api.personFaces({ id: benNow.id })).faces.map((f) => f.id)).toContain(theirs!.id);
    // Regrouping never puts two people in one: every person is one person's faces.
    for (const p of ok(await api.people({ hidden: true })).people) {
      const shown = new Set((await photosOf(p.id)).map((f) => who.get(f)));
      if (p.id !== lisa.id) expect(shown.size, `person ${p.id}`).toBe(1);
    }
    // A cancelled re-group changes nothing.
    const stop = new AbortController();
    stop.abort();
    const before = ok(await api.people({ hidden: true }));
    const cancelled = await api.regroupPeople({}, { signal: stop.signal });
    expect(!cancelled.ok && cancelled.error.code).toBe('cancelled');
    expect(ok(await api.people({ hidden: true }))).toEqual(before);
    // The rolling backup holds the names and the verdicts, by photo content and face box.
    const backup = JSON.parse(readFileSync(join(dataDir, 'backups', 'user-data.json'), 'utf8')) as {
      people: { name: string | null; labels: { verdict: string }[] }[];
    };
    const saved = backup.people.find((p) => p.name === 'Lisa')!;
    expect(saved.labels.filter((l) => l.verdict === 'is').length).toBeGreaterThanOrEqual(faces.length - 1);
    expect(saved.labels.some((l) => l.verdict === 'not')).toBe(true);
  }, 120_000);

  it('names survive a model switch, and a folder removed and added back', async () => {
    const lisa = await photosOf('Lisa');
    const people = ok(await api.people({ hidden: true })).people;
    // Another image model: the library re-embeds; faces and people are not the image model's.
    const other = await trainTinyModel(tmp.dir, 1);
    api.close();
    api = createEngineApi({
      dataDir,
      loadEmbedder: async (dir) => bundleEmbedder(await loadBundle(dir)),
      ocr: null,
      sharedCache: null,
    });
    const adopt = async (path: string) => {
      const { reembedJob } = ok(await api.adoptModel({ path }));
      for (;;) {
        const j = ok(await api.jobs({})).jobs.find((x) => x.id === reembedJob)!;
        if (j.state !== 'running') return expect(j.state).toBe('done');
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await adopt(other);
    expect(ok(await api.people({ hidden: true })).people).toEqual(people);
    expect(await photosOf('Lisa')).toEqual(lisa);
    // The folder removed: nobody shows (no photo does); added back: everyone, as they were.
    ok(await api.removeRoot({ folder }));
    expect(ok(await api.people({})).people).toEqual([]);
    ok(await api.index({ folders: [folder] }));
    expect(ok(await api.people({ hidden: true })).people).toEqual(people);
    expect((await photosOf('Lisa')).sort()).toEqual([...lisa].sort());
    // Back to the first model, which the rest of these tests search with.
    await adopt(model);
    api.close();
    api = createEngineApi({ dataDir, embedder, ocr: null, sharedCache: null });
  }, 240_000);

  it('glimpse people lists them; --off deletes the faces but keeps the names', async () => {
    const lisaBefore = await photosOf('Lisa');
    const benBefore = await photosOf('Ben');
    api.close();
    const list = runCli(['people', '--data-dir', dataDir]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/faces: on/);
    expect(list.stdout).toMatch(/^\s+\d+\s+Lisa\s+\d+ photos$/m);
    const lisaId = /^\s+(\d+)\s+Lisa\s/m.exec(list.stdout)![1]!;
    const hers = runCli(['people', '--faces', lisaId, '--data-dir', dataDir, '--json']);
    expect(hers.code, hers.stderr).toBe(0);
    expect((hers.json() as { faces: unknown[] }).faces).toHaveLength(lisaBefore.length);
    const regroup = runCli(['people', '--regroup', '--data-dir', dataDir]);
    expect(regroup.code, regroup.stderr).toBe(0);
    expect(regroup.stdout).toMatch(new RegExp(`^\\s+${lisaId}\\s+Lisa\\s+${lisaBefore.length} photos$`, 'm'));
    const found = runCli([
      'search',
      'red circle',
      '--person',
      'Lisa',
      '--data-dir',
      dataDir,
      '--model',
      model,
      '--json',
    ]);
    expect(found.code, found.stderr).toBe(0);
    expect((found.json() as { results: unknown[] }).results.length).toBeGreaterThan(0);
    const unknown = runCli(['search', 'red circle', '--person', 'Zebedee', '--data-dir', dataDir, '--model', model]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody is named "Zebedee"');
    const bad = runCli(['people', '--merge', '1', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--merge takes two people: INTO FROM');
    const off = runCli(['people', '--off', '--data-dir', dataDir]);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/faces: off/);
    expect(off.stdout).toContain('(no people found yet)');
    api = createEngineApi({ dataDir, embedder, ocr: null, sharedCache: null });
    expect(ok(await api.settings({})).faces).toBe(false);
    // Faces on again: read anew, each face the user placed goes back where they said.
    ok(await api.updateSettings({ faces: true }));
    ok(await api.index({ folders: [folder] }));
    expect((await photosOf('Lisa')).sort()).toEqual(lisaBefore.sort());
    expect(await photosOf('Ben')).toEqual(benBefore);
    ok(await api.updateSettings({ faces: false }));
  }, 240_000);

  it('kill -9 while finding faces: a re-run reads only the photos not yet read, each once', async () => {
    api.close();
    const killData = join(tmp.dir, 'kill-data');
    const on = runCli(['people', '--on', '--data-dir', killData]);
    expect(on.code, on.stderr).toBe(0);
    const reads = () => {
      try {
        return withRawDb(
          killData,
          (db) => (db.prepare('SELECT count(*) AS n FROM face_reads').get() as { n: number }).n,
        );
      } catch {
        return 0;
      }
    };
    const killed = await cliKilledWhen(['index', folder, '--model', model, '--data-dir', killData], () => reads() >= 3);
    expect(killed).toBe(true);
    const before = reads();
    expect(before).toBeLessThan(who.size);
    const again = runCli(['index', folder, '--model', model, '--data-dir', killData, '--json']);
    expect(again.code, again.stderr).toBe(0);
    withRawDb(killData, (db) => {
      expect((db.prepare('SELECT count(*) AS n FROM face_reads').get() as { n: number }).n).toBe(who.size);
      // One face per photo, none twice: the killed photo's work was all or nothing.
      expect((db.prepare('SELECT count(*) AS n FROM faces').get() as { n: number }).n).toBe(who.size);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    });
    api = createEngineApi({ dataDir, embedder, ocr: null, sharedCache: null });
  }, 300_000);

  async function photosOf(person: number | string): Promise<string[]> {
    return ok(await api.browse({ person, limit: 1000 })).photos.map((p) => p.path.split('/').pop()!);
  }
});
