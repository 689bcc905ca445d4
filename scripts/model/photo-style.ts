/**
 * Photo-style augmentation of drawings (the issue's drawing→photo lever): a transparent clip art
 * or emoji is composited onto a random crop of a real photograph, then blurred, colour-jittered,
 * given sensor-like noise and JPEG artefacts, so the frozen backbone sees it as it would see a
 * photo of the thing. Backgrounds come from the real photos' training split only.
 */
import sharp from 'sharp';
import type { Rng } from '../../src/core/engine/rng.js';

export async function photoStyle(drawing: string, background: string, rng: Rng, size: number): Promise<Buffer> {
  const between = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  // A random square crop (40–100% of the short side) of the background, at the backbone's size.
  const bg = sharp(background).rotate().removeAlpha().toColourspace('srgb');
  const { width = size, height = size } = await bg.metadata();
  const side = Math.max(16, Math.round(Math.min(width, height) * between(0.4, 1)));
  const left = Math.floor(rng.next() * (width - side + 1));
  const top = Math.floor(rng.next() * (height - side + 1));
  const base = await bg.extract({ left, top, width: side, height: side }).resize(size, size).png().toBuffer();
  const fg = Math.round(size * between(0.45, 0.9));
  const thing = await sharp(drawing).ensureAlpha().resize(fg, fg, { fit: 'inside' }).png().toBuffer();
  const meta = await sharp(thing).metadata();
  const noise = await sharp({
    create: {
      width: size,
      height: size,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: between(2, 18) },
    },
  })
    .png()
    .toBuffer();
  let img = sharp(base).composite([
    {
      input: thing,
      left: Math.floor(rng.next() * (size - (meta.width ?? fg) + 1)),
      top: Math.floor(rng.next() * (size - (meta.height ?? fg) + 1)),
    },
    { input: noise, blend: 'soft-light' },
  ]);
  img = sharp(await img.png().toBuffer())
    .modulate({ brightness: between(0.75, 1.25), saturation: between(0.6, 1.4), hue: Math.round(between(-15, 15)) })
    .blur(rng.next() < 0.7 ? between(0.3, 1.6) : false);
  return img.jpeg({ quality: Math.round(between(30, 85)) }).toBuffer();
}
