/**
 * Data loaders: each layout loads, and every malformed record is skipped with a named reason and
 * counted — never silently dropped, never a crash.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { loadKarpathy } from '../src/core/vse/data/karpathy.js';
import { loadPrecomp } from '../src/core/vse/data/precomp.js';
import { loadFolder } from '../src/core/vse/data/folder.js';
import { loadDataset } from '../src/core/vse/data/load.js';
import { NpyMatrix, encodeNpy } from '../src/core/vse/data/npy.js';
import { AlignedFeatures, featureStats } from '../src/core/vse/data/align.js';
import { Vocabulary } from '../src/core/vse/data/vocab.js';
import { tokenize } from '../src/core/language/tokenizer.js';
import sharp from 'sharp';
import { decodeAugmented, type Preprocess } from '../src/core/vse/data/images.js';
import { Rng } from '../src/core/base/rng.js';
import { makeImageFolder } from './synthetic.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const reasons = (r: { toJSON: () => { reasons: { reason: string; count: number }[] } }) =>
  Object.fromEntries(r.toJSON().reasons.map((x) => [x.reason, x.count]));

describe('tokenizer and vocabulary', () => {
  it('lower-cases and splits punctuation like word_tokenize', () => {
    expect(tokenize('A man, riding a Red-bike!')).toEqual(['a', 'man', ',', 'riding', 'a', 'red-bike', '!']);
  });

  it('keeps words at the threshold, specials first, <start>/<end> around captions', () => {
    const v = Vocabulary.build(['a dog', 'a cat', 'a dog runs'], 2);
    expect(v.words).toEqual(['<pad>', '<start>', '<end>', '<unk>', 'a', 'dog']);
    expect(v.encode('A dog flies')).toEqual([1, 4, 5, 3, 2]);
    expect(v.encode('a dog a dog a dog', 4)).toEqual([1, 4, 5, 2]);
  });

  it('grows by appending: old ids never move', () => {
    const v = Vocabulary.build(['a dog'], 1);
    const g = v.grow(['sled', 'dog', 'red']);
    expect(g.words.slice(0, v.size)).toEqual(v.words);
    expect(g.words.slice(v.size)).toEqual(['sled', 'red']);
  });
});

describe('Karpathy JSON', () => {
  it('streams records, merges restval into train, and names every skip', async () => {
    const dir = join(tmp.dir, 'karpathy');
    mkdirSync(join(dir, 'images', 'val2014'), { recursive: true });
    await makeImageFolder(join(dir, 'src'), { perConcept: 1, colours: ['red'] });
    copyFileSync(join(dir, 'src', 'red-circle-0.txt').replace('.txt', '.png'), join(dir, 'images', 'val2014', 'a.png'));
    copyFileSync(join(dir, 'src', 'red-square-0.png'), join(dir, 'images', 'b.png'));
    const sent = (raw: string) => ({ raw, tokens: raw.split(' ') });
    const json = {
      images: [
        {
          filepath: 'val2014',
          filename: 'a.png',
          split: 'train',
          sentences: [sent('a red circle'), sent('red round thing'), { tokens: [] }],
        },
        { filename: 'b.png', split: 'restval', sentences: [sent('a red square')] },
        { filename: 'missing.png', split: 'train', sentences: [sent('gone')] },
        { filename: 'b.png', split: 'train', sentences: [] },
        { split: 'train', sentences: [sent('no file name')] },
        { filename: 'b.png', split: 'test', sentences: [sent('test only')] },
        42,
      ],
      dataset: 'coco',
    };
    writeFileSync(join(dir, 'dataset_coco.json'), JSON.stringify(json));
    const ds = await loadKarpathy(join(dir, 'dataset_coco.json'), join(dir, 'images'), 'train');
    expect(ds.numImages).toBe(2);
    expect(ds.captions).toEqual(['a red circle', 'red round thing', 'a red square']);
    expect(reasons(ds.skipped)).toEqual({
      'empty-caption': 1,
      'image-not-found': 1,
      'no-captions': 1,
      'missing-filename': 1,
      'not-an-object': 1,
    });
    expect(ds.captionsPerImage).toBeUndefined(); // fewer than 5 captions: not the paper's fixed layout
    const test = await loadDataset(join(dir, 'dataset_coco.json'), { split: 'test', images: join(dir, 'images') });
    expect(test.captions).toEqual(['test only']);
  });

  it('rejects a file that is not Karpathy JSON with its name', async () => {
    const p = join(tmp.dir, 'bad.json');
    writeFileSync(p, '{"images": [ {"split": "train"');
    await expect(loadKarpathy(p, tmp.dir, 'train')).rejects.toThrow(p);
  });
});

describe('vsepp precomp', () => {
  it('reads one feature row per image (5 captions each) and skips empty captions', async () => {
    const dir = join(tmp.dir, 'precomp');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'dev_ims.npy'),
      encodeNpy(
        Float32Array.from({ length: 2 * 4 }, (_, i) => i),
        2,
        4,
      ),
    );
    writeFileSync(join(dir, 'dev_caps.txt'), ['a', 'b', '', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].join('\n') + '\n');
    const ds = await loadPrecomp(dir, 'val');
    expect(ds.numImages).toBe(2);
    expect(ds.captions.length).toBe(9);
    expect(reasons(ds.skipped)).toEqual({ 'empty-caption': 1 });
    const row = new Float32Array(4);
    if (ds.images.kind !== 'features') throw new Error('precomp data must hold features');
    ds.images.matrix.readRow(1, row);
    expect(Array.from(row)).toEqual([4, 5, 6, 7]);
  });

  it('names the file when rows and captions disagree or the .npy is truncated', async () => {
    const dir = join(tmp.dir, 'precomp-bad');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'test_ims.npy'), encodeNpy(new Float32Array(12), 3, 4));
    writeFileSync(join(dir, 'test_caps.txt'), 'a\nb\n');
    await expect(loadPrecomp(dir, 'test')).rejects.toThrow(/test_ims\.npy: 3 rows do not match 2 captions/);
    writeFileSync(join(dir, 'test_ims.npy'), encodeNpy(new Float32Array(12), 3, 4).subarray(0, 100));
    expect(() => new NpyMatrix(join(dir, 'test_ims.npy'))).toThrow(/truncated/);
  });
});

describe('image folders', () => {
  it('takes captions from sidecars or album names, and reports the rest', async () => {
    const dir = join(tmp.dir, 'folder');
    await makeImageFolder(join(dir, 'sidecars'), { perConcept: 1, colours: ['red'] });
    await makeImageFolder(join(dir, 'albums'), { perConcept: 1, colours: ['blue'], albums: true });
    copyFileSync(join(dir, 'sidecars', 'red-circle-0.png'), join(dir, 'orphan.png'));
    copyFileSync(join(dir, 'sidecars', 'red-circle-0.png'), join(dir, 'sidecars', 'badjson.png'));
    writeFileSync(join(dir, 'sidecars', 'badjson.json'), '{"captions": [');
    copyFileSync(join(dir, 'sidecars', 'red-circle-0.png'), join(dir, 'sidecars', 'goodjson.png'));
    writeFileSync(join(dir, 'sidecars', 'goodjson.json'), JSON.stringify({ captions: ['a json caption', ''] }));
    writeFileSync(join(dir, 'notes.md'), '# not an image');
    mkdirSync(join(dir, '.hidden'));
    copyFileSync(join(dir, 'orphan.png'), join(dir, '.hidden', 'x.png'));
    const ds = loadFolder(dir, 'all');
    expect(ds.numImages).toBe(3 + 3 + 1);
    expect(ds.captions).toContain('blue circle');
    expect(ds.captions).toContain('a json caption');
    expect(reasons(ds.skipped)).toEqual({ 'no-caption': 1, 'bad-sidecar-json': 1, 'not-an-image': 1 });
    const parts = ['train', 'val', 'test'].map((s) => loadFolder(dir, s).numImages);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(ds.numImages);
  });
});

describe('augmented crops', () => {
  const pre: Preprocess = { inputSize: 16, mean: [0, 0, 0], std: [1, 1, 1], fit: 'fill' };
  const path = join(tmp.dir, 'quarter.png');

  /** The share of red pixels in one augmented crop of `path`. */
  async function redShare(minArea: number | undefined, seed: number): Promise<number> {
    const out = new Float32Array(16 * 16 * 3);
    await decodeAugmented(path, pre, new Rng(seed), out, 0, minArea);
    let red = 0;
    for (let p = 0; p < 16 * 16; p++) if (out[p * 3]! > 0.9 && out[p * 3 + 1]! < 0.1) red++;
    return red / (16 * 16);
  }

  it('keep at least minArea of the image: with 100% every crop is the whole image or its mirror', async () => {
    // A white square whose top-left quarter is red.
    const quarter = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ffffff' } })
      .composite([{ input: quarter, left: 0, top: 0 }])
      .toFile(path);
    const seeds = Array.from({ length: 12 }, (_, i) => i + 1);
    const whole = await Promise.all(seeds.map((s) => redShare(1, s)));
    expect(whole.every((r) => Math.abs(r - 0.25) < 0.03)).toBe(true);
    // torchvision's 8% crops: some see only red, only white, or much more or less of each.
    const small = await Promise.all(seeds.map((s) => redShare(undefined, s)));
    expect(small.some((r) => Math.abs(r - 0.25) > 0.15)).toBe(true);
  });
});

