/**
 * The shipped model (resources/models/default): it loads, and the CLI uses it when no --model is
 * given — index, search and caption work end to end on a fresh data dir. The images have neutral
 * names (IMG_0001.png …), so no file-name keyword can be what ranks them: the model's scores must.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';
import { loadBundle } from '../src/core/vse/bundle.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { shapeSvg } from './library-fixture.js';
import { ROOT, runCli, tempDir } from './helpers.js';

const tmp = tempDir();
const photos = join(tmp.dir, 'photos');
const dataDir = join(tmp.dir, 'data');
const env = { GLIMPSE_DATA_DIR: dataDir };

const SHAPES = [
  ['red', 'circle'],
  ['blue', 'square'],
  ['green', 'triangle'],
  ['yellow', 'circle'],
] as const;
const file = (i: number) => join(photos, `IMG_${String(i + 1).padStart(4, '0')}.png`);

beforeAll(async () => {
  mkdirSync(photos, { recursive: true });
  for (const [i, [c, s]] of SHAPES.entries())
    await sharp(shapeSvg(c, s, 256))
      .png()
      .toFile(file(i));
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
    const search = (q: string) => {
      const r = runCli(['search', q, '--limit', '4', '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      return (r.json() as { results: { path: string; score: number; keyword: boolean }[] }).results;
    };
    // No name or folder holds a query word, so the ranking is the model's alone: the shape named
    // comes first, by a higher semantic score than every other shape.
    for (const [query, want] of [
      ['blue square', [file(1)]],
      ['green triangle', [file(2)]],
      ['red circle', [file(0), file(3)]],
    ] as const) {
      const results = search(query);
      expect(results).toHaveLength(4);
      expect(results.every((r) => !r.keyword)).toBe(true);
      const top = results.slice(0, want.length);
      expect(top.map((r) => r.path).sort()).toEqual([...want].sort());
      const worstWanted = Math.min(...top.map((r) => r.score));
      for (const r of results.slice(want.length)) expect(worstWanted).toBeGreaterThan(r.score);
    }
    const c = runCli(['caption', file(1), '--limit', '3', '--json'], env);
    expect(c.code, c.stderr).toBe(0);
    const captions = (c.json() as { photos: { captions: { score: number; confident: boolean }[] }[] }).photos[0]!
      .captions;
    expect(captions).toHaveLength(3);
    // As text: the confident captions, best first; those below the floor only counted, unless --all.
    const sure = captions.filter((x) => x.confident).length;
    const scored = (out: string) => out.split('\n').filter((l) => /^ {2}-?\d\.\d{3} \[/.test(l));
    const text = runCli(['caption', file(1), '--limit', '3'], env).stdout;
    expect(scored(text)).toHaveLength(sure);
    if (sure === 0) expect(text).toContain('no confident caption yet');
    if (sure < 3) expect(text).toContain(`(${3 - sure} below the model's floor not shown: --all lists them)`);
    const scores = scored(text).map((l) => Number(l.trim().split(' ')[0]));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const all = runCli(['caption', file(1), '--limit', '3', '--all'], env).stdout;
    expect(scored(all)).toHaveLength(3);
  });
});
