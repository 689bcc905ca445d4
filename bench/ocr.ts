/**
 * `npm run bench -- ocr [--images=210] [--photos=16]`: OCR quality and speed.
 * Quality: character error rate and word recall on generated images whose text is known by
 * construction (sharp renders SVG text with the machine's fonts): signs, three-line paragraphs,
 * text turned ±30°, small text, light on dark, text over photo-like backgrounds, heavy JPEG.
 * Chinese sign phrases join when a CJK font is installed (Debian fonts-wqy-microhei).
 * Speed: photos/s indexing 12-MP JPEGs with the shipped model, OCR off and on, in the same run.
 * --det=N reads at another detector size (indexing uses INDEX_DET_SIDE); --real adds the CC0
 * photos that show text, with their ground truth written by hand (test/fixtures/ocr-truth.json).
 */
import sharp from 'sharp';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, copyFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { INDEX_DET_SIDE, OcrEngine, type RgbImage, type TextLine } from '../src/core/ocr/ocr.js';
import { splitJoinedWords } from '../src/core/language/joined-words.js';
import { createEngineApi } from '../src/core/app/api.js';
import { Rng } from '../src/core/base/rng.js';
import { printTable } from '../tools/table.js';
import { makePhotos } from './index-bench.js';

/** Common sign phrases in Chinese (each counted as one word), for the 'chinese' kind. */
const CHINESE = [
  '出口',
  '入口',
  '欢迎光临',
  '停车场',
  '火车站',
  '图书馆',
  '博物馆',
  '营业时间',
  '禁止吸烟',
  '洗手间',
  '咖啡',
  '面包',
];

