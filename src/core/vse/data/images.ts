/**
 * Image decoding for the backbone with sharp. Evaluation: resize the short side to size/0.875, then
 * centre-crop (the paper's Resize(256) + CenterCrop(224)). Training with augmentation: a random
 * resized crop and a horizontal flip (the paper's RC).
 */
import sharp, { type Sharp } from 'sharp';
import type { Rng } from '../../base/rng.js';

export interface Preprocess {
  inputSize: number;
  /** Per-channel mean and std applied to values in [0, 1]. */
  mean: [number, number, number];
  std: [number, number, number];
  /**
   * How an image becomes the square input: 'crop' (default) resizes the short side and takes the
   * centre, as classifiers are evaluated; 'fill' squashes the whole image, as detectors are run,
   * so an object near the edge still counts.
   */
  fit?: 'crop' | 'fill';
  /**
   * For 'crop': the share of the resized short side the crop keeps (default 0.875, the paper's
   * 224 of 256; CLIP's 1: resize the short side to the input size, then crop).
   */
  cropFraction?: number;
}

/**
 * Refuse decompression bombs with a reason instead of running out of memory. The largest image decoded: above 200-megapixel phone sensors (a 101.8-MP camera photo must not be
 * refused), decoded with shrink-on-load; larger headers are refused as pixel bombs.
 */
export const MAX_INPUT_PIXELS = 250_000_000;

function normalise(raw: Buffer, pre: Preprocess, out: Float32Array, offset: number): void {
  const n = pre.inputSize * pre.inputSize;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) out[offset + p * 3 + c] = (raw[p * 3 + c]! / 255 - pre.mean[c]!) / pre.std[c]!;
  }
}

function open(path: string | Buffer): Sharp {
  // rotate(): apply EXIF orientation; flatten: alpha onto white; sRGB 8-bit 3 channels.
  return sharp(path, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', animated: false })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb');
}

/** The short side images are resized to before the centre crop (the paper's 256 for 224). */
export function evalResizeSide(pre: Preprocess): number {
  return Math.round(pre.inputSize / (pre.cropFraction ?? 0.875));
}

/** Centre-crops an RGB(A) raw buffer to the input size and normalises it into out[offset …]. */
export function centreCropNormalise(
  raw: Buffer,
  width: number,
  height: number,
  channels: number,
  pre: Preprocess,
  out: Float32Array,
  offset: number,
): void {
  const s = pre.inputSize;
  if (width < s || height < s) throw new Error(`image is ${width}x${height}, smaller than the ${s}px crop`);
  const left = Math.floor((width - s) / 2);
  const top = Math.floor((height - s) / 2);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const src = ((top + y) * width + left + x) * channels;
      const dst = offset + (y * s + x) * 3;
      for (let c = 0; c < 3; c++) out[dst + c] = (raw[src + c]! / 255 - pre.mean[c]!) / pre.std[c]!;
    }
  }
}

/**
 * The eval transform of an already decoded RGB(A) image (at least the eval resize side) into
 * out[offset …]: the centre crop, or for 'fill' the whole image squashed to the input size.
 */
export async function evalNormalise(
  raw: Buffer,
  width: number,
  height: number,
  channels: number,
  pre: Preprocess,
  out: Float32Array,
  offset: number,
): Promise<void> {
  if (pre.fit !== 'fill') return centreCropNormalise(raw, width, height, channels, pre, out, offset);
  const s = pre.inputSize;
  const squashed = await sharp(raw, { raw: { width, height, channels: channels as 3 | 4 } })
    .resize(s, s, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer();
  normalise(squashed, pre, out, offset);
}

/** Decodes `path` into out[offset …] as HWC float32 normalised pixels (eval transform). */
export async function decodeEval(
  path: string | Buffer,
  pre: Preprocess,
  out: Float32Array,
  offset: number,
): Promise<void> {
  if (pre.fit === 'fill') {
    const s = pre.inputSize;
    normalise(await open(path).resize(s, s, { fit: 'fill' }).removeAlpha().raw().toBuffer(), pre, out, offset);
    return;
  }
  const side = evalResizeSide(pre);
  const { data, info } = await open(path)
    .resize(side, side, { fit: 'outside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  centreCropNormalise(data, info.width, info.height, info.channels, pre, out, offset);
}

/**
 * Random resized crop (area minArea–100%, aspect 3/4–4/3) and a coin-flip mirror, as torchvision
 * does (its minArea is 8%).
 */
export async function decodeAugmented(
  path: string,
  pre: Preprocess,
  rng: Rng,
  out: Float32Array,
  offset: number,
  minArea = 0.08,
): Promise<void> {
  const s = pre.inputSize;
  // Decode once at a moderate size (shrink-on-load keeps this fast), then crop from that.
  const base = await open(path)
    .resize(s * 2, s * 2, { fit: 'outside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = base.info;
  let box = { left: 0, top: 0, width, height };
  for (let tries = 0; tries < 10; tries++) {
    const area = width * height * rng.uniform(minArea, 1);
    const ratio = Math.exp(rng.uniform(Math.log(3 / 4), Math.log(4 / 3)));
    const w = Math.round(Math.sqrt(area * ratio));
    const h = Math.round(Math.sqrt(area / ratio));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      box = { left: rng.int(width - w + 1), top: rng.int(height - h + 1), width: w, height: h };
      break;
    }
  }
  let img = sharp(base.data, { raw: { width, height, channels } }).extract(box).resize(s, s, { fit: 'fill' });
  if (rng.next() < 0.5) img = img.flop();
  const raw = await img.removeAlpha().raw().toBuffer();
  normalise(raw, pre, out, offset);
}
