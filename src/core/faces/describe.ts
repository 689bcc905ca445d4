/**
 * Who a face is: the face straightened by its eyes, cropped square around the eyes and mouth,
 * and described by FaceRes (224 px, 0–255 input) as its 1024-d pooled features, L2-normalised,
 * so faces of one person are near in cosine distance.
 */
import type { DetectedFace, Rgb } from './detect.js';
import { DESCRIBE_SIZE, type FaceModels } from './models.js';

/**
 * The crop's side over the distance from the eyes' midpoint to the mouth: wide enough for the
 * whole face, as the detector's box is (chosen on the faces bench, docs/BENCH.md).
 */
export const CROP_SCALE = 3.2;

/**
 * The face as a DESCRIBE_SIZE² RGB crop: rotated so the eyes are level, centred between the
 * eyes and the mouth, sampled bilinearly (outside the photo: grey).
 */
export function alignedCrop(img: Rgb, face: DetectedFace, scale = CROP_SCALE): Float32Array {
  const [re, le, , mouth] = face.landmarks as [[number, number], [number, number], unknown, [number, number]];
  const eyes: [number, number] = [(re[0] + le[0]) / 2, (re[1] + le[1]) / 2];
  const angle = Math.atan2(le[1] - re[1], le[0] - re[0]);
  const centre = [(eyes[0] + mouth[0]) / 2, (eyes[1] + mouth[1]) / 2];
  const side = Math.max(Math.hypot(mouth[0] - eyes[0], mouth[1] - eyes[1]) * scale, 8);
  const s = side / DESCRIBE_SIZE;
  const cos = Math.cos(angle) * s;
  const sin = Math.sin(angle) * s;
  const half = DESCRIBE_SIZE / 2;
  const out = new Float32Array(DESCRIBE_SIZE * DESCRIBE_SIZE * 3);
  const { data, width, height } = img;
  for (let v = 0; v < DESCRIBE_SIZE; v++)
    for (let u = 0; u < DESCRIBE_SIZE; u++) {
      const x = centre[0]! + cos * (u - half) - sin * (v - half);
      const y = centre[1]! + sin * (u - half) + cos * (v - half);
      const o = (v * DESCRIBE_SIZE + u) * 3;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) {
        out[o] = out[o + 1] = out[o + 2] = 128;
        continue;
      }
      const fx = x - x0;
      const fy = y - y0;
      const i00 = (y0 * width + x0) * 3;
      const i10 = i00 + 3;
      const i01 = i00 + width * 3;
      const i11 = i01 + 3;
      for (let c = 0; c < 3; c++)
        out[o + c] =
          (data[i00 + c]! * (1 - fx) + data[i10 + c]! * fx) * (1 - fy) +
          (data[i01 + c]! * (1 - fx) + data[i11 + c]! * fx) * fy;
    }
  return out;
}

/** Each face's descriptor (1024-d, L2-normalised), from the crops of alignedCrop. */
export async function describeFaces(models: FaceModels, crops: Float32Array[]): Promise<Float32Array[]> {
  if (crops.length === 0) return [];
  const per = DESCRIBE_SIZE * DESCRIBE_SIZE * 3;
  const batch = new Float32Array(crops.length * per);
  crops.forEach((c, i) => batch.set(c, i * per));
  const flat = await models.describe(batch, crops.length);
  const dim = flat.length / crops.length;
  return crops.map((_, i) => {
    const d = flat.slice(i * dim, (i + 1) * dim);
    let sq = 0;
    for (let k = 0; k < dim; k++) sq += d[k]! * d[k]!;
    const norm = Math.max(Math.sqrt(sq), 1e-12);
    for (let k = 0; k < dim; k++) d[k]! /= norm;
    return d;
  });
}
