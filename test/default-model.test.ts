/**
 * The shipped model (resources/models/default): it loads, and the CLI uses it when no --model is
 * given — index, search and caption work end to end on a fresh data dir.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';
import { loadBundle } from '../src/core/engine/bundle.js';
import { initBackend } from '../src/core/engine/tf/backend.js';
import { shapeSvg } from './library-fixture.js';
import { ROOT, runCli, tempDir } from './helpers.js';

const tmp = tempDir();
const photos = join(tmp.dir, 'photos');
const dataDir = join(tmp.dir, 'data');
const env = { GLIMPSE_DATA_DIR: dataDir };

beforeAll(async () => {
  mkdirSync(photos, { recursive: true });
  for (const [c, s] of [
    ['red', 'circle'],
    ['blue', 'square'],
    ['green', 'triangle'],
    ['yellow', 'circle'],
  ] as const) {
    await sharp(shapeSvg(c, s, 256))
      .png()
      .toFile(join(photos, `${c}-${s}.png`));
  }
});
afterAll(() => tmp.cleanup());

describe('the default model', () => {
  it('is a valid bundle with its card, backbone and caption bank', async () => {
    await initBackend('wasm');
    const b = await loadBundle(join(ROOT, 'resources', 'models', 'default'));
    expect(b.manifest.backbone?.id).toMatch(/^human-centernet/);
    expect(b.manifest.card.recall.length).toBeGreaterThanOrEqual(4);
    expect(b.captionBank.length).toBeGreaterThan(1000);
    b.model.dispose();
  });

  it('serves glimpse index, search and caption with no --model', () => {
    const idx = runCli(['index', photos, '--json'], env);
    expect(idx.code, idx.stderr).toBe(0);
    expect(idx.json()).toMatchObject({ indexed: 4, failed: 0 });
    const s = runCli(['search', 'red circle', '--limit', '4', '--json'], env);
    expect(s.code, s.stderr).toBe(0);
    const results = (s.json() as { results: { path: string; score: number }[] }).results;
    expect(results).toHaveLength(4);
    expect(results[0]!.path).toMatch(/red-circle\.png$/);
    const c = runCli(['caption', join(photos, 'blue-square.png'), '--limit', '3', '--json'], env);
    expect(c.code, c.stderr).toBe(0);
    expect((c.json() as { photos: { captions: unknown[] }[] }).photos[0]!.captions).toHaveLength(3);
  });
});
