/** vsepp's precomputed-feature layout: {split}_ims.npy + {split}_caps.txt, 5 captions per image. */
import { existsSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { NpyMatrix } from './npy.js';
import { SkipReport } from './skips.js';
import type { PairDataset } from './dataset.js';

/** vsepp names its validation split "dev". */
const SPLIT_FILES: Record<string, string> = {
  train: 'train',
  val: 'dev',
  dev: 'dev',
  test: 'test',
  testall: 'testall',
};

export function isPrecompDir(dir: string, split: string): boolean {
  const base = SPLIT_FILES[split] ?? split;
  return existsSync(join(dir, `${base}_caps.txt`)) || existsSync(join(dir, `${base}_ims.npy`));
}

export async function loadPrecomp(dir: string, split: string, perImage = 5): Promise<PairDataset> {
  const base = SPLIT_FILES[split] ?? split;
  const capsPath = join(dir, `${base}_caps.txt`);
  const imsPath = join(dir, `${base}_ims.npy`);
  for (const p of [capsPath, imsPath])
    if (!existsSync(p)) throw new Error(`${p}: missing (precomp data needs ${base}_caps.txt and ${base}_ims.npy)`);
  const matrix = new NpyMatrix(imsPath);
  const skipped = new SkipReport();
  const lines: string[] = [];
  const rl = createInterface({ input: createReadStream(capsPath, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) lines.push(line);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  // vsepp: either one feature row per image (im_div = 5) or one per caption (rows repeat).
  let numImages: number;
  let rowOf: (i: number) => number;
  if (matrix.rows * perImage === lines.length) {
    numImages = matrix.rows;
    rowOf = (i) => i;
  } else if (matrix.rows === lines.length) {
    numImages = Math.floor(lines.length / perImage);
    rowOf = (i) => i * perImage;
  } else {
    matrix.close();
    throw new Error(
      `${imsPath}: ${matrix.rows} rows do not match ${lines.length} captions in ${capsPath} (want 1 or ${perImage} captions per row)`,
    );
  }
  const captions: string[] = [];
  const captionImage: number[] = [];
  lines.forEach((line, k) => {
    const image = Math.floor(k / perImage);
    if (image >= numImages) return skipped.add('caption-without-image', `${capsPath}:${k + 1}`);
    if (line.trim() === '') return skipped.add('empty-caption', `${capsPath}:${k + 1}`);
    captions.push(line.trim());
    captionImage.push(image);
  });
  return {
    description: `precomp ${dir} (${base})`,
    split,
    numImages,
    images: { kind: 'features', matrix, rows: Int32Array.from({ length: numImages }, (_, i) => rowOf(i)) },
    captions,
    captionImage: Int32Array.from(captionImage),
    skipped,
    captionsPerImage: perImage,
  };
}
