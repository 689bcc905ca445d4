/**
 * A CLIP folder kept as a Glimpse model: the files it needs, copied, beside `glimpse-model.json`
 * (its kind, an id from the files' hashes, its card) and the caption bank it captions from.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { BUNDLE_LIMITS, readInside, writeFileAtomic } from '../base/files.js';
import { GlimpseError } from '../base/errors.js';
import { ModelCardSchema, type ModelCard } from '../vse/bundle.js';
import { clipGraphFiles, readClipFolder, type ClipFolder } from './clip-folder.js';

export const CLIP_MANIFEST = 'glimpse-model.json';
export const CLIP_FORMAT = 'glimpse-onnx-clip';

export const ClipManifestSchema = z.object({
  format: z.literal(CLIP_FORMAT),
  formatVersion: z.literal(1),
  id: z.string().min(1),
  createdAt: z.string(),
  files: z.array(z.string()),
  card: ModelCardSchema,
});
export type ClipManifest = z.infer<typeof ClipManifestSchema>;

/** Whether a model folder holds a CLIP model (else a Glimpse VSE bundle, or nothing). */
export function isClipModel(dir: string): boolean {
  try {
    readInside(dir, CLIP_MANIFEST, BUNDLE_LIMITS.json);
    return true;
  } catch {
    return false;
  }
}

export function readClipManifest(dir: string): ClipManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readInside(dir, CLIP_MANIFEST, BUNDLE_LIMITS.json).toString('utf8'));
  } catch (err) {
    throw new GlimpseError('bad-bundle', `${join(dir, CLIP_MANIFEST)}: ${(err as Error).message}`);
  }
  const parsed = ClipManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GlimpseError(
      'bad-bundle',
      `${join(dir, CLIP_MANIFEST)}: invalid at "${issue.path.join('.')}": ${issue.message}`,
    );
  }
  return parsed.data;
}

/** The model's id: a hash of every file it runs on, so changed files are never trusted under it. */
function clipId(dir: string, files: string[], bank: string): string {
  const h = createHash('sha256');
  for (const f of [...files].sort()) h.update(`${f}\n`).update(readInside(dir, f, BUNDLE_LIMITS.weights));
  h.update(bank);
  return `clip-${h.digest('hex').slice(0, 16)}`;
}

/**
 * The full check of a CLIP model folder, for adopting it: its graphs and their external data are
 * inside it (clipGraphFiles), and its manifest lists every one of those files, so the id covers them.
 */
export function checkClipModel(dir: string): void {
  const listed = new Set(readClipManifest(dir).files);
  const missing = clipGraphFiles(dir).filter((f) => !listed.has(f));
  if (missing.length)
    throw new GlimpseError('bad-bundle', `${join(dir, CLIP_MANIFEST)}: does not list ${missing.join(', ')}`);
}

/** Reads a CLIP model (manifest and folder) and checks that its files are the ones its id names. */
export function loadClipModel(dir: string): { manifest: ClipManifest; folder: ClipFolder; captionBank: string[] } {
  const manifest = readClipManifest(dir);
  const folder = readClipFolder(dir);
  const bank = readInside(dir, 'captions.txt', BUNDLE_LIMITS.text).toString('utf8');
  const actual = clipId(dir, manifest.files, bank);
  if (actual !== manifest.id)
    throw new GlimpseError(
      'bad-bundle',
      `${join(dir, CLIP_MANIFEST)}: model id ${manifest.id} does not match its files (${actual}): they changed after import`,
    );
  const captionBank = bank
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return { manifest, folder, captionBank };
}

/**
 * Copies a CLIP folder (read by readClipFolder) to `dest` with its manifest, atomically (a temp
 * folder renamed into place), and returns the manifest. Its graphs are checked on the way.
 */
export function saveClipModel(folder: ClipFolder, dest: string, card: ModelCard, captionBank: string[]): ClipManifest {
  const src = folder.dir;
  const files = clipGraphFiles(src);
  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const f of files) {
      mkdirSync(dirname(join(tmp, f)), { recursive: true });
      cpSync(join(src, f), join(tmp, f), { dereference: true });
    }
    const bank = [...new Set(captionBank.map((c) => c.trim()).filter(Boolean))].join('\n') + '\n';
    writeFileAtomic(join(tmp, 'captions.txt'), bank);
    const manifest: ClipManifest = {
      format: CLIP_FORMAT,
      formatVersion: 1,
      id: clipId(tmp, files, bank),
      createdAt: new Date().toISOString(),
      files,
      card,
    };
    writeFileAtomic(join(tmp, CLIP_MANIFEST), JSON.stringify(manifest, null, 2));
    rmSync(dest, { recursive: true, force: true });
    renameSync(tmp, dest);
    return manifest;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
