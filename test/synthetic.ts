/**
 * Small datasets the tests build themselves: nothing downloaded, nothing committed.
 * - precomp: vsepp-layout features where each concept has a prototype vector plus noise;
 * - folder: PNG renderings of coloured shapes with caption sidecars and albums.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeNpy } from '../src/core/vse/data/npy.js';
import { Rng } from '../src/core/base/rng.js';

export const COLOURS: Record<string, string> = {
  red: '#e02020',
  green: '#20b040',
  blue: '#2040e0',
  yellow: '#f0d020',
  purple: '#9030c0',
  black: '#101010',
};
export const SHAPES = ['circle', 'square', 'triangle'] as const;
const ADJ = ['a', 'one', 'the', 'small', 'big'];

export function captionsFor(colour: string, shape: string, rng: Rng, n = 5): string[] {
  return Array.from({ length: n }, () => {
    const a = ADJ[rng.int(ADJ.length)]!;
    return rng.next() < 0.5 ? `${a} ${colour} ${shape}` : `${a} ${shape} that is ${colour}`;
  });
}

/** Writes {split}_ims.npy + {split}_caps.txt for train, dev and test. */
export function makePrecompDir(
  dir: string,
  opts: { perConcept?: { train: number; dev: number; test: number }; dim?: number; noise?: number; seed?: number } = {},
): void {
  const per = opts.perConcept ?? { train: 6, dev: 2, test: 2 };
  const dim = opts.dim ?? 32;
  const noise = opts.noise ?? 0.6;
  const rng = new Rng(opts.seed ?? 1);
  mkdirSync(dir, { recursive: true });
  const concepts = Object.keys(COLOURS).flatMap((c) => SHAPES.map((s) => [c, s] as const));
  // Features are the sum of a colour prototype and a shape prototype, so they compose like words.
  const proto = new Map<string, Float32Array>();
  for (const k of [...Object.keys(COLOURS), ...SHAPES])
    proto.set(
      k,
      Float32Array.from({ length: dim }, () => rng.uniform(-1, 1)),
    );
  for (const [split, n] of Object.entries(per)) {
    const feats: number[] = [];
    const caps: string[] = [];
    for (let i = 0; i < n; i++) {
      for (const [c, s] of concepts) {
        const a = proto.get(c)!;
        const b = proto.get(s)!;
        for (let d = 0; d < dim; d++) feats.push(a[d]! + b[d]! + rng.uniform(-noise, noise));
        caps.push(...captionsFor(c, s, rng));
      }
    }
    const rows = feats.length / dim;
    writeFileSync(join(dir, `${split}_ims.npy`), encodeNpy(Float32Array.from(feats), rows, dim));
    writeFileSync(join(dir, `${split}_caps.txt`), caps.join('\n') + '\n');
  }
}

function svgFor(colour: string, shape: string, rng: Rng, size: number): string {
  const r = size * rng.uniform(0.25, 0.4);
  const cx = size / 2 + rng.uniform(-size * 0.1, size * 0.1);
  const cy = size / 2 + rng.uniform(-size * 0.1, size * 0.1);
  const fill = COLOURS[colour]!;
  const body =
    shape === 'circle'
      ? `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${fill}"/>`
      : shape === 'square'
        ? `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${fill}"/>`
        : `<polygon points="${cx},${cy - r} ${cx - r},${cy + r} ${cx + r},${cy + r}" fill="${fill}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#f4f4f4"/>${body}</svg>`;
}

/**
 * An image folder: `perConcept` PNGs of each colour–shape pair. With `albums`, images sit in a
 * folder named after their concept and have no sidecar; otherwise each has a .txt of captions.
 */
export async function makeImageFolder(
  dir: string,
  opts: { perConcept?: number; size?: number; albums?: boolean; seed?: number; colours?: string[] } = {},
): Promise<number> {
  const rng = new Rng(opts.seed ?? 2);
  const size = opts.size ?? 48;
  let n = 0;
  for (const colour of opts.colours ?? Object.keys(COLOURS)) {
    for (const shape of SHAPES) {
      const folder = opts.albums ? join(dir, `${colour} ${shape}`) : dir;
      mkdirSync(folder, { recursive: true });
      for (let i = 0; i < (opts.perConcept ?? 4); i++) {
        const stem = join(folder, `${colour}-${shape}-${i}`);
        await sharp(Buffer.from(svgFor(colour, shape, rng, size)))
          .png()
          .toFile(`${stem}.png`);
        if (!opts.albums) writeFileSync(`${stem}.txt`, captionsFor(colour, shape, rng, 3).join('\n') + '\n');
        n++;
      }
    }
  }
  return n;
}
