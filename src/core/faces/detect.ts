/**
 * Faces in a photo, by BlazeFace. The detector is fully convolutional: at 256 px its anchors are a
 * 16×16 grid of 2 and an 8×8 grid of 6, and an input of any size (a multiple of 32) has the same
 * grids over it. Each detection's box and six landmarks (the eyes, nose, mouth and ears) are
 * decoded against its anchor and mapped back to the photo's pixels; overlapping detections are
 * suppressed.
 */
import sharp from 'sharp';
import type { DetectorHeads, FaceModels } from './models.js';

export const DETECT_SIZE = 256;
/** The least score a face is kept at (chosen on the faces bench, docs/BENCH.md). */
export const FACE_SCORE = 0.6;
const NMS_IOU = 0.3;
const MAX_FACES = 50;

export interface Rgb {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DetectedFace {
  /** x, y, width, height in the photo's pixels. */
  box: [number, number, number, number];
  /** Six points in the photo's pixels: right eye, left eye (as the person sees them), nose, mouth, right ear, left ear. */
  landmarks: [number, number][];
  score: number;
}

const anchorCache = new Map<string, Float32Array>();
/**
 * Anchor centres, in input pixels, in the order of the heads (fine grid, then coarse), for an
 * input of height × width.
 */
function anchors(height: number, width: number): Float32Array {
  const key = `${height}x${width}`;
  const cached = anchorCache.get(key);
  if (cached) return cached;
  const out: number[] = [];
  for (const [stride, per] of [
    [16, 2],
    [32, 6],
  ] as const)
    for (let y = 0; y < height / stride; y++)
      for (let x = 0; x < width / stride; x++)
        for (let n = 0; n < per; n++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  const a = Float32Array.from(out);
  anchorCache.set(key, a);
  return a;
}

/** The detector's input: the photo scaled into `boxW` × `boxH`, centred, and how to map back. */
interface Framed {
  pixels: Float32Array;
  width: number;
  height: number;
  scale: number;
  padX: number;
  padY: number;
}

/**
 * The photo scaled (by libvips, which filters as it shrinks) to fit `boxW` × `boxH` and centred
 * there, as the model's input: x / 127.5 − 0.5 (Human's scaling for this model), the margin 0.
 */
async function frame(img: Rgb, boxW: number, boxH: number): Promise<Framed> {
  const scale = Math.max(img.width / boxW, img.height / boxH);
  const w = Math.max(1, Math.min(boxW, Math.round(img.width / scale)));
  const h = Math.max(1, Math.min(boxH, Math.round(img.height / scale)));
  const padX = Math.floor((boxW - w) / 2);
  const padY = Math.floor((boxH - h) / 2);
  const small = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(w, h, { fit: 'fill' })
    .raw()
    .toBuffer();
  const pixels = new Float32Array(boxW * boxH * 3);
  for (let y = 0; y < h; y++) {
    const row = ((y + padY) * boxW + padX) * 3;
    for (let i = 0; i < w * 3; i++) pixels[row + i] = small[y * w * 3 + i]! / 127.5 - 0.5;
  }
  return { pixels, width: boxW, height: boxH, scale, padX, padY };
}

/**
 * Whether two boxes are one face: overlapping by NMS_IOU, or the smaller mostly inside the larger
 * (a tile that cut a large face in two sees a part of it as a face).
 */
const sameFace = (a: number[], b: number[]) => {
  const x = Math.max(0, Math.min(a[0]! + a[2]!, b[0]! + b[2]!) - Math.max(a[0]!, b[0]!));
  const y = Math.max(0, Math.min(a[1]! + a[3]!, b[1]! + b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = x * y;
  const areaA = a[2]! * a[3]!;
  const areaB = b[2]! * b[3]!;
  return inter / (areaA + areaB - inter) >= NMS_IOU || inter / Math.min(areaA, areaB) >= 0.5;
};

/**
 * The detail pass sees the photo at most this large (640 × 480): a face a fortieth of a 4:3
 * photo's long side is 16 px there, about the least the detector finds. On the faces bench 768 px
 * finds no more and takes 40% longer; 512 misses half the faces under 28 px of a 1600-px photo.
 * By area, not by side, so a panorama is seen as finely as any photo.
 */
export const DETAIL_PIXELS = 640 * 480;
/** A photo at least this long gets the detail pass: seen whole at 256 px, its faces shrink 2.5×. */
export const DETAIL_FROM = 640;

/**
 * Every face in the photo, most confident first: BlazeFace on the photo seen whole at 256 px (for
 * faces that fill it) and, for a photo at least DETAIL_FROM long, once more at up to DETAIL_PIXELS
 * (for small faces, which at 256 px would be a few pixels); duplicates across the two are
 * suppressed.
 */
export async function findFaces(models: FaceModels, img: Rgb, minScore = FACE_SCORE): Promise<DetectedFace[]> {
  const all = await detectFaces(models, img, minScore);
  const long = Math.max(img.width, img.height);
  if (long >= DETAIL_FROM) {
    const up32 = (v: number) => Math.max(32, Math.ceil(v / 32) * 32);
    const s = Math.min(1, Math.sqrt(DETAIL_PIXELS / (img.width * img.height)));
    const [w, h] = [up32(img.width * s), up32(img.height * s)];
    // Only its small faces: a large one is the whole pass's, at 50 px or more there, and what the
    // detail pass finds that large is as often part of a face filling the photo (the faces test's
    // close-up portraits).
    all.push(...(await detectIn(models, await frame(img, w, h), minScore, DETECT_SIZE / 2)));
  }
  return suppress(all);
}

/** The most confident of overlapping detections, at most MAX_FACES. */
function suppress(found: DetectedFace[]): DetectedFace[] {
  found.sort((p, q) => q.score - p.score);
  const kept: DetectedFace[] = [];
  for (const f of found) {
    if (kept.length >= MAX_FACES) break;
    if (!kept.some((k) => sameFace(k.box, f.box))) kept.push(f);
  }
  return kept;
}

function checkRgb(img: Rgb): void {
  if (img.width < 1 || img.height < 1 || img.data.length !== img.width * img.height * 3)
    throw new Error(`not an RGB image of ${img.width}×${img.height}`);
}

/** The faces BlazeFace finds in the photo seen whole at 256 px, most confident first. */
export async function detectFaces(models: FaceModels, img: Rgb, minScore = FACE_SCORE): Promise<DetectedFace[]> {
  checkRgb(img);
  return suppress(await detectIn(models, await frame(img, DETECT_SIZE, DETECT_SIZE), minScore));
}

/**
 * The detections in one framed input, at least `minScore` and at most `maxWidth` input pixels
 * wide, in the photo's pixels.
 */
async function detectIn(models: FaceModels, f: Framed, minScore: number, maxWidth = Infinity): Promise<DetectedFace[]> {
  const heads: DetectorHeads = await models.detect(f.pixels, 1, f.height, f.width);
  const a = anchors(f.height, f.width);
  const fine = heads.fineScores.length;
  const found: DetectedFace[] = [];
  const back = (x: number, y: number): [number, number] => [(x - f.padX) * f.scale, (y - f.padY) * f.scale];
  for (let i = 0; i < a.length / 2; i++) {
    const logit = i < fine ? heads.fineScores[i]! : heads.coarseScores[i - fine]!;
    const score = 1 / (1 + Math.exp(-logit));
    if (score < minScore) continue;
    const r =
      i < fine
        ? heads.fineBoxes.subarray(i * 16, i * 16 + 16)
        : heads.coarseBoxes.subarray((i - fine) * 16, (i - fine) * 16 + 16);
    if (r[2]! > maxWidth) continue;
    const ax = a[2 * i]!;
    const ay = a[2 * i + 1]!;
    const [cx, cy] = [r[0]! + ax, r[1]! + ay];
    const [x0, y0] = back(cx - r[2]! / 2, cy - r[3]! / 2);
    const landmarks = Array.from({ length: 6 }, (_, k) => back(r[4 + 2 * k]! + ax, r[5 + 2 * k]! + ay));
    found.push({ box: [x0, y0, r[2]! * f.scale, r[3]! * f.scale], landmarks, score });
  }
  return found;
}
