/**
 * Faces in a photo, by BlazeFace (256 px, 896 anchors: a 16×16 grid of 2 and an 8×8 grid of 6).
 * The photo is letterboxed into the square, so faces keep their shape; each detection's box and
 * six landmarks (the eyes, nose, mouth and ears) are decoded against its anchor and mapped back to
 * the photo's pixels; overlapping detections are suppressed.
 */
import * as tf from '@tensorflow/tfjs';

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

let anchorCache: Float32Array | null = null;
/** Anchor centres, in input pixels, in the order the model's outputs are concatenated. */
function anchors(): Float32Array {
  if (anchorCache) return anchorCache;
  const out: number[] = [];
  for (const [stride, per] of [
    [DETECT_SIZE / 16, 2],
    [DETECT_SIZE / 8, 6],
  ] as const) {
    const cells = Math.ceil(DETECT_SIZE / stride);
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++) for (let n = 0; n < per; n++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return (anchorCache = Float32Array.from(out));
}

/** The photo letterboxed into DETECT_SIZE², as the model's input, and how to map back. */
function letterbox(img: Rgb): { input: tf.Tensor4D; scale: number; padX: number; padY: number } {
  const scale = Math.max(img.width, img.height) / DETECT_SIZE;
  const w = Math.round(img.width / scale);
  const h = Math.round(img.height / scale);
  const padX = Math.floor((DETECT_SIZE - w) / 2);
  const padY = Math.floor((DETECT_SIZE - h) / 2);
  const input = tf.tidy(() => {
    const pixels = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat();
    const resized = tf.image.resizeBilinear(pixels, [h, w], true);
    const padded = resized.pad([
      [padY, DETECT_SIZE - h - padY],
      [padX, DETECT_SIZE - w - padX],
      [0, 0],
    ]);
    // Human's scaling for this model: x / 127.5 − 0.5.
    return padded.div(127.5).sub(0.5).expandDims(0) as tf.Tensor4D;
  });
  return { input, scale, padX, padY };
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

/** The part of `img` at x, y of size w × h (a copy). */
function tile(img: Rgb, x: number, y: number, w: number, h: number): Rgb {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++)
    data.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  return { data, width: w, height: h };
}

/** Tiles of a large photo, overlapping by a quarter, each TILE_FRACTION of its long side. */
const TILE_FRACTION = 1 / 3;
/** Below this long side the whole photo is enough: its faces are large enough at 256 px. */
const TILE_FROM = 3 * DETECT_SIZE;

/**
 * Every face in the photo, most confident first: BlazeFace on the whole photo and, for a large
 * one, on overlapping tiles, so a face a tenth of the photo's width is still found (at 256 px for
 * the whole photo it would be a few pixels); duplicates across tiles are suppressed.
 */
export async function findFaces(model: tf.GraphModel, img: Rgb, minScore = FACE_SCORE): Promise<DetectedFace[]> {
  const all = await detectFaces(model, img, minScore);
  const long = Math.max(img.width, img.height);
  if (long >= TILE_FROM) {
    const side = Math.min(Math.round(long * TILE_FRACTION), img.width, img.height);
    const step = Math.round(side * 0.75);
    const starts = (size: number) => {
      const out: number[] = [];
      for (let at = 0; ; at += step) {
        out.push(Math.min(at, size - side));
        if (at + side >= size) break;
      }
      return out;
    };
    for (const y of starts(img.height))
      for (const x of starts(img.width))
        for (const f of await detectFaces(model, tile(img, x, y, side, side), minScore))
          all.push({
            ...f,
            box: [f.box[0] + x, f.box[1] + y, f.box[2], f.box[3]],
            landmarks: f.landmarks.map(([px, py]) => [px + x, py + y] as [number, number]),
          });
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

/** The faces BlazeFace finds in the photo seen whole at 256 px, most confident first. */
export async function detectFaces(model: tf.GraphModel, img: Rgb, minScore = FACE_SCORE): Promise<DetectedFace[]> {
  if (img.width < 1 || img.height < 1 || img.data.length !== img.width * img.height * 3)
    throw new Error(`not an RGB image of ${img.width}×${img.height}`);
  const { input, scale, padX, padY } = letterbox(img);
  const raw = tf.tidy(() => {
    const outs = model.execute(input) as tf.Tensor[];
    // Four outputs: scores and regressors for the 512 fine anchors and for the 384 coarse ones.
    const sorted = [...outs].sort((a, b) => a.size - b.size);
    const fine = tf.concat([sorted[1]!, sorted[3]!], 2);
    const coarse = tf.concat([sorted[0]!, sorted[2]!], 2);
    return tf.concat([fine, coarse], 1).squeeze([0]) as tf.Tensor2D;
  });
  input.dispose();
  const rows = (await raw.data()) as Float32Array;
  raw.dispose();
  const a = anchors();
  const found: DetectedFace[] = [];
  const back = (x: number, y: number): [number, number] => [(x - padX) * scale, (y - padY) * scale];
  for (let i = 0; i < a.length / 2; i++) {
    const r = rows.subarray(i * 17, i * 17 + 17);
    const score = 1 / (1 + Math.exp(-r[0]!));
    if (score < minScore) continue;
    const ax = a[2 * i]!;
    const ay = a[2 * i + 1]!;
    const [cx, cy] = [r[1]! + ax, r[2]! + ay];
    const [x0, y0] = back(cx - r[3]! / 2, cy - r[4]! / 2);
    const landmarks = Array.from({ length: 6 }, (_, k) => back(r[5 + 2 * k]! + ax, r[6 + 2 * k]! + ay));
    found.push({ box: [x0, y0, r[3]! * scale, r[4]! * scale], landmarks, score });
  }
  return suppress(found);
}
