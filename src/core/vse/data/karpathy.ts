/**
 * Karpathy-split JSON (dataset_coco.json, dataset_flickr30k.json, dataset_flickr8k.json), streamed
 * record by record so COCO's 140 MB file is never parsed whole.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import StreamJson from 'stream-json';
import PickModule from 'stream-json/filters/Pick.js';
import StreamArrayModule from 'stream-json/streamers/StreamArray.js';
import { SkipReport } from './skips.js';
import { fromImageCaptions, type PairDataset } from './dataset.js';

interface KarpathyImage {
  filepath?: unknown;
  filename?: unknown;
  split?: unknown;
  sentences?: unknown;
}

/** "train" includes COCO's restval, as vsepp does for its main results. */
function inSplit(recordSplit: string, wanted: string): boolean {
  if (wanted === 'all') return true;
  if (wanted === 'train') return recordSplit === 'train' || recordSplit === 'restval';
  return recordSplit === wanted;
}

export async function loadKarpathy(jsonPath: string, imagesDir: string, split: string): Promise<PairDataset> {
  if (!existsSync(jsonPath)) throw new Error(`${jsonPath}: file not found`);
  const skipped = new SkipReport();
  const entries: { image: string; captions: string[] }[] = [];
  // stream.pipeline (not .pipe) so a parse error reaches the loop below instead of stalling it.
  const records = pipeline(
    createReadStream(jsonPath),
    StreamJson.parser(),
    PickModule.pick({ filter: 'images' }),
    StreamArrayModule.streamArray(),
    () => {},
  );
  let sawImages = false;
  try {
    for await (const item of records as AsyncIterable<{ key: number; value: KarpathyImage }>) {
      sawImages = true;
      const rec = item.value;
      const where = `${jsonPath} images[${item.key}]`;
      if (typeof rec !== 'object' || rec === null) {
        skipped.add('not-an-object', where);
        continue;
      }
      if (typeof rec.split !== 'string') {
        skipped.add('missing-split', where);
        continue;
      }
      if (!inSplit(rec.split, split)) continue;
      if (typeof rec.filename !== 'string' || rec.filename === '') {
        skipped.add('missing-filename', where);
        continue;
      }
      if (!Array.isArray(rec.sentences)) {
        skipped.add('missing-sentences', where);
        continue;
      }
      const captions: string[] = [];
      for (const s of rec.sentences as unknown[]) {
        const raw = typeof s === 'object' && s !== null ? (s as { raw?: unknown }).raw : undefined;
        if (typeof raw !== 'string' || raw.trim() === '') skipped.add('empty-caption', where);
        else captions.push(raw.trim());
      }
      if (captions.length === 0) {
        skipped.add('no-captions', where);
        continue;
      }
      const rel = typeof rec.filepath === 'string' && rec.filepath ? join(rec.filepath, rec.filename) : rec.filename;
      const path = existsSync(join(imagesDir, rel)) ? join(imagesDir, rel) : join(imagesDir, rec.filename);
      if (!existsSync(path)) {
        skipped.add('image-not-found', path);
        continue;
      }
      entries.push({ image: path, captions });
    }
  } catch (err) {
    throw new Error(`${jsonPath}: not valid Karpathy-split JSON (${(err as Error).message})`, { cause: err });
  }
  if (!sawImages) throw new Error(`${jsonPath}: no "images" array (is this a Karpathy-split file?)`);
  const ds = fromImageCaptions(`karpathy ${jsonPath} (${split})`, split, entries, skipped, (keys) => ({
    kind: 'files',
    paths: keys as string[],
  }));
  // The paper's protocol (5 captions per image) applies where every image has at least 5.
  return entries.every((e) => e.captions.length >= 5) ? { ...ds, captionsPerImage: 5 } : ds;
}
