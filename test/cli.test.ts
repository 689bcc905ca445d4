/**
 * The CLI end to end, as a user runs it: train on a folder the test builds, evaluate on freshly
 * rendered held-out images, and the error contract (one line, non-zero exit) on bad input.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import { makeImageFolder } from './synthetic.js';
import { runCli, tempDir } from './helpers.js';

const tmp = tempDir();
const trainDir = join(tmp.dir, 'train');
const evalDir = join(tmp.dir, 'eval');
const bundle = join(tmp.dir, 'model');
const dataDir = join(tmp.dir, 'data');

beforeAll(async () => {
  await makeImageFolder(trainDir, { perConcept: 5, seed: 2 });
  await makeImageFolder(evalDir, { perConcept: 2, seed: 3 });
});
afterAll(() => tmp.cleanup());

describe('glimpse train → glimpse eval', () => {
  it('learns well above chance on held-out renderings', () => {
    const t = runCli([
      'train',
      '--data',
      trainDir,
      '--backbone',
      'tiny-cnn',
      '--out',
      bundle,
      '--embed-size',
      '64',
      '--word-dim',
      '32',
      '--batch-size',
      '16',
      '--epochs',
      '30',
      '--lr',
      '1e-3',
      '--vocab-threshold',
      '1',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    expect(t.code, t.stderr).toBe(0);
    const tr = t.json() as { backend: string; status: string; modelId: string; steps: number };
    expect(tr.status).toBe('completed');
    expect(tr.backend).toMatch(/^(wasm|cpu|node|node-gpu)$/);
    expect(tr.modelId).toMatch(/^vse-tiny-cnn-/);

    const e = runCli(['eval', '--data', evalDir, '--model', bundle, '--split', 'all', '--json', '--data-dir', dataDir]);
    expect(e.code, e.stderr).toBe(0);
    const ev = e.json() as {
      images: number;
      metrics: { i2t: { r10: number }; t2i: { r10: number; r1: number }; rsum: number };
    };
    expect(ev.images).toBe(36);
    // 36 images, 2 per concept: a random ranking puts the right image in the top 10 about 28% of
    // the time, and the rsum of chance is about 2 x (1 + 5 + 10) / 36 x 100 ≈ 90.
    expect(ev.metrics.t2i.r10).toBeGreaterThan(60);
    expect(ev.metrics.i2t.r10).toBeGreaterThan(60);
    expect(ev.metrics.rsum).toBeGreaterThan(250);
  });

  it('prints the backend and the metrics for people', () => {
    const e = runCli(['eval', '--data', evalDir, '--model', bundle, '--split', 'all', '--data-dir', dataDir]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^backend: (wasm|cpu|node|node-gpu)/);
    expect(e.stdout).toMatch(/i2t: R@1 [\d.]+ {2}R@5/);
    expect(e.stdout).toMatch(/rsum: [\d.]+/);
  });
});

describe('errors are one line and exit non-zero', () => {
  it.each([
    [
      'missing data',
      ['eval', '--data', '/nonexistent/folder', '--model', '/nonexistent/model'],
      /no such model bundle|no such file/,
    ],
    ['bad number', ['train', '--data', '.', '--out', 'x', '--epochs', 'many'], /not a number/],
    ['unknown command', ['frobnicate'], /unknown command/],
    ['precomp without backbone', ['train', '--data', 'EVAL', '--out', 'OUT'], /pass --backbone/],
  ])('%s', (_name, args, pattern) => {
    const r = runCli(
      args
        .map((a) => (a === 'EVAL' ? evalDir : a === 'OUT' ? join(tmp.dir, 'never') : a))
        .concat(['--data-dir', dataDir].filter(() => args[0] !== 'frobnicate')),
    );
    expect(r.code).not.toBe(0);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('glimpse:'));
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(pattern);
  });

  it('reports a corrupt bundle by file name, as JSON with --json', () => {
    const broken = join(tmp.dir, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'bundle.json'), '{ not json');
    const r = runCli(['eval', '--data', evalDir, '--model', broken, '--json', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    const out = r.json() as { ok: boolean; error: { code: string; message: string } };
    expect(out.ok).toBe(false);
    expect(out.error.code).toBe('bad-bundle');
    expect(out.error.message).toContain(join(broken, 'bundle.json'));
  });
});
