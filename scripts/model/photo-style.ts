/**
 * Photo-style augmentation of drawings (the issue's drawing→photo lever): a transparent clip art
 * or emoji is composited onto a random crop of a real photograph, then blurred, colour-jittered,
 * given sensor-like noise and JPEG artefacts, so the frozen backbone sees it as it would see a
 * photo of the thing. Backgrounds come from the real photos' training split only.
 */
import sharp from 'sharp';
import type { Rng } from '../../src/core/base/rng.js';

export async function photoStyle(drawing: string, background: string, rng: Rng, size: number): Promise<Buffer> {
  // A random square crop (40–100% of the short side) of the background, at the backbone's size.
  const bg = sharp(background).rotate().removeAlpha().toColourspace('srgb');
  const { width = size, height = size } = await bg.metadata();
  const side = Math.max(16, Math.round(Math.min(width, height) * rng.uniform(0.4, 1)));
  const left = rng.int(width - side + 1);
  const top = rng.int(height - side + 1);
  const base = await bg.extract({ left, top, width: side, height: side }).resize(size, size).png().toBuffer();
  const fg = Math.round(size * rng.uniform(0.45, 0.9));
  const thing = await sharp(drawing).ensureAlpha().resize(fg, fg, { fit: 'inside' }).png().toBuffer();
  const meta = await sharp(thing).metadata();
  const noise = await sharp({
    create: {
      width: size,
      height: size,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: rng.uniform(2, 18) },
    },
  })
    .png()
    .toBuffer();
  const img = sharp(base).composite([
    {
      input: thing,
      left: rng.int(size - (meta.width ?? fg) + 1),
      top: rng.int(size - (meta.height ?? fg) + 1),
    },
    { input: noise, blend: 'soft-light' },
  ]);
  return cameraLook(await img.png().toBuffer(), rng);
}

/** Another camera's rendering of a picture: exposure, colour and hue, focus, then JPEG artefacts. */
export function cameraLook(picture: Buffer, rng: Rng): Promise<Buffer> {
  const img = sharp(picture)
    .modulate({
      brightness: rng.uniform(0.75, 1.25),
      saturation: rng.uniform(0.6, 1.4),
      hue: Math.round(rng.uniform(-15, 15)),
    })
    .blur(rng.next() < 0.7 ? rng.uniform(0.3, 1.6) : false);
  return img.jpeg({ quality: Math.round(rng.uniform(30, 85)) }).toBuffer();
}

/**
 * A real training photo as another camera or source might have given it (`features.ts
 * --photo-looks`): a crop keeping at least `minArea` of it, maybe mirrored, sometimes in grey
 * levels (scans, old and scientific photos), at another size, then cameraLook. The photos the
 * model is judged on come from other sources than its few hundred training photos; this asks it
 * to read a photo's content, not its source's look.
 */
export async function photoLook(photo: string, rng: Rng, size: number, minArea: number): Promise<Buffer> {
  const src = sharp(photo).rotate().removeAlpha().toColourspace('srgb');
  const { width = size, height = size } = await src.metadata();
  const area = width * height * rng.uniform(minArea, 1);
  const ratio = Math.exp(rng.uniform(Math.log(3 / 4), Math.log(4 / 3)));
  const w = Math.max(1, Math.min(width, Math.round(Math.sqrt(area * ratio))));
  const h = Math.max(1, Math.min(height, Math.round(Math.sqrt(area / ratio))));
  // Down to between half and the whole backbone size first: a smaller or softer source.
  const side = Math.round(size * rng.uniform(0.5, 1));
  let img = src
    .extract({
      left: rng.int(width - w + 1),
      top: rng.int(height - h + 1),
      width: w,
      height: h,
    })
    .resize(side, side, { fit: 'fill' });
  if (rng.next() < 0.5) img = img.flop();
  if (rng.next() < 0.2) img = img.greyscale();
  return cameraLook(await img.png().toBuffer(), rng);
}
