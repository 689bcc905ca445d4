/**
 * The core's implementation of the API contract: validates each input with the contract's zod
 * schema, runs it on the app (Glimpse) or as a training job, and returns errors as data. Front ends call only this.
 * Long work runs as jobs (listed by `jobs`, cancelled by `cancelJob` from any front end).
 */
import type {
  GlimpseApi,
  MethodName,
  Outputs,
  CallOptions,
  ParsedInput,
  FinetuneOutput,
} from '../../shared/contract.js';
import { apiFrom, parseInput } from '../../shared/contract.js';
import { GlimpseError, toResult } from '../base/errors.js';
import { initBackend } from '../runtime/tf/backend.js';
import { evaluateCommand, finetuneCommand, finetuneOn, trainCommand } from './training.js';
import { fromImageCaptions } from '../vse/data/dataset.js';
import { SkipReport } from '../vse/data/skips.js';
import { Glimpse, type GlimpseDeps } from './glimpse.js';
import { ModelStore } from './models.js';
import { Jobs } from './jobs.js';
import { explainStorage, readOnlyError } from './storage-errors.js';
import { defaultDataDir, defaultModelDir } from './paths.js';
import { FolderWatching } from './watching.js';
import { importClipFolder, importVseppRun } from './import-models.js';
import { isClipModel } from '../interop/clip-bundle.js';
import { basename, resolve } from 'node:path';
import type { WatchOptions } from '../indexing/watch.js';

type Handlers = { [K in MethodName]: (input: ParsedInput<K>, opts: CallOptions) => Promise<Outputs[K]> };

export interface EngineApi extends GlimpseApi {
  /** Cancels running jobs, stops watching and releases the library database and the loaded model. */
  close(): void;
}

export interface ApiDeps extends Partial<GlimpseDeps> {
  /**
   * Watch the library's folders and index what changes on disk (the long-lived front ends: the
   * desktop app and web mode; not the one-shot CLI). Options tune the debounce and the fallback.
   */
  watch?: boolean | WatchOptions;
}

