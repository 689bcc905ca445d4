/**
 * The `glimpse` command line. Every command speaks the typed API contract, accepts --json and
 * --data-dir, names the tfjs backend it ran on, and exits non-zero with a one-line error.
 */
import { Command, Option, InvalidArgumentError } from 'commander';
import { resolve as resolvePath } from 'node:path';
import { createEngineApi } from '../core/app/api.js';
import { defaultDataDir, defaultModelDir } from '../core/app/paths.js';
import { appRoot } from '../core/base/app-root.js';
import {
  EVIDENCE,
  FINETUNE_LEARNING_RATE,
  type CaptionItem,
  type IndexStages,
  type Evidence,
  type Result,
  type CallOptions,
  type Progress,
  type RecallSummary,
  type Input,
  type Outputs,
} from '../shared/contract.js';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startWebServer } from '../web/server.js';
import { workerApi } from '../web/engine-client.js';
import { cachedRoots } from '../core/transport/roots.js';
import { ProgressView } from './progress.js';
import { addTrainFlags, trainConfig } from './train-flags.js';

/** The model command's flags. */
interface ModelFlags {
  use?: string;
  importVsepp?: string;
  importOnnx?: string;
  vocab?: string;
  name?: string;
}

interface GlobalOpts {
  json?: boolean;
  dataDir?: string;
}

const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`"${v}" is not a number`);
  return n;
};
const int = (v: string): number => {
  const n = num(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${v}" is not a whole number`);
  return n;
};

function withCommon(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout')
    .addOption(
      new Option('--data-dir <dir>', 'Glimpse data folder')
        .env('GLIMPSE_DATA_DIR')
        .default(defaultDataDir(), 'platform user data dir'),
    );
}

/** Non-empty trimmed lines of a text file, or null after reporting why it can't be read. */
function readLines(file: string, opts: GlobalOpts): string[] | null {
  try {
    return readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
  } catch (err) {
    finish({ ok: false, error: { code: 'not-found', message: `${file}: ${(err as Error).message}` } }, opts, () => []);
    return null;
  }
}

/** Prints a result and sets the exit code; human output always names the backend. */
function finish<T extends object>(res: Result<T>, opts: GlobalOpts, human: (v: T) => string[]): void {
  if (!res.ok) {
    if (opts.json) process.stdout.write(JSON.stringify({ ok: false, error: res.error }) + '\n');
    process.stderr.write(`glimpse: ${res.error.message}\n`);
    process.exitCode = res.error.code === 'cancelled' ? 130 : 1;
    return;
  }
  if (opts.json) process.stdout.write(JSON.stringify(res.value) + '\n');
  else {
    const backend = (res.value as { backend?: string }).backend;
    process.stdout.write([...(backend ? [`backend: ${backend}`] : []), ...human(res.value)].join('\n') + '\n');
  }
}

function recallLines(m: RecallSummary): string[] {
  const f = (x: number) => x.toFixed(1);
  return [
    `i2t: R@1 ${f(m.i2t.r1)}  R@5 ${f(m.i2t.r5)}  R@10 ${f(m.i2t.r10)}  medr ${m.i2t.medr}  meanr ${f(m.i2t.meanr)}`,
    `t2i: R@1 ${f(m.t2i.r1)}  R@5 ${f(m.t2i.r5)}  R@10 ${f(m.t2i.r10)}  medr ${m.t2i.medr}  meanr ${f(m.t2i.meanr)}`,
    `rsum: ${f(m.rsum)}`,
  ];
}

/** Ctrl-C once: stop cleanly (training writes a checkpoint). Twice: quit now. */
function interruptible(): AbortController {
  const ac = new AbortController();
  process.on('SIGINT', () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\nglimpse: stopping after this step (Ctrl-C again to quit now)…\n');
    ac.abort();
  });
  process.on('SIGTERM', () => ac.abort());
  return ac;
}

/** A search's reading of the query, as lines: the filters read from it, and what was left out. */
function readingLines(v: Outputs['search']): string[] {
  return [
    ...v.people.map((p) => `person: ${p.name ?? p.id}`),
    ...v.reading.places.map((p) => `place: ${p.label}  (from "${p.words}")`),
    ...v.reading.dates.map((d) => `date: ${d.label}  (from "${d.words}")`),
    ...v.reading.notes.map((n) => `note: ${n}`),
  ];
}

