/**
 * How clear a face is, beside its size: sharpness (is it in focus?) and yaw (is it turned away?).
 * Both are measured on the aligned crop, so they describe the face and not the photo around it.
 */
import { DESCRIBE_SIZE } from './models.js';

/** The crop is judged at this size: a face in focus has detail here whatever its size in the photo. */
const JUDGE = 56;

/**
 * Sharpness: the variance of the Laplacian of the crop's grey, at JUDGE², over the variance of the
 * grey itself, so a dark or low-contrast face is not taken for a blurred one. Only the middle of
 * the crop (the face, not the background) counts.
 */
export function sharpness(crop: Float32Array): number {
  const k = DESCRIBE_SIZE / JUDGE;
  const grey = new Float32Array(JUDGE * JUDGE);
  for (let y = 0; y < JUDGE; y++)
    for (let x = 0; x < JUDGE; x++) {
      let s = 0;
      for (let v = 0; v < k; v++)
        for (let u = 0; u < k; u++) {
          const o = ((y * k + v) * DESCRIBE_SIZE + x * k + u) * 3;
          s += 0.299 * crop[o]! + 0.587 * crop[o + 1]! + 0.114 * crop[o + 2]!;
        }
      grey[y * JUDGE + x] = s / (k * k);
    }
  const lo = Math.round(JUDGE * 0.25);
  const hi = Math.round(JUDGE * 0.75);
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let lap = 0;
  let lapSq = 0;
  for (let y = lo; y < hi; y++)
    for (let x = lo; x < hi; x++) {
      const g = grey[y * JUDGE + x]!;
      const l =
        grey[(y - 1) * JUDGE + x]! +
        grey[(y + 1) * JUDGE + x]! +
        grey[y * JUDGE + x - 1]! +
        grey[y * JUDGE + x + 1]! -
        4 * g;
      n++;
      sum += g;
      sumSq += g * g;
      lap += l;
      lapSq += l * l;
    }
  const variance = sumSq / n - (sum / n) ** 2;
  const lapVariance = lapSq / n - (lap / n) ** 2;
  return variance > 1e-6 ? lapVariance / variance : 0;
}

/**
 * Yaw, roughly: how far the nose is off the middle of the eyes, in eye distances (0 facing the
 * camera; about ±0.5 and beyond, turned far to a side). Kept with the face; not yet used to judge it.
 */
export function yaw(landmarks: [number, number][]): number {
  const [re, le, nose] = landmarks;
  if (!re || !le || !nose) return 0;
  const eyes = Math.hypot(le[0] - re[0], le[1] - re[1]);
  return eyes > 0 ? (nose[0] - (re[0] + le[0]) / 2) / eyes : 0;
}
