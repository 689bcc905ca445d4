/**
 * A small photo folder for the UI flow, generated on the fly: two visually distinct groups (red
 * discs, blue squares) that the test labels as albums, some other shapes, and one broken file.
 * Names are neutral (p01.jpg…), so only the model, not a keyword match, can tie a label to a group.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export interface UiFixture {
  root: string;
  red: string[];
  blue: string[];
  other: string[];
  broken: string;
}

function scene(i: number, fill: string, shape: 'circle' | 'square' | 'triangle'): Buffer {
  const size = 192;
  const r = 36 + (i % 4) * 8;
  const cx = 60 + ((i * 37) % 72);
  const cy = 60 + ((i * 53) % 72);
  const bg = ['#f4f4f4', '#e8eef2', '#f2efe6', '#eef2e8'][i % 4];
  const body =
    shape === 'circle'
      ? `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${fill}"/>`
      : shape === 'square'
        ? `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${fill}"/>`
        : `<polygon points="${cx},${cy - r} ${cx - r},${cy + r} ${cx + r},${cy + r}" fill="${fill}"/>`;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="${bg}"/>${body}</svg>`,
  );
}

export async function makeUiFixture(root: string): Promise<UiFixture> {
  mkdirSync(join(root, 'trip'), { recursive: true });
  const f: UiFixture = { root, red: [], blue: [], other: [], broken: join(root, 'trip', 'broken.jpg') };
  const groups: [string[], string, 'circle' | 'square' | 'triangle', number][] = [
    [f.red, '#d62828', 'circle', 12],
    [f.blue, '#1d4ed8', 'square', 12],
    [f.other, '#15803d', 'triangle', 6],
  ];
  let n = 0;
  for (const [list, fill, shape, count] of groups) {
    for (let i = 0; i < count; i++) {
      const p = join(root, n % 2 ? 'trip' : '', `p${String(++n).padStart(2, '0')}.jpg`);
      writeFileSync(
        p,
        await sharp(scene(i, fill, shape))
          .jpeg({ quality: 90 })
          .toBuffer(),
      );
      list.push(p);
    }
  }
  const whole = await sharp(scene(0, '#000000', 'circle'))
    .jpeg()
    .toBuffer();
  writeFileSync(f.broken, whole.subarray(0, Math.floor(whole.length / 3)));
  return f;
}