function progress(opts: GlobalOpts): { onProgress: (p: Progress) => void; stop: () => void } {
  const view = new ProgressView(process.stderr, !opts.json);
  return { onProgress: (p) => view.update(p), stop: () => view.stop() };
}

export function buildProgram(): Command {
  const program = new Command('glimpse')
    .description('Find photos by description and caption them, offline (VSE++).')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(`glimpse: ${str.replace(/^error: /, '').trim()}\n`) });
  const api = (o?: GlobalOpts) => createEngineApi({ dataDir: o?.dataDir });

  withCommon(
    program.command('backend').description('show which tfjs backend runs here and why others were skipped'),
  ).action(async (opts: GlobalOpts) => {
    finish(await api().backend({}), opts, (v) => [
      v.gpu ? 'GPU: yes' : 'GPU: no',
      ...v.skipped.map((s) => `skipped ${s.name}: ${s.reason}`),
    ]);
  });

  const train = withCommon(program.command('train').description('train a VSE++ model and write a bundle'))
    .requiredOption('--data <path>', 'Karpathy JSON, vsepp precomp folder, or image folder with captions')
    .option('--images <dir>', 'images folder for Karpathy JSON')
    .requiredOption('--out <dir>', 'bundle folder to write')
    .option('--backbone <spec>', '"tiny-cnn" or a bundle folder whose image backbone to reuse')
    .option('--resume', 'continue from the checkpoint in --out')
    .option('--float16', 'store weights as float16')
    .option('--name <name>', 'model name for the card');
  addTrainFlags(train).action(async (o: GlobalOpts & Record<string, unknown>, cmd: Command) => {
    const config = trainConfig(cmd);
    const ac = interruptible();
    const p = progress(o);
    const res = await api().train(
      {
        data: o.data as string,
        images: o.images as string | undefined,
        out: o.out as string,
        backbone: o.backbone as string | undefined,
        config,
        resume: Boolean(o.resume),
        float16: Boolean(o.float16),
        ...(o.name ? { name: o.name as string } : {}),
      },
      { signal: ac.signal, onProgress: p.onProgress },
    );
    p.stop();
    if (res.ok && res.value.status === 'interrupted') process.exitCode = 130;
    finish(res, o, (v) =>
      [
        v.status === 'interrupted'
          ? `interrupted at step ${v.steps}: checkpoint saved; continue with --resume`
          : `${v.status}: ${v.steps} steps, ${v.epochs} epochs in ${v.seconds.toFixed(1)} s`,
        v.modelId ? `model ${v.modelId} written to ${v.out}` : '',
        ...(v.best.metrics ? [`best validation (step ${v.best.step}):`, ...recallLines(v.best.metrics)] : []),
        v.skipped.train.total + v.skipped.val.total > 0
          ? `skipped records: ${[...v.skipped.train.reasons, ...v.skipped.val.reasons].map((r) => `${r.reason} x${r.count}`).join(', ')}`
          : '',
        `log: ${v.logPath}`,
      ].filter(Boolean),
    );
  });

  withCommon(program.command('eval').description('evaluate a model bundle: R@1/5/10, medr, meanr, rsum'))
    .requiredOption('--data <path>', 'Karpathy JSON, vsepp precomp folder, or image folder with captions')
    .option('--images <dir>', 'images folder for Karpathy JSON')
    .option('--model <dir>', 'model bundle (default: the current model)')
    .option('--split <name>', 'split to evaluate', 'test')
    .option('--fold5', 'average 5 folds of 1000 images (COCO 1K)')
    .action(
      async (o: GlobalOpts & { data: string; images?: string; model?: string; split: string; fold5?: boolean }) => {
        const ac = interruptible();
        const p = progress(o);
        const res = await api().evaluate(
          {
            data: o.data,
            images: o.images,
            model: o.model ?? defaultModelDir(o.dataDir!),
            split: o.split,
            fold5: Boolean(o.fold5),
          },
          { signal: ac.signal, onProgress: p.onProgress },
        );
        p.stop();
        finish(res, o, (v) => [
          `model ${v.modelId}; split ${v.split}${v.fold5 ? ' (5-fold 1K)' : ''}: ${v.images} images, ${v.captions} captions`,
          ...recallLines(v.metrics),
        ]);
      },
    );

  withCommon(program.command('finetune').description('fine-tune a bundle on your labelled photos; writes a new bundle'))
    .requiredOption('--data <dir>', 'folder of labelled photos (sidecar captions or album folders)')
    .option('--model <dir>', 'bundle to start from (default: the current model)')
    .requiredOption('--out <dir>', 'new bundle folder')
    .option('--epochs <n>', 'most epochs (10)', int)
    .option('--lr <x>', `learning rate (${FINETUNE_LEARNING_RATE})`, num)
    .option('--held-out <x>', 'share of photos held out (0.2)', num)
    .option('--patience <n>', 'epochs without improvement before stopping (3)', int)
    .option('--batch-size <n>', 'batch size (32)', int)
    .option('--seed <n>', 'random seed (0)', int)
    .action(
      async (
        o: GlobalOpts & {
          data: string;
          model?: string;
          out: string;
          epochs?: number;
          lr?: number;
          heldOut?: number;
          patience?: number;
          batchSize?: number;
          seed?: number;
        },
      ) => {
        const ac = interruptible();
        const p = progress(o);
        const res = await api().finetune(
          {
            model: o.model ?? defaultModelDir(o.dataDir!),
            data: o.data,
            out: o.out,
            epochs: o.epochs,
            learningRate: o.lr,
            heldOut: o.heldOut,
            patience: o.patience,
            batchSize: o.batchSize,
            seed: o.seed,
          },
          { signal: ac.signal, onProgress: p.onProgress },
        );
        p.stop();
        finish(res, o, (v) => [
          `${v.status}: ${v.pairs} training pairs, ${v.newWords} new words, ${v.heldOutImages} held-out photos`,
          'before:',
          ...recallLines(v.before),
          ...(v.after ? ['after:', ...recallLines(v.after)] : []),
          v.modelId ? `model ${v.modelId} written to ${v.out}` : 'no new model written',
        ]);
      },
    );

  const filterOptions = (cmd: Command) =>
    cmd
      .option('--since <date>', 'taken on or after (YYYY-MM-DD)')
      .option('--until <date>', 'taken before (YYYY-MM-DD)')
      .option('--folder <dir>', 'only photos under this folder')
      .option('--camera <text>', 'camera make or model contains')
      .option('--has-gps', 'only photos with a location')
      .option('--tag <object>', 'only photos the detector tagged with this object (e.g. dog, "cell phone")')
      .option('--person <name>', 'only photos showing this person (their name, or number from glimpse people)')
      .option('--place <name>', 'only photos taken in this town, region or country (e.g. Paris, Bavaria, Norway)')
      .option('--year <yyyy>', 'only photos taken in this year', int);
  type FilterOpts = {
    place?: string;
    year?: number;
    since?: string;
    until?: string;
    folder?: string;
    camera?: string;
    hasGps?: boolean;
    tag?: string;
    person?: string;
  };
  const filters = (o: FilterOpts) => ({
    since: o.since,
    until: o.until,
    folder: o.folder ? resolvePath(o.folder) : undefined,
    camera: o.camera,
    hasGps: o.hasGps,
    tag: o.tag,
    person: o.person === undefined ? undefined : /^\d+$/.test(o.person) ? Number(o.person) : o.person,
    place: o.place,
    year: o.year,
  });

  withCommon(
    program.command('places').description('the places the photos were taken in: countries, then towns'),
  ).action(async (o: GlobalOpts) => {
    const a = api(o);
    const res = await a.places({});
    a.close();
    finish(res, o, (v) =>
      v.countries.length
        ? v.countries.flatMap((c) => [
            `${c.name}  ${c.photos} photo${c.photos === 1 ? '' : 's'}`,
            ...c.towns.map((t) => `  ${t.name}${t.region ? `, ${t.region}` : ''}  ${t.photos}`),
          ])
        : ['(no photo has a place: none has a GPS position, or none was taken near a town)'],
    );
  });

  withCommon(program.command('index').description('add folders to the library and index their photos'))
    .argument('[folders...]', 'photo folders (none: re-index every library folder)')
    .option('--model <dir>', 'model bundle (default: the current model)')
    .action(async (folders: string[], o: GlobalOpts & { model?: string }) => {
      const ac = interruptible();
      const p = progress(o);
      const a = api(o);
      const res = await a.index(
        { folders: folders.map((f) => resolvePath(f)), model: o.model },
        { signal: ac.signal, onProgress: p.onProgress },
      );
      p.stop();
      a.close();
      finish(res, o, (v) =>
        [
          `images embedded by: ${v.imageRuntime}`,
          `${v.cancelled ? 'cancelled' : 'done'} in ${v.seconds.toFixed(1)} s${stageTimes(v.stages)}: ${v.indexed} indexed, ${v.skipped} unchanged, ${v.moved} moved, ${v.removed} removed, ${v.reembedded} re-embedded, ${v.failed} failed`,
          ...v.failures.slice(0, 20).map((f) => `  failed ${f.reason}: ${f.path}${f.detail ? ` (${f.detail})` : ''}`),
          v.failures.length > 20 ? `  … and ${v.failures.length - 20} more (glimpse status)` : '',
          ...v.warnings.slice(0, 10).map((f) => `  note ${f.reason}: ${f.path}${f.detail ? ` (${f.detail})` : ''}`),
        ].filter(Boolean),
      );
      if (res.ok && res.value.cancelled) process.exitCode = 130;
    });

  filterOptions(withCommon(program.command('search').description('find photos by description')))
    .argument('[text]', 'what to look for')
    .option('--queries <file>', 'one query per line; prints one JSON line per query (with --json)')
    .option('--limit <n>', 'results per query (50)', int)
    .option('--offset <n>', 'skip this many results (paging)', int)
    .option('--min-score <x>', 'relevance cutoff on the semantic score (-1…1)', num)
    .option(
      '--explain',
      'say how the query was read: places, dates and people as filters, and each word mapped to a relative the model knows, or unknown',
    )
    .option(
      '--evidence <kinds>',
      `rank by only some evidence, comma-separated: ${EVIDENCE.join(', ')} (default: all, fused)`,
      (v: string) => {
        const kinds = v.split(',').map((k) => k.trim());
        const bad = kinds.find((k) => !(EVIDENCE as readonly string[]).includes(k));
        if (bad) throw new InvalidArgumentError(`"${bad}" is not one of ${EVIDENCE.join(', ')}`);
        return kinds as Evidence[];
      },
    )
    .option('--model <dir>', 'model bundle (default: the current model)')
    .action(
      async (
        text: string | undefined,
        o: GlobalOpts &
          FilterOpts & {
            queries?: string;
            limit?: number;
            offset?: number;
            minScore?: number;
            model?: string;
            explain?: boolean;
            evidence?: Evidence[];
          },
      ) => {
        const a = api(o);
        const base = {
          limit: o.limit,
          offset: o.offset,
          minScore: o.minScore,
          evidence: o.evidence,
          model: o.model,
          ...filters(o),
        };
        const explain = (v: Outputs['search']) =>
          o.explain
            ? readingLines(v).concat(
                v.words.length
                  ? v.words.map((w) =>
                      w.mapped
                        ? `word "${w.word}": read as "${w.mapped.to}" (${w.mapped.via})`
                        : `word "${w.word}": unknown`,
                    )
                  : ['every word is known to the model'],
              )
            : readingLines(v).filter((l) => l.startsWith('note'));
        const show = (v: Outputs['search']) =>
          explain(v).concat(
            v.results.length
              ? (v.weak ? ['no good match; closest results:'] : []).concat(
                  v.results.map(
                    (r) =>
                      `${r.score.toFixed(3)}${r.keyword ? ' *' : '  '} ${r.path}${r.tag ? `  (tag: ${r.tag})` : ''}${r.text ? `  (text: ${r.text})` : ''}`,
                  ),
                )
              : ['no matches'],
          );
        if (o.queries) {
          const lines = readLines(o.queries, o);
          if (!lines) return;
          for (const query of lines) {
            const res = await a.search({ ...base, query } as Input<'search'>);
            if (!res.ok) {
              finish(res, o, () => []);
              break;
            }
            if (o.json)
              process.stdout.write(
                JSON.stringify({
                  query,
                  backend: res.value.backend,
                  results: res.value.results.map((r) => ({ path: r.path, score: r.score })),
                }) + '\n',
              );
            else
              process.stdout.write(
                [`backend: ${res.value.backend}`, `# ${query}`, ...show(res.value)].join('\n') + '\n',
              );
          }
          a.close();
          return;
        }
        const res = await a.search({ ...base, query: text ?? '' } as Input<'search'>);
        a.close();
        finish(res, o, show);
      },
    );

  filterOptions(withCommon(program.command('similar').description('photos that look like this one')))
    .argument('<photo>', 'an indexed photo')
    .option('--limit <n>', 'results (20)', int)
    .option('--model <dir>', 'model bundle (default: the current model)')
    .action(async (photo: string, o: GlobalOpts & FilterOpts & { limit?: number; model?: string }) => {
      const a = api(o);
      const res = await a.similar({ path: photo, limit: o.limit, model: o.model, ...filters(o) } as Input<'similar'>);
      a.close();
      finish(res, o, (v) =>
        v.results.length ? v.results.map((r) => `${r.score.toFixed(3)} ${r.path}`) : ['no similar photos'],
      );
    });

  withCommon(program.command('caption').description('caption photos by retrieval from the caption bank'))
    .argument('<photos...>', 'photo files (indexed or not)')
    .option('--bank <file>', 'a text file with one caption per line that replaces the bank')
    .option('--limit <n>', 'captions per photo (5)', int)
    .option('--no-tag-rank', "rank bank captions by the model's score alone, not by the photo's detected objects")
    .option('--all', "also list the captions below the model's floor (not shown by default: they are mostly wrong)")
    .option('--model <dir>', 'model bundle (default: the current model)')
    .action(
      async (
        photos: string[],
        o: GlobalOpts & { bank?: string; limit?: number; model?: string; tagRank: boolean; all?: boolean },
      ) => {
        let bank: string[] | undefined;
        if (o.bank) {
          const lines = readLines(o.bank, o);
          if (!lines) return;
          bank = lines;
          if (bank.length === 0) {
            finish(
              { ok: false, error: { code: 'invalid-input', message: `${o.bank}: the caption bank file is empty` } },
              o,
              () => [],
            );
            return;
          }
        }
        const a = api(o);
        const res = await a.caption({
          paths: photos,
          limit: o.limit,
          bank,
          tagRanked: o.tagRank,
          model: o.model,
        } as Input<'caption'>);
        a.close();
        const line = (c: CaptionItem) =>
          `  ${c.score.toFixed(3)} [${c.source}${c.tag ? `, tag: ${c.tag}` : ''}] ${c.text}`;
        finish(res, o, (v) =>
          v.photos.flatMap((p) => {
            const sure = p.captions.filter((c) => c.confident);
            const below = p.captions.filter((c) => !c.confident);
            return [
              p.path,
              ...(sure.length ? sure.map(line) : ['  no confident caption yet']),
              ...(below.length && !o.all
                ? [`  (${below.length} below the model's floor not shown: --all lists them)`]
                : []),
              ...(below.length && o.all ? ["  below the model's floor, best first:", ...below.map(line)] : []),
            ];
          }),
        );
      },
    );

  withCommon(program.command('ocr').description('read the text in photos (PP-OCRv4): lines, boxes, confidences'))
    .argument('<photos...>', 'image files')
    .action(async (paths: string[], o: GlobalOpts) => {
      const a = api(o);
      const res = await a.ocr({ paths: paths.map((p) => resolvePath(p)) });
      a.close();
      finish(res, o, (v) => [
        `ocr model: ${v.model}`,
        ...v.photos.flatMap((p) => [
          p.path,
          ...(p.error ? [`  could not read it: ${p.error}`] : []),
          ...(p.lines.length || p.error ? [] : ['  (no text found)']),
          ...p.lines.map(
            (l) =>
              `  ${l.confidence.toFixed(2)} ${l.text}  [${l.box.map((c) => c.map(Math.round).join(',')).join(' ')}]`,
          ),
        ]),
      ]);
      if (res.ok && res.value.photos.some((p) => p.error)) process.exitCode = 1;
    });

  withCommon(
    program
      .command('people')
      .description('the people found in the photos; --on/--off turns finding faces on or off; name or merge people'),
  )
    .option('--on', 'find faces and group them into people when indexing')
    .option('--off', 'stop finding faces, and delete the faces found (names you gave stay)')
    .option('--name <id> <name...>', 'name a person (an empty name forgets it)')
    .option('--merge <ids...>', 'merge two people: --merge INTO FROM')
    .option('--hide <id>', 'leave a person out of the list (their faces stay theirs)')
    .option('--show <id>', 'list a hidden person again')
    .option('--all', 'list hidden people too')
    .option('--not <face>', 'a face is not the person it is with (the face numbers: --faces ID)')
    .option('--faces <id>', "list a person's faces, with their numbers")
    .option('--regroup', 'group every face into people again (keeps names, merges, moves and hides)')
    .action(
      async (
        o: GlobalOpts & {
          on?: boolean;
          off?: boolean;
          name?: string[];
          merge?: string[];
          hide?: string;
          show?: string;
          all?: boolean;
          not?: string;
          faces?: string;
          regroup?: boolean;
        },
      ) => {
        const a = api(o);
        const id = (v: string | undefined, what: string) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1)
            throw new InvalidArgumentError(`${what}: "${v ?? ''}" is not a person's number`);
          return n;
        };
        try {
          if (o.on || o.off) {
            const r = await a.updateSettings({ faces: !!o.on });
            if (!r.ok) return finish(r, o, () => []);
          }
          if (o.name) {
            const r = await a.updatePerson({ id: id(o.name[0], '--name'), name: o.name.slice(1).join(' ') });
            if (!r.ok) return finish(r, o, () => []);
          }
          if (o.merge) {
            if (o.merge.length !== 2) throw new InvalidArgumentError('--merge takes two people: INTO FROM');
            const r = await a.mergePeople({ into: id(o.merge[0], '--merge'), from: id(o.merge[1], '--merge') });
            if (!r.ok) return finish(r, o, () => []);
          }
          for (const [flag, value, hidden] of [
            ['--hide', o.hide, true],
            ['--show', o.show, false],
          ] as const) {
            if (value === undefined) continue;
            const r = await a.updatePerson({ id: id(value, flag), hidden });
            if (!r.ok) return finish(r, o, () => []);
          }
          if (o.not) {
            const r = await a.assignFace({ face: id(o.not, '--not'), person: null });
            if (!r.ok) return finish(r, o, () => []);
          }
          if (o.regroup) {
            const p = progress(o);
            const r = await a.regroupPeople({}, { signal: interruptible().signal, onProgress: p.onProgress });
            p.stop();
            if (!r.ok) return finish(r, o, () => []);
          }
          if (o.faces)
            return finish(await a.personFaces({ id: id(o.faces, '--faces'), limit: 500 }), o, (v) => [
              `${v.person.name ?? '(unnamed)'}: ${v.person.faces} face${v.person.faces === 1 ? '' : 's'}`,
              ...v.faces.map((f) => `  ${String(f.id).padStart(6)}  ${f.path}`),
            ]);
          finish(await a.people({ hidden: !!o.all }), o, (v) => [
            `faces: ${v.faces ? 'on' : 'off (glimpse people --on, then index)'}`,
            ...(v.people.length ? [] : ['(no people found yet)']),
            ...v.people.map(
              (p) =>
                `  ${String(p.id).padStart(4)}  ${p.name ?? '(unnamed)'}  ${p.photos} photo${p.photos === 1 ? '' : 's'}${p.hidden ? '  (hidden)' : ''}`,
            ),
          ]);
        } catch (err) {
          // A wrong number or count on the command line: its reason, as commander says its own.
          if (!(err instanceof InvalidArgumentError)) throw err;
          process.stderr.write(`glimpse: ${err.message}\n`);
          process.exitCode = 2;
        } finally {
          a.close();
        }
      },
    );

  withCommon(program.command('status').description('library roots, counts, model, backend and failures'))
    .option('--model <dir>', 'model bundle (default: the current model)')
    .action(async (o: GlobalOpts & { model?: string }) => {
      const a = api(o);
      const res = await a.status({ model: o.model });
      a.close();
      finish(res, o, (v) => [
        `model: ${v.model}`,
        `images embedded by: ${v.imageRuntime}`,
        `data dir: ${v.dataDir}`,
        `roots: ${v.roots.length ? v.roots.join(', ') : '(none)'}`,
        `photos: ${v.counts.photos} (${v.counts.embedded} embedded by this model, ${v.counts.stale} waiting, ${v.counts.tagged} with detected objects, ${v.counts.withText} with text), failures: ${v.counts.failures}, notes: ${v.counts.warnings}`,
        `text in photos (OCR): ${v.ocr}`,
        ...(v.switching
          ? [
              `switching models: search answers with ${v.switching.from} until ${v.counts.stale} more photos are re-embedded (glimpse index)`,
            ]
          : []),
        `folder watching: ${v.watching}${v.watching === 'off' ? ' (the app and web mode watch; the CLI indexes on demand)' : ''}`,
        ...v.failures.slice(0, 30).map((f) => `  ${f.severity === 'error' ? 'failed' : 'note'} ${f.reason}: ${f.path}`),
      ]);
    });

  withCommon(program.command('model').description('show the current model and candidates; --use adopts one'))
    .option('--use <dir>', 'adopt a model bundle folder, or "default" to go back to the shipped model')
    .option('--import-onnx <dir>', 'import a CLIP model exported to ONNX (the folder layout Immich uses)')
    .option('--import-vsepp <file>', "import a released VSE++ run's model_best.pth.tar (needs --vocab)")
    .option('--vocab <pkl>', "the run's vocabulary pickle, from the release's vocab.tar")
    .option('--name <name>', 'a name for the imported model')
    .action(async (o: GlobalOpts & ModelFlags) => {
      const a = api(o);
      /** Switching models re-embeds the library: the CLI can't leave that in the background, so now. */
      const adopted = async (res: Result<{ model: string; reembedJob: string | null }>, said: string[]) => {
        const which = o.use === 'default' ? 'the shipped default model' : 'the adopted model';
        finish(res, o, (v) => [...said, `now using ${which} ${v.model}`]);
        if (!res.ok || !res.value.reembedJob) return;
        const p = progress(o);
        const idx = await a.index({ folders: [] }, { onProgress: p.onProgress });
        p.stop();
        if (!idx.ok) finish(idx, o, () => []);
      };
      const imported = async (
        run: (p: CallOptions) => Promise<Result<{ model: string; reembedJob: string | null; path: string }>>,
      ) => {
        const p = progress(o);
        const res = await run({ onProgress: p.onProgress });
        p.stop();
        await adopted(res, res.ok ? [`imported ${res.value.path}`] : []);
      };
      if (o.importOnnx !== undefined) {
        const path = resolvePath(o.importOnnx);
        await imported((c) => a.importOnnx({ path, name: o.name }, c));
      } else if (o.importVsepp !== undefined) {
        if (!o.vocab) {
          const message = "--import-vsepp needs --vocab <pkl> (the run's vocabulary, from vocab.tar)";
          finish({ ok: false, error: { code: 'invalid-input', message } }, o, () => []);
        } else {
          const input = { checkpoint: resolvePath(o.importVsepp), vocab: resolvePath(o.vocab), name: o.name };
          await imported((c) => a.importVsepp(input, c));
        }
      } else if (o.use !== undefined) {
        const res = o.use === 'default' ? await a.revertModel({}) : await a.adoptModel({ path: resolvePath(o.use) });
        await adopted(res, []);
      } else {
        const res = await a.model({});
        finish(res, o, (v) =>
          [
            `model: ${v.name} (${v.builtIn ? 'shipped default' : 'adopted'}, ${v.kind}) ${v.id}`,
            `folder: ${v.dir}`,
            ...v.candidates.map((c) => `candidate: ${c.id} ${c.path} (glimpse model --use ${c.path})`),
            v.builtIn ? '' : 'back to the shipped model: glimpse model --use default',
          ].filter(Boolean),
        );
      }
      a.close();
    });

  withCommon(program.command('remove').description('remove a folder from the library (its photos stay on disk)'))
    .argument('<folder>', 'a library folder')
    .option('--forget', "also delete the albums' hold on its photos and your captions of them")
    .action(async (folder: string, o: GlobalOpts & { forget?: boolean }) => {
      const a = api(o);
      const res = await a.removeRoot({ folder: resolvePath(folder), forget: o.forget === true });
      a.close();
      finish(res, o, (v) => [
        v.removed ? `removed ${resolvePath(folder)}` : `${resolvePath(folder)} was not a library folder`,
        o.forget
          ? `forgot ${v.forgotten.albumPhotos} album membership(s) and ${v.forgotten.captions} caption(s)`
          : 'albums and captions of its photos are kept (they return if the folder is added again; --forget deletes them)',
      ]);
      if (res.ok && !res.value.removed) process.exitCode = 1;
    });

  withCommon(
    program
      .command('rebuild')
      .description(
        'start a new library database (the old file is kept aside), keep your albums and captions, re-index',
      ),
  )
    .option('--no-index', 'only rebuild; index the folders later')
    .action(async (o: GlobalOpts & { index: boolean }) => {
      const ac = interruptible();
      const a = api(o);
      const res = await a.rebuildIndex({});
      finish(res, o, (v) => [
        v.movedAside ? `old database kept as ${v.movedAside}` : 'there was no database; started a new one',
        `carried over from ${v.restoredFrom ?? '(no backup found)'}: ${v.roots.length} folder(s), ${v.albums} album(s) with ${v.albumPhotos} photo(s), ${v.captions} caption(s)`,
      ]);
      if (res.ok && o.index && res.value.roots.length) {
        const p = progress(o);
        const idx = await a.index({ folders: [] }, { signal: ac.signal, onProgress: p.onProgress });
        p.stop();
        finish(idx, o, (v) => [`re-indexed: ${v.indexed} photos, ${v.failed} failed`]);
      }
      a.close();
    });

  withCommon(program.command('serve').description('web mode: the UI and API on 127.0.0.1, behind a per-launch token'))
    .option('--port <n>', 'port (default: any free one)', int)
    .action(async (o: GlobalOpts & { port?: number }) => {
      const staticDir = join(appRoot(), 'out', 'renderer');
      if (!existsSync(join(staticDir, 'index.html'))) {
        finish(
          {
            ok: false,
            error: { code: 'unavailable', message: `the UI is not built (${staticDir}): run npm run build first` },
          },
          o,
          () => [],
        );
        return;
      }
      // The engine runs in a worker thread so this server stays responsive during long jobs.
      const a = workerApi(o.dataDir!);
      try {
        const roots = cachedRoots(() => a.settings({}));
        const web = await startWebServer({ api: a, dataDir: o.dataDir!, staticDir, port: o.port, roots });
        if (o.json) process.stdout.write(JSON.stringify({ url: web.url, port: web.server.address() }) + '\n');
        else process.stdout.write(`Glimpse web mode: ${web.url}\n(only this machine can connect; Ctrl-C stops it)\n`);
        const stop = () => {
          void web
            .close()
            .then(() => a.close())
            .then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (err) {
        await a.close();
        finish(
          { ok: false, error: { code: 'unavailable', message: `could not start web mode: ${(err as Error).message}` } },
          o,
          () => [],
        );
      }
    });

  return program;
}

const isMain = process.argv[1] !== undefined && /[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (isMain) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`glimpse: ${(err as Error).message ?? String(err)}\n`);
      process.exitCode = 1;
    });
}

/** " (model 2.1 s, photos 30.2 s, captions 4.0 s)": where an index run's time went. */
function stageTimes(stages: IndexStages): string {
  const parts = Object.entries(stages)
    .filter(([, s]) => s >= 0.05)
    .map(([k, s]) => `${k} ${s.toFixed(1)} s`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