/** Whether fontconfig has a font for Chinese (Debian: fonts-wqy-microhei); else no Chinese lines. */
function hasCjkFont(): boolean {
  try {
    return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}

const WORDS = `exit open closed bakery station platform invoice total coffee market garden river museum
library parking entrance office school hotel bridge north south ticket window fresh bread
street avenue welcome sale daily menu pizza pasta salad water station public private`.split(/\s+/);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

interface Sample {
  kind: string;
  truth: string[];
  svg: string;
  jpegQuality?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function sample(kind: string, rng: Rng): Sample {
  const words = (n: number) => Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]!);
  const line = () => [...words(2), String(rng.int(900) + 10)].join(' ');
  const W = 800;
  const H = 500;
  const text = (t: string, x: number, y: number, size: number, fill = '#111', extra = '') =>
    `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${size}" fill="${fill}" ${extra}>${esc(t)}</text>`;
  const bg = (fill: string) => `<rect width="${W}" height="${H}" fill="${fill}"/>`;
  switch (kind) {
    case 'sign': {
      const t = line().toUpperCase();
      return {
        kind,
        truth: [t],
        svg:
          bg('#2a5') +
          `<rect x="60" y="170" width="680" height="140" fill="#fd0"/>` +
          // Sized to fit on the sign (bold capitals are about 0.75 em wide): cut-off text has no truth.
          text(t, 90, 265, Math.min(64, Math.floor(620 / (0.75 * t.length))), '#000', 'font-weight="bold"'),
      };
    }
    case 'paragraph': {
      const ls = [line(), line(), line()];
      return { kind, truth: ls, svg: bg('#fff') + ls.map((l, i) => text(l, 60, 150 + i * 70, 40)).join('') };
    }
    case 'rotated': {
      const t = line();
      const angle = rng.int(61) - 30;
      return {
        kind,
        truth: [t],
        svg: bg('#eef') + text(t, 400, 260, 48, '#111', `text-anchor="middle" transform="rotate(${angle} 400 250)"`),
      };
    }
    case 'small': {
      const t = line();
      return { kind, truth: [t], svg: bg('#fff') + text(t, 40, 260, 16) };
    }
    case 'light-on-dark': {
      const t = line();
      return { kind, truth: [t], svg: bg('#123') + text(t, 60, 260, 48, '#eee') };
    }
    case 'photo background': {
      const t = line();
      const blobs = Array.from(
        { length: 10 },
        () =>
          `<circle cx="${rng.int(W)}" cy="${rng.int(H)}" r="${40 + rng.int(160)}" fill="rgb(${rng.int(256)},${rng.int(256)},${rng.int(256)})" opacity="0.6"/>`,
      ).join('');
      return {
        kind,
        truth: [t],
        svg:
          bg('#789') +
          blobs +
          `<rect x="40" y="210" width="720" height="70" fill="#fff" opacity="0.85"/>` +
          text(t, 60, 262, 44),
      };
    }
    case 'chinese': {
      const t = [0, 1].map(() => CHINESE[rng.int(CHINESE.length)]!).join(' ');
      return {
        kind,
        truth: [t],
        svg:
          bg('#fff') + `<text x="60" y="260" font-family="WenQuanYi Micro Hei" font-size="56" fill="#111">${t}</text>`,
      };
    }
    default: {
      const t = line();
      return { kind: 'jpeg q25', truth: [t], svg: bg('#fff') + text(t, 60, 260, 44), jpegQuality: 25 };
    }
  }
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

async function render(s: Sample): Promise<RgbImage> {
  let img = sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="500">${s.svg}</svg>`),
  ).removeAlpha();
  if (s.jpegQuality) img = sharp(await img.jpeg({ quality: s.jpegQuality }).toBuffer());
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

async function indexRate(folder: string, ocr: boolean): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'glimpse-bench-ocr-'));
  try {
    const api = createEngineApi({ dataDir, ...(ocr ? {} : { ocr: null }) });
    const t = performance.now();
    const r = await api.index({ folders: [folder] });
    if (!r.ok) throw new Error(r.error.message);
    const s = (performance.now() - t) / 1000;
    api.close();
    return r.value.indexed / s;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchOcr(args: string[]): Promise<void> {
  process.argv.push(...args);
  const n = Number(arg('images', '210'));
  const cjk = hasCjkFont();
  const kinds = [
    'sign',
    'paragraph',
    'rotated',
    'small',
    'light-on-dark',
    'photo background',
    'jpeg',
    ...(cjk ? ['chinese'] : []),
  ];
  const detSide = Number(arg('det', String(INDEX_DET_SIDE)));
  const rng = new Rng(7);
  const ocr = await OcrEngine.open(2, detSide);
  type Tally = {
    chars: number;
    errors: number;
    words: number;
    found: number;
    searchable: number;
    seconds: number;
    n: number;
  };
  const zero = (): Tally => ({ chars: 0, errors: 0, words: 0, found: 0, searchable: 0, seconds: 0, n: 0 });
  const by = new Map<string, Tally>();
  const tally = (kind: string, truthLines: string[], lines: TextLine[], seconds: number) => {
    const got = lines.map((l) => l.text).join(' ');
    const truth = truthLines.join(' ');
    const words = (x: string) => x.replace(/\s+/g, ' ').trim().toLowerCase().split(' ');
    const gotWords = new Set(words(got));
    // What search sees: the lines as read, and with joined words split back apart (splitJoinedWords).
    const searchWords = new Set([...gotWords, ...words(lines.map((l) => splitJoinedWords(l.text)).join(' '))]);
    const truthWords = words(truth);
    const m = by.get(kind) ?? zero();
    // CER over the text with spaces removed: OCR may split a line into word boxes, or drop spaces.
    m.chars += truth.replace(/\s+/g, '').length;
    m.errors += editDistance(got.replace(/\s+/g, ''), truth.replace(/\s+/g, ''));
    m.words += truthWords.length;
    // Chinese has no spaces to split on: a phrase counts when the text holds it.
    const compact = got.replace(/\s+/g, '');
    const has = (set: Set<string>) => (w: string) => (kind === 'chinese' ? compact.includes(w) : set.has(w));
    m.found += truthWords.filter(has(gotWords)).length;
    m.searchable += truthWords.filter(has(searchWords)).length;
    m.seconds += seconds;
    m.n++;
    by.set(kind, m);
  };
  for (let i = 0; i < n; i++) {
    const s = sample(kinds[i % kinds.length]!, rng);
    const img = await render(s);
    const t = performance.now();
    const lines = await ocr.read(img);
    tally(s.kind, s.truth, lines, (performance.now() - t) / 1000);
  }
  // Real photos with text (scikit-image, CC0), transcribed by hand; reported apart from the generated set.
  const real = new Map<string, Tally>();
  if (process.argv.includes('--real')) {
    const truth = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'ocr-truth.json'), 'utf8')) as {
      photos: Record<string, string[]>;
    };
    for (const [file, lines] of Object.entries(truth.photos)) {
      const path = join(SKIMAGE_DATA, file);
      if (!existsSync(path)) throw new Error(`${path}: missing (apt install python3-skimage)`);
      const t = performance.now();
      const got = await ocr.readFile(path);
      tally(`real: ${file}`, lines, got, (performance.now() - t) / 1000);
      real.set(`real: ${file}`, by.get(`real: ${file}`)!);
      by.delete(`real: ${file}`);
    }
  }
  await ocr.dispose();
  const all = [...by.values()].reduce((a, m) => {
    for (const k of Object.keys(a) as (keyof Tally)[]) a[k] += m[k];
    return a;
  }, zero());
  const row = (k: string, m: Tally) => [
    k,
    m.n,
    (100 * m.found) / m.words,
    (100 * m.searchable) / m.words,
    (100 * m.errors) / m.chars,
    m.seconds / m.n,
  ];
  const rows = [...[...by.entries()].map(([k, m]) => row(k, m)), row('all', all)];
  console.log(
    `\nOCR quality on ${n} generated images (PP-OCRv4, detector at ${detSide} px; DejaVu Sans${cjk ? ', WenQuanYi Micro Hei for Chinese' : '; no CJK font here (apt install fonts-wqy-microhei), so no Chinese lines'}):`,
  );
  const head = ['kind', 'images', 'word recall %', 'words search finds %', 'CER % (no spaces)', 's/image'];
  printTable(head, rows);
  if (real.size) {
    console.log(
      '\nOCR quality on CC0 photos with text (scikit-image; ground truth by hand, test/fixtures/ocr-truth.json):',
    );
    printTable(
      head,
      [...real.entries()].map(([k, m]) => row(k, m)),
    );
  }

  const photos = Number(arg('photos', '16'));
  const cache = join(dirname(fileURLToPath(import.meta.url)), '.cache', `photos-12mp-${photos}`);
  await makePhotos(cache, photos, 4000, 3000);
  const folder = mkdtempSync(join(tmpdir(), 'glimpse-bench-ocr-photos-'));
  try {
    for (const f of readdirSync(cache).slice(0, photos)) copyFileSync(join(cache, f), join(folder, f));
    // Off, on, on, off: a machine whose speed drifts during the run favours neither.
    const off1 = await indexRate(folder, false);
    const on1 = await indexRate(folder, true);
    const on2 = await indexRate(folder, true);
    const off2 = await indexRate(folder, false);
    const off = (off1 + off2) / 2;
    const on = (on1 + on2) / 2;
    console.log(`\nindexing ${photos} 12-MP JPEGs with the shipped model (no text in them), off/on/on/off in one run:`);
    printTable(
      ['OCR', 'photos/s', 'ratio'],
      [
        ['off', off, 1],
        ['on', on, on / off],
      ],
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
