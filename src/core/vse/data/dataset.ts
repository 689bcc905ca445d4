/**
 * The image–caption pair datasets VSE++ trains and evaluates on, whatever their source.
 * Captions are kept in memory (small); images stay on disk as files or precomputed feature rows.
 */
import type { FeatureMatrix } from './npy.js';
import type { SkipReport } from './skips.js';

/**
 * Features of randomly augmented copies of the images (random resized crop + flip, computed once
 * by the frozen backbone): views[v] holds the row of view v of each image in `matrix`, or -1.
 * Training with `augment` draws one view per image per batch, as on-the-fly augmentation would.
 */
export interface FeatureViews {
  matrix: FeatureMatrix;
  views: Int32Array[];
}

export type ImageSource =
  | {
      kind: 'features';
      matrix: FeatureMatrix;
      /** feature row of each image */ rows: Int32Array;
      augmented?: FeatureViews;
    }
  | { kind: 'files'; paths: string[] };

export interface PairDataset {
  /** Where it came from, for logs and model cards. */
  description: string;
  split: string;
  numImages: number;
  images: ImageSource;
  captions: string[];
  /** Image index of each caption. */
  captionImage: Int32Array;
  skipped: SkipReport;
  /** Set where the source promises a fixed count (Karpathy, precomp: 5), as the paper's eval needs. */
  captionsPerImage?: number;
}

/** Builds a dataset from per-image caption lists, dropping images left with no caption. */
export function fromImageCaptions(
  description: string,
  split: string,
  entries: { image: string | number; captions: string[] }[],
  skipped: SkipReport,
  images: (keys: (string | number)[]) => ImageSource,
): PairDataset {
  const captions: string[] = [];
  const captionImage: number[] = [];
  const keys: (string | number)[] = [];
  for (const e of entries) {
    if (e.captions.length === 0) continue;
    for (const c of e.captions) {
      captions.push(c);
      captionImage.push(keys.length);
    }
    keys.push(e.image);
  }
  return {
    description,
    split,
    numImages: keys.length,
    images: images(keys),
    captions,
    captionImage: Int32Array.from(captionImage),
    skipped,
  };
}

/**
 * The first `perImage` captions of each image that has that many: the layout the paper's
 * evaluation (and fold5) expects. Images with fewer are reported, not silently dropped.
 */
export function fixedCaptionsPerImage(
  ds: PairDataset,
  perImage: number,
): { imageIndex: number[]; captionIndex: number[]; dropped: number } {
  const byImage: number[][] = Array.from({ length: ds.numImages }, () => []);
  ds.captionImage.forEach((im, c) => byImage[im]!.push(c));
  const imageIndex: number[] = [];
  const captionIndex: number[] = [];
  let dropped = 0;
  byImage.forEach((caps, im) => {
    if (caps.length < perImage) {
      dropped++;
      ds.skipped.add(`fewer-than-${perImage}-captions`, `image ${im}`);
      return;
    }
    imageIndex.push(im);
    captionIndex.push(...caps.slice(0, perImage));
  });
  return { imageIndex, captionIndex, dropped };
}

/** A view of some images (and the given captions of theirs), renumbered densely. */
export function subsetDataset(
  ds: PairDataset,
  imageIndex: number[],
  captionIndex: number[],
  split: string,
): PairDataset {
  const newIndex = new Map(imageIndex.map((im, i) => [im, i]));
  const caps = captionIndex.filter((c) => newIndex.has(ds.captionImage[c]!));
  const images: ImageSource =
    ds.images.kind === 'files'
      ? { kind: 'files', paths: imageIndex.map((i) => (ds.images as { paths: string[] }).paths[i]!) }
      : subsetFeatures(ds.images, imageIndex);
  return {
    description: `${ds.description} [${split}: ${imageIndex.length} images]`,
    split,
    numImages: imageIndex.length,
    images,
    captions: caps.map((c) => ds.captions[c]!),
    captionImage: Int32Array.from(caps, (c) => newIndex.get(ds.captionImage[c]!)!),
    skipped: ds.skipped,
    captionsPerImage: ds.captionsPerImage,
  };
}

function subsetFeatures(src: Extract<ImageSource, { kind: 'features' }>, imageIndex: number[]): ImageSource {
  const pick = (rows: Int32Array) => Int32Array.from(imageIndex, (i) => rows[i]!);
  const augmented = src.augmented && { matrix: src.augmented.matrix, views: src.augmented.views.map(pick) };
  return { kind: 'features', matrix: src.matrix, rows: pick(src.rows), ...(augmented ? { augmented } : {}) };
}