describe('per-domain feature alignment', () => {
  // Three rows of "photos" and three of "drawings", two dimensions; the second is constant on photos.
  const rows = [
    [1, 5],
    [2, 5],
    [3, 5],
    [10, 0],
    [30, 2],
    [50, 4],
  ];
  const matrix = {
    rows: rows.length,
    cols: 2,
    readRow: (r: number, out: Float32Array, offset = 0) => out.set(rows[r]!, offset),
  };
  const read = (m: { readRow: (r: number, out: Float32Array) => void }, r: number) => {
    const out = new Float32Array(2);
    m.readRow(r, out);
    return [...out];
  };

  it('moves a domain onto the target mean and spread, and leaves other rows as they are', () => {
    const photos = featureStats(matrix, [0, 1, 2]);
    expect(photos.mean[0]).toBeCloseTo(2);
    // The photos' constant dimension gets a floored deviation, not an infinite scale.
    expect(Number.isFinite(photos.scale[1]!)).toBe(true);
    const aligned = new AlignedFeatures(matrix, [{ stats: featureStats(matrix, [3, 4, 5]), rows: [3, 4, 5] }], photos);
    const moved = featureStats(aligned, [3, 4, 5]);
    expect(moved.mean[0]).toBeCloseTo(photos.mean[0]!, 5);
    expect(moved.scale[0]).toBeCloseTo(photos.scale[0]!, 5);
    expect(moved.mean[1]).toBeCloseTo(5, 5);
    // The drawing at the domain's mean lands on the photos' mean; photo rows are untouched.
    expect(read(aligned, 4)[0]).toBeCloseTo(2, 5);
    expect(read(aligned, 1)).toEqual([2, 5]);
  });

  it('refuses a row in two domains, and statistics of no rows', () => {
    const s = featureStats(matrix, [0, 1]);
    expect(
      () =>
        new AlignedFeatures(
          matrix,
          [
            { stats: s, rows: [0, 1] },
            { stats: s, rows: [1] },
          ],
          s,
        ),
    ).toThrow(/two domains/);
    expect(() => featureStats(matrix, [])).toThrow(/at least one row/);
  });
});