export function createEngineApi(deps: ApiDeps = {}): EngineApi {
  const dataDir = deps.dataDir ?? defaultDataDir();
  const app = new Glimpse({ ...deps, dataDir });
  const models = new ModelStore(dataDir);
  // A background job's failure is explained as a call's is: a full disk names the data folder.
  const jobs = new Jobs((err) => explainStorage(err, dataDir, 'finish this'));

  const indexSummary = (s: Outputs['index']) =>
    `${s.indexed} indexed, ${s.moved} moved, ${s.removed} removed, ${s.reembedded} re-embedded, ${s.failed} failed`;
  const watching = deps.watch
    ? new FolderWatching(app, jobs, { ...(deps.watch === true ? {} : deps.watch), ignore: dataDir }, indexSummary)
    : null;
  /** Passes a result through, after the watcher has followed a change of roots. */
  const rootsChanged = async <T>(v: T): Promise<T> => {
    await watching?.sync();
    return v;
  };
  void watching?.sync();
  // Album labels and the user's captions join the caption bank: re-caption in the background.
  // Edits in a row make one job: an edit while it runs asks it for one more pass, not a new job.
  let captionJob: { again: boolean } | null = null;
  const recaption = <T>(v: T): T => {
    if (captionJob) {
      captionJob.again = true;
      return v;
    }
    const job = { again: false };
    captionJob = job;
    const id = jobs.start(
      'captions',
      'Refreshing captions',
      async (ctx) => {
        let n = 0;
        try {
          do {
            job.again = false;
            n += await app.refreshCaptions({
              signal: ctx.signal,
              onProgress: (p) => ctx.onProgress(p),
            });
          } while (job.again && !ctx.signal.aborted);
        } finally {
          captionJob = null;
        }
        // An edit that changed no photo's captions (an album without a label yet) is not news.
        if (n === 0 && !ctx.signal.aborted) setImmediate(() => jobs.forget(id));
        return n;
      },
      (n) => `${n} photos re-captioned`,
    );
    return v;
  };
  /** Swapping the model (null: back to the shipped default) waits for indexing, which holds the old one. */
  const adopt = async (dir: string | null): Promise<{ model: string; reembedJob: string | null }> => {
    if (jobs.running('index').length || jobs.running('captions').length)
      throw new GlimpseError(
        'unavailable',
        'indexing is running: wait for it to finish or cancel it, then change the model',
      );
    // Nothing is swapped, and no re-embedding starts, where nothing could be saved.
    if (app.readOnly()) throw readOnlyError(dataDir, 'change the model');
    const roots = (await app.settings()).roots;
    // The id the library's vectors carry now: search keeps using them until the switch is done.
    const fromId = roots.length ? await app.currentModelId().catch(() => null) : null;
    const { id: model, previous } = dir === null ? models.useDefault() : await models.adopt(dir);
    app.afterSwap(previous);
    if (fromId) app.beginSwitch(previous, fromId);
    return { model, reembedJob: roots.length ? reembed() : null };
  };
  /** Re-embeds for a switch; cancelling it puts the previous model back (nothing is lost: adopting
   * the new one again resumes where this stopped). */
  const reembed = (): string =>
    jobs.start(
      'index',
      'Re-embedding the library with the new model',
      async (ctx) => {
        try {
          return await app.index({ folders: [] }, ctx);
        } finally {
          const s = ctx.signal.aborted ? app.switching() : null;
          if (s) {
            models.reinstate(s.fromDir);
            app.endSwitch();
            app.reset();
          }
        }
      },
      indexSummary,
    );
  /** An import as a job: the model is written as a candidate, then adopted. */
  const importJob = (title: string, phase: string, write: () => Promise<string>, o: CallOptions) =>
    jobs.run(
      'import',
      title,
      async (ctx) => {
        ctx.onProgress({ phase, done: 0, total: 0, eta: null });
        const adopted = await adopt(await write());
        // The candidate became the current model (moved, not copied).
        return { ...adopted, path: models.currentDir };
      },
      o,
      (r) => `now using ${r.model}`,
    );
  const finetuneSummary = (r: FinetuneOutput) =>
    r.after && r.gain
      ? `rsum ${r.before.rsum.toFixed(1)} → ${r.after.rsum.toFixed(1)} on ${r.heldOutImages} held-out photos (95% interval of the gain ${r.gain.low.toFixed(1)} to ${r.gain.high.toFixed(1)}${r.gain.distinguishable ? '' : ': not distinguishable from no change'})`
      : r.status;

  const handlers: Handlers = {
    backend: async () => {
      const b = await initBackend();
      return { backend: b.name, gpu: b.gpu, skipped: b.skipped };
    },
    train: (i, o) =>
      jobs.run(
        'train',
        `Training ${i.out}`,
        (ctx) => trainCommand(i, ctx),
        o,
        (r) => `${r.status}, best rsum ${r.best.rsum.toFixed(1)}`,
      ),
    evaluate: evaluateCommand,
    finetune: (i, o) =>
      jobs.run('finetune', `Fine-tuning on ${i.data}`, (ctx) => finetuneCommand(i, ctx), o, finetuneSummary),
    finetuneAlbums: async (i, o) => {
      if (isClipModel(defaultModelDir(dataDir)))
        throw new GlimpseError(
          'unavailable',
          'the current model is an imported CLIP model, which Glimpse cannot fine-tune: go back to a Glimpse model (Model screen) to fine-tune on albums',
        );
      const { names, pairs } = app.trainingPairs(i.albums);
      const files = (keys: (string | number)[]) => ({ kind: 'files' as const, paths: keys as string[] });
      const out = models.newCandidateDir('finetuned');
      const model = defaultModelDir(dataDir);
      return jobs.run(
        'finetune',
        `Fine-tuning on ${names.join(', ')}`,
        (ctx) =>
          finetuneOn(
            { ...i, model, out, data: `albums ${names.join(', ')}` },
            () => fromImageCaptions(`albums: ${names.join(', ')}`, 'all', pairs, new SkipReport(), files),
            ctx,
            () => {
              const others = app.libraryQueryPairs(i.albums);
              return others && fromImageCaptions('other library searches', 'all', others, new SkipReport(), files);
            },
          ),
        o,
        finetuneSummary,
      );
    },
    index: (i, o) =>
      jobs
        .run(
          'index',
          i.folders.length ? `Indexing ${i.folders.join(', ')}` : 'Indexing the library',
          (ctx) => app.index(i, ctx),
          o,
          indexSummary,
        )
        .then(i.folders.length ? rootsChanged : (v) => v),
    search: (i) => app.search(i),
    similar: (i) => app.similar(i),
    caption: (i) => app.caption(i),
    ocr: (i) => app.ocr(i),
    status: async (i) => ({ ...(await app.status(i)), watching: watching?.describe() ?? 'off' }),
    removeRoot: async (i) => rootsChanged(await app.removeRoot(i)),
    folderUserData: (i) => app.folderUserData(i),
    rebuildIndex: () => {
      for (const j of jobs.running()) jobs.cancel(j.id);
      return app.rebuildIndex().then(rootsChanged);
    },
    browse: (i) => app.browse(i),
    photo: (i) => app.photo(i),
    albums: () => app.albums(),
    createAlbum: async (i) => recaption(await app.createAlbum(i)),
    updateAlbum: async (i) => recaption(await app.updateAlbum(i)),
    deleteAlbum: async (i) => recaption(await app.deleteAlbum(i)),
    addToAlbum: (i) => app.addToAlbum(i),
    removeFromAlbum: (i) => app.removeFromAlbum(i),
    setCaption: async (i) => recaption(await app.setCaption(i)),
    model: async () => models.info(await initBackend()),
    adoptModel: (i) => adopt(i.path),
    importModel: (i) => adopt(i.path),
    importOnnx: (i, o) =>
      importJob(
        `Importing ${basename(i.path)}`,
        'checking and copying the model',
        async () => importClipFolder(models, i),
        o,
      ),
    importVsepp: (i, o) =>
      importJob(
        `Importing ${basename(i.checkpoint)}`,
        'reading the released model',
        () => importVseppRun(models, i),
        o,
      ),
    discardModel: async (i) => {
      const s = app.switching();
      if (s && resolve(s.fromDir) === resolve(i.path))
        throw new GlimpseError(
          'unavailable',
          `${i.path}: search still answers with this model while the library is re-embedded; discard it once that is done`,
        );
      return { discarded: models.discard(i.path) };
    },
    revertModel: () => adopt(null),
    exportModel: async (i) => models.export(i.to),
    jobs: async () => ({ jobs: jobs.list() }),
    cancelJob: async (i) => ({ cancelled: jobs.cancel(i.id) }),
    settings: () => app.settings(),
    updateSettings: (i) => app.updateSettings(i),
    reveal: (i) => app.reveal(i),
    people: async (i) => app.people().list(i),
    updatePerson: async (i) => app.people().update(i),
    mergePeople: async (i) => app.people().merge(i),
    personFaces: async (i) => app.people().personFaces(i),
    assignFace: async (i) => app.people().assign(i),
    setCover: async (i) => app.people().setCover(i),
    places: (input) => app.places(input),
    timeline: () => app.timeline(),
    mapPoints: (input) => app.mapPoints(input),
    regroupPeople: (_i, o) => {
      if (jobs.running('people').length)
        throw new GlimpseError('unavailable', 'faces are being regrouped already: wait for it, or cancel it on Jobs');
      return jobs.run(
        'people',
        'Regrouping faces into people',
        (ctx) =>
          app.people().regroup({
            signal: ctx.signal,
            onProgress: (done, total) => ctx.onProgress({ phase: 'grouping faces', done, total, eta: null }),
          }),
        o,
        (r) => `${r.faces} faces in ${r.people} people`,
      );
    },
  };
  const api = apiFrom(async (name, input, opts = {}) => {
    const parsed = parseInput(name, input);
    if (!parsed.ok) return parsed;
    return toResult(async () => {
      try {
        return await (handlers[name] as (i: unknown, o: CallOptions) => Promise<unknown>)(parsed.value, opts);
      } catch (err) {
        // A write into a read-only data dir (opened read-only: search and browse still work), or
        // onto a full disk.
        throw explainStorage(err, dataDir, name === 'index' ? 'index' : 'save changes');
      }
    });
  });
  return {
    ...api,
    close: () => {
      for (const j of jobs.running()) jobs.cancel(j.id);
      void watching?.close();
      app.close();
    },
  };
}
