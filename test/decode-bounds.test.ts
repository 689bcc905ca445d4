/**
 * Decoding can't be made to blow up: a 1×20000 PNG (the probe's 119-byte crash) is recorded as
 * extreme-aspect while the photo beside it is indexed; a thin but real strip is cropped to a sane
 * aspect; a file that crashed several runs while being decoded is recorded and skipped.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodePhoto, decodeTarget, MAX_DECODE_ASPECT } from '../src/core/indexing/decode.js';
import { createEngineApi } from '../src/core/app/api.js';
import { LibraryStore } from '../src/core/store/store.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import { trainTinyModel } from './tiny-model.js';
import { tempDir, ok } from './helpers.js';

const tmp = tempDir();
const photos = join(tmp.dir, 'photos');
const pre = { inputSize: 64, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
let embedder: Embedder;

/** A greyscale PNG, like the probe's: sharp makes it from RGB and stores one channel. */
const grey = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 90, g: 90, b: 90 } } })
    .greyscale()
    .png();

beforeAll(async () => {
  mkdirSync(photos, { recursive: true });
  await grey(1, 20_000).toFile(join(photos, 'IMG_0001.png'));
  await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .jpeg()
    .toFile(join(photos, 'IMG_0002.jpg'));
  await grey(40, 1000).toFile(join(photos, 'IMG_0003.png'));
  await sharp({ create: { width: 120, height: 120, channels: 3, background: { r: 40, g: 40, b: 200 } } })
    .jpeg()
    .toFile(join(photos, 'IMG_0004.jpg'));
  await initBackend('wasm');
  embedder = bundleEmbedder(await loadBundle(await trainTinyModel(tmp.dir, 0)));
}, 240_000);
afterAll(() => {
  embedder?.dispose();
  tmp.cleanup();
});

describe('bounded decodes', () => {
  it('bounds the decoded size by the aspect, and refuses what is no photo', () => {
    expect(decodeTarget(4000, 3000, false, 366)).toEqual({ width: 366, height: 366, crop: false });
    expect(decodeTarget(40, 1000, false, 366)).toEqual({ width: 366, height: 366 * MAX_DECODE_ASPECT, crop: true });
    expect(decodeTarget(1000, 40, true, 366)).toEqual({ width: 366, height: 366 * MAX_DECODE_ASPECT, crop: true });
    expect(() => decodeTarget(1, 20_000, false, 366)).toThrow(/over 100:1/);
  });

  it('names an SVG named .jpg and an undecodable HEIC as unsupported formats', async () => {
    const svg = join(tmp.dir, 'IMG_0100.jpg');
    writeFileSync(svg, '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>');
    await expect(decodePhoto(svg, pre, join(tmp.dir, 'thumbs'))).rejects.toMatchObject({
      reason: 'unsupported-format',
      message: expect.stringMatching(/^svg/),
    });
    // An HEIC's header (ftyp box, heic brand) over HEVC data libvips can't decode.
    const heic = join(tmp.dir, 'IMG_0101.heic');
    writeFileSync(heic, Buffer.concat([Buffer.from('00000018667479706865696300000000', 'hex'), Buffer.alloc(2048, 7)]));
    await expect(decodePhoto(heic, pre, join(tmp.dir, 'thumbs'))).rejects.toMatchObject({
      reason: 'unsupported-format',
      message: expect.stringMatching(/^heic/),
    });
  });

  it('decodes a 1:25 strip cropped, without a huge buffer', async () => {
    const d = await decodePhoto(join(photos, 'IMG_0003.png'), pre, join(tmp.dir, 'thumbs'));
    expect(d.pixels.length).toBe(64 * 64 * 3);
    expect(d.width).toBe(40);
  });

  it('records the 1×20000 PNG as extreme-aspect and indexes the photos beside it', async () => {
    const api = createEngineApi({ dataDir: join(tmp.dir, 'data'), embedder });
    const s = ok(await api.index({ folders: [photos] }));
    api.close();
    expect(s.indexed).toBe(3);
    expect(s.failures).toEqual([
      expect.objectContaining({ path: join(photos, 'IMG_0001.png'), reason: 'extreme-aspect' }),
    ]);
  });

  it('skips, as decoder-crash, a file that several runs died decoding; the rest is indexed', async () => {
    const dataDir = join(tmp.dir, 'data-crash');
    const victim = join(photos, 'IMG_0004.jpg');
    const st = statSync(victim);
    const store = LibraryStore.open(dataDir);
    const root = store.addRoot(photos);
    // Three runs that were killed while this file was being decoded leave three marks.
    for (let run = 0; run < 3; run++) store.beginDecode(root, victim, st.size, st.mtimeMs);
    store.close();
    const api = createEngineApi({ dataDir, embedder });
    const s = ok(await api.index({ folders: [photos] }));
    expect(s.indexed).toBe(2);
    expect(s.failures.map((f) => [f.path, f.reason]).sort()).toEqual(
      [
        [join(photos, 'IMG_0001.png'), 'extreme-aspect'],
        [victim, 'decoder-crash'],
      ].sort(),
    );
    // A file that only one run died on is retried, and its mark is gone once decoded.
    const status = ok(await api.status({}));
    expect(status.failures.some((f) => f.reason === 'in-progress')).toBe(false);
    api.close();
  });
});
