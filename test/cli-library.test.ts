/**
 * The library from the command line, end to end: index with a progress summary, search (single
 * and --queries), similar, caption (with --bank), status — each with --json and with the backend
 * named, and one-line errors.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { makePhotoFixture, type PhotoFixture } from './library-fixture.js';
import { trainTinyModel } from './tiny-model.js';
import { runCli, tempDir } from './helpers.js';

const tmp = tempDir();
let fx: PhotoFixture;
let model: string;
const dataDir = join(tmp.dir, 'data');
const cli = (args: string[]) => runCli([...args, '--model', model, '--data-dir', dataDir]);

beforeAll(async () => {
  await initBackend('wasm');
  model = await trainTinyModel(tmp.dir);
  fx = await makePhotoFixture(join(tmp.dir, 'photos'));
}, 240_000);
afterAll(() => tmp.cleanup());

describe('glimpse index / search / similar / caption / status', () => {
  it('index --json summarises indexed, skipped, failed and moved, with reasons', () => {
    const r = cli(['index', fx.root, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = r.json() as {
      backend: string;
      indexed: number;
      skipped: number;
      failed: number;
      moved: number;
      failures: { path: string; reason: string }[];
    };
    expect(s.backend).toBe('wasm');
    expect(s.indexed).toBe(fx.good.length);
    expect(s.failed).toBe(Object.keys(fx.bad).length);
    expect(s.failures.map((f) => f.reason).sort()).toEqual(Object.values(fx.bad).sort());
    const again = cli(['index', fx.root, '--json']).json() as { indexed: number; skipped: number; moved: number };
    expect(again).toMatchObject({ indexed: 0, skipped: fx.good.length, moved: 0 });
  });

  it('search prints scored paths; --json carries the backend; filters apply', () => {
    const h = cli(['search', 'sledge', '--limit', '3']);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^backend: wasm/);
    expect(h.stdout.split('\n')[1]).toMatch(/^-?\d\.\d{3} \* .*red circle\.jpg$/);
    const j = cli(['search', 'blue square', '--limit', '5', '--camera', 'nikon', '--json']).json() as {
      backend: string;
      results: { path: string; score: number }[];
    };
    expect(j.backend).toBe('wasm');
    expect(j.results.length).toBe(2);
    expect(j.results.every((x) => /blue square/.test(x.path) && Number.isFinite(x.score))).toBe(true);
  });

  it('search --queries prints one JSON line per query, loading the model once', () => {
    const file = join(tmp.dir, 'queries.txt');
    writeFileSync(file, 'red circle\nblue square\n\ngreen\n');
    const r = cli(['search', '--queries', file, '--limit', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { query: string; results: { path: string; score: number }[] });
    expect(lines.map((l) => l.query)).toEqual(['red circle', 'blue square', 'green']);
    expect(lines.every((l) => l.results.length === 2 && typeof l.results[0]!.score === 'number')).toBe(true);
  });

  it('similar finds the duplicate first; caption uses the bank or a replacement', () => {
    const s = cli(['similar', join(fx.root, '2021/summer/blue square.jpg'), '--limit', '2', '--json']).json() as {
      results: { path: string }[];
    };
    expect(s.results[0]!.path).toMatch(/duplicate of blue square\.jpg$/);
    const bank = join(tmp.dir, 'bank.txt');
    writeFileSync(bank, 'a bowl of soup\na red circle\na mountain\n');
    const c = cli(['caption', join(fx.root, '2021/winter/red circle.jpg'), '--bank', bank, '--limit', '3', '--json']);
    expect(c.code, c.stderr).toBe(0);
    const caps = (c.json() as { photos: { captions: { text: string; score: number }[] }[] }).photos[0]!.captions;
    expect(caps.map((x) => x.text).sort()).toEqual(['a bowl of soup', 'a mountain', 'a red circle']);
  });

  it('status lists roots, counts, model, backend and failures', () => {
    const s = cli(['status', '--json']).json() as {
      backend: string;
      model: string;
      roots: string[];
      counts: { photos: number; failures: number };
      failures: { reason: string }[];
    };
    expect(s.backend).toBe('wasm');
    expect(s.model).toMatch(/^vse-tiny-cnn-/);
    expect(s.roots.length).toBe(1);
    expect(s.counts).toMatchObject({ photos: fx.good.length, failures: Object.keys(fx.bad).length });
    const human = cli(['status']);
    expect(human.stdout).toMatch(/^backend: wasm\nmodel: vse-tiny-cnn-/);
  });

  it.each([
    [['search', '   '], /search text is empty/],
    [['search', 'x', '--since', 'yesterday'], /expected a date/],
    [['search', 'x', '--since', '2024-13-45'], /"since": no such date/],
    [['search', 'x', '--until', '2023-02-29'], /"until": no such date/],
    [['similar', '/no/such/photo.jpg'], /not in the library/],
    [['caption', '/no/such/photo.jpg'], /no such file/],
    [['index', '/no/such/folder'], /no such folder/],
  ])('%j fails with one line', (args, pattern) => {
    const r = cli(args as string[]);
    expect(r.code).toBe(1);
    const lines = r.stderr
      .trim()
      .split('\n')
      // The image-runtime notice (where onnxruntime-node is absent) is not the error under test.
      .filter((l) => l.startsWith('glimpse:') && !l.startsWith('glimpse: image backbone stays on tfjs'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it('says plainly when no model is installed', () => {
    const r = runCli(['search', 'cat', '--model', join(tmp.dir, 'no-model'), '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no such model bundle/);
  });

  it('model shows the current model; --use <dir> adopts one and --use default goes back, keeping it listed', () => {
    const dir = join(tmp.dir, 'model-cli');
    const show = () =>
      runCli(['model', '--json', '--data-dir', dir]).json() as {
        builtIn: boolean;
        id: string;
        candidates: { id: string }[];
      };
    const shipped = show();
    expect(shipped.builtIn).toBe(true);
    const use = runCli(['model', '--use', model, '--data-dir', dir]);
    expect(use.code, use.stderr).toBe(0);
    const adopted = show();
    expect(adopted.builtIn).toBe(false);
    const back = runCli(['model', '--use', 'default', '--data-dir', dir]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('now using the shipped default model');
    expect(show()).toMatchObject({ builtIn: true, id: shipped.id, candidates: [{ id: adopted.id }] });
  });
});
