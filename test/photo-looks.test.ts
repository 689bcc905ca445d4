/**
 * The camera looks of the real training photos (features.ts --photo-looks): each view is
 * reproducible from its seed, since cached features are addressed by (view, photo), and stays a
 * small JPEG of at most the backbone's size, whatever the photo's own size.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { photoLook } from '../scripts/model/photo-style.js';
import { Rng } from '../src/core/base/rng.js';

let dir: string;
let photo: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glimpse-looks-'));
  photo = join(dir, 'IMG_0001.png');
  // A wide, colourful picture: red left half, blue right half, on a 1200×500 canvas.
  const half = (r: number, g: number, b: number) =>
    sharp({ create: { width: 600, height: 500, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
  await sharp({ create: { width: 1200, height: 500, channels: 3, background: '#000' } })
    .composite([
      { input: await half(220, 30, 30), left: 0, top: 0 },
      { input: await half(30, 30, 220), left: 600, top: 0 },
    ])
    .png()
    .toFile(photo);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('camera looks of a training photo', () => {
  it('gives the same view for the same seed and another for another seed', async () => {
    const a = await photoLook(photo, new Rng(7), 64, 0.3);
    const b = await photoLook(photo, new Rng(7), 64, 0.3);
    const c = await photoLook(photo, new Rng(8), 64, 0.3);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('is a JPEG no larger than the backbone input, from half its size up', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const meta = await sharp(await photoLook(photo, new Rng(seed), 64, 0.3)).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.width).toBe(meta.height);
      expect(meta.width).toBeGreaterThanOrEqual(32);
      expect(meta.width).toBeLessThanOrEqual(64);
    }
  });

  it('sometimes drops the colour, as a scan or an old photo would', async () => {
    const saturations = await Promise.all(
      Array.from({ length: 30 }, async (_, seed) => {
        const { data, info } = await sharp(await photoLook(photo, new Rng(seed + 1), 64, 0.3))
          .raw()
          .toBuffer({ resolveWithObject: true });
        if (info.channels < 3) return 0;
        let spread = 0;
        for (let i = 0; i < data.length; i += info.channels)
          spread += Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!);
        return spread / (data.length / info.channels);
      }),
    );
    const grey = saturations.filter((s) => s < 8).length;
    expect(grey).toBeGreaterThan(0);
    expect(grey).toBeLessThan(saturations.length / 2);
  });
});
