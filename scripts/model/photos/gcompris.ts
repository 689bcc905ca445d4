/**
 * The photographs inside Debian's gcompris-qt-data, with their text and licence.
 *   - Photos live in Qt resource files (share/gcompris-qt/rcc/*.rcc, read by rcc.ts).
 *   - Each photo is credited in a README beside it ("Copyright:", "Source:", "License:",
 *     "Files:" blocks). Only CC0, public-domain, CC-BY and CC-BY-SA credits are kept; a photo
 *     with no credit is left out.
 *   - Text: the activity's own title and description of the photo (explore_* boards), the
 *     categorisation activity's category, and the photo's label (its file stem in words).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { readRcc, type RccFile } from './rcc.js';

export const GCOMPRIS_RCC = '/usr/share/gcompris-qt/rcc';

export interface SourcePhoto {
  /** Where it came from, for the credit and the keyword baseline (never shown to the model). */
  origin: string;
  data: Buffer;
  ext: string;
  captions: string[];
  /** The concept it belongs to: splits keep a concept on one side. */
  concept: string;
  licence: string;
  credit: string;
}

/** Licences whose photos may be trained into the shipped model. */
export function allowedLicence(raw: string): string | null {
  const l = raw.trim().toLowerCase().replace(/_/g, '-');
  if (/^(public domain|pd|cc0)/.test(l)) return l.startsWith('cc0') ? 'CC0-1.0' : 'public domain';
  const m = /^cc[- ]by(-sa)?[- ]?(\d\.\d)?/.exec(l);
  if (m && !/nc|nd/.test(l)) return `CC-BY${m[1] ? '-SA' : ''}${m[2] ? `-${m[2]}` : ''}`;
  return null;
}

interface Credit {
  licence: string;
  credit: string;
}

/** Parses one README's credit blocks into file (path relative to the README) → credit. */
export function parseCredits(text: string): Map<string, Credit> {
  const out = new Map<string, Credit>();
  for (const block of text.split(/\n\s*\n/)) {
    const authors: string[] = [];
    let licence: string | null = null;
    let source = '';
    const files: string[] = [];
    let inFiles = false;
    for (const line of block.split('\n')) {
      const field = /^([A-Za-z]+):\s*(.*)$/.exec(line);
      if (field) {
        const [, key, value] = field as unknown as [string, string, string];
        inFiles = key === 'Files';
        if (key === 'Copyright' && value) authors.push(value.trim());
        else if (key === 'License') licence = allowedLicence(value);
        else if (key === 'Source') source = value.trim();
        else if (inFiles && value) files.push(...value.trim().split(/\s+/));
      } else if (inFiles && line.trim()) files.push(line.trim());
      else if (!line.startsWith(' ')) inFiles = false;
    }
    if (!licence) continue;
    const credit = `${authors.join('; ') || 'unknown author'}${source ? ` (${source})` : ''}, ${licence}`;
    for (const f of files) out.set(f, { licence, credit });
  }
  return out;
}

/** "measuringTape6" → "measuring tape", "long_nosed_monkey" → "long nosed monkey". */
export function stemWords(stem: string): string {
  return stem
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_\-.]+/g, ' ')
    .replace(/\d+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const CATEGORY: Record<string, string | null> = {
  tools: 'a tool',
  renewable: 'renewable energy',
  fishes: 'a fish',
  monuments: 'a monument',
  others: null,
};

/**
 * Activities whose pictures are photographs of things. Left out: paintings and details
 * (paintings), louis-braille (portraits of one real person), leftright (hands), clickgame
 * (drawn fish), babyshapes and the rest (drawings).
 */
const PHOTO_ACTIVITIES = [
  'categorization',
  'erase',
  'explore_world_animals',
  'explore_farm_animals',
  'explore_monuments',
  'explore_world_music',
  'solar_system',
];

const unquote = (s: string) => s.replace(/\\"/g, '"').replace(/\\n/g, ' ');

/**
 * Title and description per image file name, from the activity's boards: the board object
 * (the braces around the file's name) that names the image holds its "title" and "text".
 */
function boardTexts(files: RccFile[], name: string): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (!/\.(qml|js)$/.test(f.path)) continue;
    const src = f.data.toString('utf8');
    for (let at = src.indexOf(`/${name}"`); at >= 0; at = src.indexOf(`/${name}"`, at + 1)) {
      const object = src.slice(src.lastIndexOf('{', at), src.indexOf('}', at));
      const field = (k: 'title' | 'text') =>
        new RegExp(`"${k}":\\s*qsTr\\("((?:[^"\\\\]|\\\\.)*)"\\)`).exec(object)?.[1];
      const title = field('title');
      const text = field('text');
      if (title) out.push(unquote(title));
      if (text) out.push(unquote(text).split(/(?<=[.!?])\s/)[0]!);
    }
  }
  return out;
}

export function gcomprisPhotos(rccDir = GCOMPRIS_RCC): { photos: SourcePhoto[]; skipped: Record<string, number> } {
  const files = readdirSync(rccDir)
    .filter((f) => f.endsWith('.rcc'))
    .flatMap((f) => readRcc(readFileSync(join(rccDir, f))));
  const credits = new Map<string, Credit>();
  for (const f of files)
    if (/\/readme$/i.test(f.path))
      for (const [rel, c] of parseCredits(f.data.toString('utf8'))) credits.set(posix.join(dirname(f.path), rel), c);
  const skipped = { 'no allowed credit': 0 };
  const photos: SourcePhoto[] = [];
  for (const f of files) {
    const m = /^gcompris\/src\/activities\/([^/]+)\/.*\.(webp|jpe?g|png)$/i.exec(f.path);
    if (!m || !PHOTO_ACTIVITIES.includes(m[1]!)) continue;
    const activity = m[1]!;
    const credit = credits.get(f.path);
    if (!credit) {
      skipped['no allowed credit']++;
      continue;
    }
    const stem = basename(f.path).replace(/\.[^.]+$/, '');
    const label = stemWords(stem);
    const folder = basename(dirname(f.path));
    if (activity === 'categorization' && !(folder in CATEGORY)) continue; // numbers, letters
    const category = activity === 'categorization' ? CATEGORY[folder] : undefined;
    const captions = [
      ...boardTexts(files, basename(f.path)),
      label,
      ...(category && !category.endsWith(label) ? [`${label}, ${category}`] : []),
    ].filter((c) => c.length > 1);
    photos.push({
      origin: `gcompris:${f.path}`,
      data: f.data,
      ext: m[2]!.toLowerCase(),
      captions: [...new Set(captions)],
      concept: `gcompris/${activity === 'categorization' ? folder : activity}/${label}`,
      licence: credit.licence,
      credit: credit.credit,
    });
  }
  return { photos, skipped };
}
