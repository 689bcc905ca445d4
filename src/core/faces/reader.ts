/**
 * What indexing needs of faces: each photo's faces with their descriptors, and whether each is
 * clear enough to group (a tiny face is kept as a face, but not used to form people).
 */
import sharp from 'sharp';
import { loadFaceModels, type FaceModels } from './models.js';
import { findFaces, type DetectedFace, type Rgb } from './detect.js';
import { alignedCrop, describeFaces } from './describe.js';
import { sharpness, yaw } from './quality.js';

/**
 * Photos are read for faces at most this many pixels (1000 × 750): a 12-MP JPEG then decodes at a
 * quarter of its size, three times faster than at half (docs/BENCH.md), and is still larger than
 * the detector's detail pass, so small faces are described from more pixels than they were found
 * in. By area, not by side, so a panorama's people are not a few pixels tall.
 */
const READ_PIXELS = 750_000;
/** Faces narrower than this, as read, are kept but not grouped into people. */
export const MIN_GROUPED_WIDTH = 40;
/**
 * Faces less sharp than this (quality.ts) are kept but not grouped. On the faces bench, studio
 * faces blurred until none joins its person any more (σ 8 px) all fall below it; every face
 * blurred by 3 px or less, which mostly still joins, stays above it.
 */
export const MIN_SHARPNESS = 0.3;

export interface FoundFace extends DetectedFace {
  descriptor: Float32Array;
  /** Large and sharp enough to be grouped into people. */
  groupable: boolean;
  quality: { sharpness: number; yaw: number };
  /** The face and a margin around it, square, CROP_SIDE px, as WebP (the People page's round crops). */
  crop: Buffer;
}

const CROP_SIDE = 160;

/** A square around the face, half its size again, within the photo. */
async function faceCrop(img: Rgb, box: DetectedFace['box']): Promise<Buffer> {
  const side = Math.max(1, Math.min(Math.round(Math.max(box[2], box[3]) * 1.5), img.width, img.height));
  const clamp = (v: number, max: number) => Math.max(0, Math.min(Math.round(v), max));
  const left = clamp(box[0] + box[2] / 2 - side / 2, img.width - side);
  const top = clamp(box[1] + box[3] / 2 - side / 2, img.height - side);
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width: side, height: side })
    .resize(CROP_SIDE, CROP_SIDE)
    .webp({ quality: 80 })
    .toBuffer();
}

export interface FaceReader {
  readonly id: string;
  /**
   * The faces in the photo at `path`. `next`, the photo to be read after it, starts decoding now,
   * so its decode overlaps this photo's models.
   */
  read(path: string, next?: string): Promise<FoundFace[]>;
  dispose(): void;
}

/** The photo's pixels, upright, at most READ_PIXELS, and the factor back to its full size. */
async function readPhoto(path: string): Promise<{ img: Rgb; scale: number }> {
  const image = sharp(path, { limitInputPixels: 2e8, failOn: 'none' }).rotate();
  const meta = await image.metadata();
  const long = Math.max(meta.width ?? 0, meta.height ?? 0);
  // The long side the area allows; the short one follows, whichever way the photo is turned.
  const side = Math.max(
    1,
    Math.round(long * Math.min(1, Math.sqrt(READ_PIXELS / ((meta.width ?? 1) * (meta.height ?? 1))))),
  );
  const { data, info } = await image
    .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  // The long side is the long side whichever way the photo is turned.
  return {
    img: { data: new Uint8Array(data), width: info.width, height: info.height },
    scale: long / Math.max(info.width, info.height),
  };
}

export function faceReader(models: FaceModels): FaceReader {
  let ahead: { path: string; photo: ReturnType<typeof readPhoto> } | null = null;
  return {
    id: models.id,
    async read(path, next) {
      const photo = ahead?.path === path ? ahead.photo : readPhoto(path);
      ahead = next ? { path: next, photo: readPhoto(next) } : null;
      // A photo read ahead may fail (removed meanwhile): its error comes when it is read, not as
      // an unhandled rejection if it never is.
      ahead?.photo.catch(() => undefined);
      const { img, scale } = await photo;
      const faces = await findFaces(models, img);
      const aligned = faces.map((f) => alignedCrop(img, f));
      const descriptors = await describeFaces(models, aligned);
      const crops = await Promise.all(faces.map((f) => faceCrop(img, f.box)));
      // Boxes and landmarks in the photo's own pixels, as the photo view shows them.
      return faces.map((f, i) => {
        const clearness = sharpness(aligned[i]!);
        return {
          box: f.box.map((v) => v * scale) as DetectedFace['box'],
          landmarks: f.landmarks.map(([x, y]) => [x * scale, y * scale] as [number, number]),
          score: f.score,
          descriptor: descriptors[i]!,
          groupable: f.box[2] >= MIN_GROUPED_WIDTH && clearness >= MIN_SHARPNESS,
          quality: { sharpness: clearness, yaw: yaw(f.landmarks) },
          crop: crops[i]!,
        };
      });
    },
    dispose: () => models.dispose(),
  };
}

/**
 * Loads the shipped face models as a reader: on onnxruntime where it loads (its translations
 * cached in `cacheDir`), else on tfjs, which must then be initialised.
 */
export async function openFaceReader(cacheDir?: string | null): Promise<FaceReader> {
  return faceReader(await loadFaceModels({ cacheDir }));
}
