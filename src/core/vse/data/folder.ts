/**
 * A plain folder of images: captions come from a sidecar (photo.txt, one caption per line, or
 * photo.json with "captions"/"caption"), or else from the album (sub-folder) the image sits in.
 * Splits are by a hash of the relative path, so they stay stable as files are added.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, relative, extname, basename, dirname, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { SkipReport } from './skips.js';
import { fromImageCaptions, type PairDataset } from './dataset.js';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);
const SIDECAR_EXTENSIONS = new Set(['.txt', '.json']);

/** Fractions of a folder's images in each split, by path hash. */
const SPLIT_BOUNDS = { train: [0, 0.8], val: [0.8, 0.9], test: [0.9, 1], all: [0, 1] } as const;

export function hashUnit(key: string): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

function* walk(dir: string, skipped: SkipReport): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    skipped.add('unreadable-folder', `${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p, skipped);
    else if (e.isFile()) yield p;
  }
}

export function readSidecar(imagePath: string, skipped: SkipReport): string[] | null {
  const stem = imagePath.slice(0, -extname(imagePath).length);
  const txt = `${stem}.txt`;
  const json = `${stem}.json`;
  if (existsSync(txt)) {
    const lines = readFileSync(txt, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    if (lines.length === 0) skipped.add('empty-sidecar', txt);
    return lines;
  }
  if (existsSync(json)) {
    try {
      const v = JSON.parse(readFileSync(json, 'utf8')) as unknown;
      const list = Array.isArray(v)
        ? v
        : typeof v === 'object' && v !== null
          ? ((v as { captions?: unknown }).captions ?? [(v as { caption?: unknown }).caption])
          : [];
      const caps = (Array.isArray(list) ? list : [])
        .filter((c): c is string => typeof c === 'string' && c.trim() !== '')
        .map((c) => c.trim());
      if (caps.length === 0) skipped.add('empty-sidecar', json);
      return caps;
    } catch {
      skipped.add('bad-sidecar-json', json);
      return [];
    }
  }
  return null;
}

/** The album label: the name of the folder an image sits in, when that is not the root itself. */
export function albumLabel(root: string, imagePath: string): string | null {
  const rel = relative(root, dirname(imagePath));
  if (rel === '' || rel.startsWith('..')) return null;
  return basename(rel.split(sep).join('/')).replace(/[_-]+/g, ' ').trim() || null;
}

export function loadFolder(root: string, split: string): PairDataset {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root}: not a folder`);
  const bounds = SPLIT_BOUNDS[split as keyof typeof SPLIT_BOUNDS];
  if (!bounds) throw new Error(`unknown split "${split}" for a folder (use ${Object.keys(SPLIT_BOUNDS).join(', ')})`);
  const skipped = new SkipReport();
  const entries: { image: string; captions: string[] }[] = [];
  for (const file of walk(root, skipped)) {
    const ext = extname(file).toLowerCase();
    if (SIDECAR_EXTENSIONS.has(ext)) continue;
    if (!IMAGE_EXTENSIONS.has(ext)) {
      skipped.add('not-an-image', file);
      continue;
    }
    const u = hashUnit(relative(root, file));
    if (u < bounds[0] || u >= bounds[1]) continue;
    const side = readSidecar(file, skipped);
    const captions = side ?? [albumLabel(root, file)].filter((c): c is string => c !== null);
    if (side === null && captions.length === 0) {
      skipped.add('no-caption', file);
      continue;
    }
    if (captions.length === 0) continue; // already reported as an empty or bad sidecar
    entries.push({ image: file, captions });
  }
  return fromImageCaptions(`folder ${root} (${split})`, split, entries, skipped, (keys) => ({
    kind: 'files',
    paths: keys as string[],
  }));
}
