/**
 * Bundles and fine-tuning: a saved bundle reloads to the same embeddings (the config rebuilds the
 * model), damage is reported by file name, and fine-tuning writes a new bundle with a grown
 * vocabulary and recall before and after on the user's held-out photos.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { cpSync, writeFileSync, readFileSync, truncateSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle, readManifest } from '../src/core/vse/bundle.js';
import { padTokens } from '../src/core/vse/model/vse.js';
import { createEngineApi } from '../src/core/app/api.js';
import { makeImageFolder } from './synthetic.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
const data = join(tmp.dir, 'data');
const albums = join(tmp.dir, 'albums');
const bundleDir = join(tmp.dir, 'model');
const api = createEngineApi();

beforeAll(async () => {
  await initBackend('wasm');
  await makeImageFolder(data, { perConcept: 4, colours: ['red', 'green', 'blue'] });
  // The user's albums: shapes in colours the base model never saw, named by album.
  await makeImageFolder(albums, { perConcept: 3, colours: ['purple', 'yellow'], albums: true, seed: 9 });
  const r = await api.train({
    data,
    out: bundleDir,
    backbone: 'tiny-cnn',
    config: { embedSize: 32, wordDim: 16, batchSize: 12, numEpochs: 5, vocabThreshold: 1, learningRate: 1e-3 },
    float16: false,
  });
  if (!r.ok) throw new Error(r.error.message);
});
afterAll(() => tmp.cleanup());

async function embed(dir: string, text: string): Promise<number[]> {
  const b = await loadBundle(dir);
  const t = b.model.encodeText(padTokens([b.vocab.encode(text)]));
  const v = Array.from(t.dataSync());
  t.dispose();
  b.model.dispose();
  return v;
}

describe('bundles', () => {
  it('hold config, vocab, weights, backbone, caption bank and card, and reload identically', async () => {
    const m = readManifest(bundleDir);
    expect(m.config.embedSize).toBe(32);
    expect(m.backbone?.id).toBe('tiny-cnn');
    expect(m.card.recall.length).toBe(1);
    expect(readFileSync(join(bundleDir, 'captions.txt'), 'utf8')).toMatch(/red/);
    expect(readFileSync(join(bundleDir, 'MODEL_CARD.md'), 'utf8')).toContain(m.id);
    const before = tf.memory().numTensors;
    const a = await embed(bundleDir, 'a red circle');
    const b = await embed(bundleDir, 'a red circle');
    expect(b).toEqual(a);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('float16 weights are stored as halves (half the bytes) and load as float32', async () => {
    const out = join(tmp.dir, 'f16');
    const r = await api.train({
      data,
      out,
      backbone: 'tiny-cnn',
      config: { embedSize: 32, wordDim: 16, batchSize: 12, numEpochs: 1, vocabThreshold: 1 },
      float16: true,
    });
    expect(r.ok).toBe(true);
    const b = await loadBundle(out);
    expect(b.model.params.get('txt.embed')!.dtype).toBe('float32');
    b.model.dispose();
    const man = JSON.parse(readFileSync(join(out, 'weights.json'), 'utf8')) as {
      weightsManifest: { weights: { quantization?: { dtype: string } }[] }[];
    };
    expect(man.weightsManifest[0]!.weights.every((w) => w.quantization?.dtype === 'float16')).toBe(true);
    expect(statSync(join(out, 'weights.bin')).size * 2).toBe(statSync(join(bundleDir, 'weights.bin')).size);

    // A half-precision infinity (0x7C00) is refused by its value, before the id is even checked.
    const inf = join(tmp.dir, 'f16-inf');
    cpSync(out, inf, { recursive: true });
    const w = readFileSync(join(inf, 'weights.bin'));
    w.writeUInt16LE(0x7c00, 0);
    writeFileSync(join(inf, 'weights.bin'), w);
    await expect(loadBundle(inf)).rejects.toThrow(/weights\.json: weight "[^"]+" holds NaN or infinite values/);
  });

  it.each([
    ['a missing weights file', (d: string) => rmSync(join(d, 'weights.bin')), 'weights.bin: missing'],
    ['truncated weights', (d: string) => truncateSync(join(d, 'weights.bin'), 100), 'weights.bin: 100 bytes'],
    [
      'truncated backbone weights',
      (d: string) => truncateSync(join(d, 'backbone', 'weights.bin'), 101),
      'backbone/weights.bin: 101 bytes',
    ],
    [
      'a NaN weight',
      (d: string) => {
        const b = readFileSync(join(d, 'weights.bin'));
        b.writeFloatLE(Number.NaN, 0);
        writeFileSync(join(d, 'weights.bin'), b);
      },
      'holds NaN or infinite values',
    ],
    [
      'weights changed under the same id',
      (d: string) => {
        const b = readFileSync(join(d, 'weights.bin'));
        b.writeFloatLE(b.readFloatLE(0) + 1, 0);
        writeFileSync(join(d, 'weights.bin'), b);
      },
      'does not match its weights',
    ],
    [
      'a vocabulary of the wrong size',
      (d: string) =>
        writeFileSync(join(d, 'vocab.json'), JSON.stringify({ words: ['<pad>', '<start>', '<end>', '<unk>'] })),
      'vocab.json has 4 words',
    ],
    ['a broken vocabulary', (d: string) => writeFileSync(join(d, 'vocab.json'), '[1,2'), 'vocab.json: not valid JSON'],
    [
      'a config of the wrong shape',
      (d: string) => {
        const m = JSON.parse(readFileSync(join(d, 'bundle.json'), 'utf8'));
        m.config.embedSize = 48;
        writeFileSync(join(d, 'bundle.json'), JSON.stringify(m));
      },
      'the config needs',
    ],
    [
      'a bad manifest',
      (d: string) =>
        writeFileSync(
          join(d, 'bundle.json'),
          JSON.stringify({ format: 'glimpse-vse-bundle', formatVersion: 1, id: 3 }),
        ),
      'bundle.json: invalid at "id"',
    ],
    [
      'another file format',
      (d: string) => writeFileSync(join(d, 'bundle.json'), '{"format":"onnx"}'),
      'not a Glimpse model bundle',
    ],
    [
      'a missing backbone',
      (d: string) => rmSync(join(d, 'backbone', 'model.json')),
      join('backbone', 'model.json: missing'),
    ],
    [
      'a caption bank that never ends (a link to /dev/zero)',
      (d: string) => {
        rmSync(join(d, 'captions.txt'));
        symlinkSync('/dev/zero', join(d, 'captions.txt'));
      },
      'outside the bundle folder',
    ],
    [
      'a caption bank that is a FIFO',
      (d: string) => {
        rmSync(join(d, 'captions.txt'));
        execFileSync('mkfifo', [join(d, 'captions.txt')]);
      },
      'captions.txt: not a regular file',
    ],
    [
      'weights listed outside the bundle (../)',
      (d: string) => {
        const m = JSON.parse(readFileSync(join(d, 'weights.json'), 'utf8'));
        cpSync(join(d, 'weights.bin'), join(d, '..', 'stolen.bin'));
        m.weightsManifest[0].paths = ['../stolen.bin'];
        writeFileSync(join(d, 'weights.json'), JSON.stringify(m));
      },
      'a path outside the bundle folder',
    ],
    [
      'weights listed by an absolute path',
      (d: string) => {
        const m = JSON.parse(readFileSync(join(d, 'weights.json'), 'utf8'));
        m.weightsManifest[0].paths = [join(d, 'weights.bin')];
        writeFileSync(join(d, 'weights.json'), JSON.stringify(m));
      },
      'a path outside the bundle folder',
    ],
    [
      'a weights file that links out of the bundle',
      (d: string) => {
        cpSync(join(d, 'weights.bin'), join(d, '..', 'outside-weights.bin'));
        rmSync(join(d, 'weights.bin'));
        symlinkSync(join(d, '..', 'outside-weights.bin'), join(d, 'weights.bin'));
      },
      'outside the bundle folder',
    ],
    [
      'a backbone outside the bundle (../)',
      (d: string) => {
        const m = JSON.parse(readFileSync(join(d, 'bundle.json'), 'utf8'));
        m.backbone.path = '../model/backbone';
        writeFileSync(join(d, 'bundle.json'), JSON.stringify(m));
      },
      'bundle.json: invalid at "backbone.path": must be a folder inside the bundle',
    ],
    [
      'a backbone folder that links out of the bundle',
      (d: string) => {
        rmSync(join(d, 'backbone'), { recursive: true });
        symlinkSync(join(bundleDir, 'backbone'), join(d, 'backbone'));
      },
      'outside the bundle folder',
    ],
  ])('rejects %s with a clear error naming the file', async (_name, damage, message) => {
    const d = join(tmp.dir, `damaged-${_name.replace(/\W+/g, '-')}`);
    cpSync(bundleDir, d, { recursive: true });
    damage(d);
    const before = tf.memory().numTensors;
    await expect(loadBundle(d)).rejects.toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('fine-tuning on labelled albums', () => {
  it('writes a new bundle: vocabulary grown (old rows kept), recall before and after on held-out photos', async () => {
    const out = join(tmp.dir, 'tuned');
    const r = await api.finetune({
      model: bundleDir,
      data: albums,
      out,
      epochs: 15,
      learningRate: 1e-3,
      patience: 15,
      batchSize: 8,
    });
    if (!r.ok) throw new Error(r.error.message);
    const v = r.value;
    expect(v.status).toMatch(/completed|early-stopped/);
    expect(v.newWords).toBeGreaterThanOrEqual(2); // purple, yellow
    expect(v.after).not.toBeNull();
    expect(v.after!.rsum).toBeGreaterThan(v.before.rsum);
    const base = await loadBundle(bundleDir);
    const tuned = await loadBundle(out);
    expect(tuned.vocab.words.slice(0, base.vocab.size)).toEqual(base.vocab.words);
    expect(tuned.vocab.has('purple')).toBe(true);
    expect(tuned.manifest.card.finetune).toMatchObject({ from: base.manifest.id, newWords: v.newWords });
    expect(tuned.manifest.id).not.toBe(base.manifest.id);
    expect(tuned.captionBank).toContain('purple circle');
    base.model.dispose();
    tuned.model.dispose();
  });

  it('a model with two heads saves, reloads identically and fine-tunes: every head learns the new words', async () => {
    const two = join(tmp.dir, 'two-heads');
    const t = await api.train({
      data,
      out: two,
      backbone: 'tiny-cnn',
      config: { embedSize: 32, wordDim: 16, batchSize: 12, numEpochs: 2, vocabThreshold: 1, heads: 2 },
      float16: false,
    });
    if (!t.ok) throw new Error(t.error.message);
    expect(await embed(two, 'a red circle')).toHaveLength(64);
    expect(await embed(two, 'a red circle')).toEqual(await embed(two, 'a red circle'));
    const out = join(tmp.dir, 'two-heads-tuned');
    const r = await api.finetune({ model: two, data: albums, out, epochs: 2, batchSize: 8 });
    if (!r.ok) throw new Error(r.error.message);
    const [base, tuned] = [await loadBundle(two), await loadBundle(out)];
    expect(tuned.model.config.heads).toBe(2);
    for (const name of ['txt.embed', 'head1.txt.embed']) {
      const [b, w] = [base.model.params.get(name)!, tuned.model.params.get(name)!];
      expect(w.shape[0]).toBe(tuned.vocab.size);
      // Every head has a row for each word of the grown vocabulary, the albums' new words too.
      expect(w.shape[0]).toBeGreaterThan(b.shape[0]!);
    }
    base.model.dispose();
    tuned.model.dispose();
  });

  it('refuses to overwrite the model it starts from, and tiny albums', async () => {
    const same = await api.finetune({ model: bundleDir, data: albums, out: bundleDir });
    expect(same.ok).toBe(false);
    const few = join(tmp.dir, 'few');
    await makeImageFolder(few, { perConcept: 1, colours: ['red'], albums: true });
    rmSync(join(few, 'red circle'), { recursive: true });
    const r = await api.finetune({ model: bundleDir, data: few, out: join(tmp.dir, 'never') });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ code: 'bad-data' });
  });
});

describe('the API contract at the boundary', () => {
  it('rejects malformed input as data, naming the field', async () => {
    const r = await api.train({ data: '', out: 'x' } as never);
    expect(r).toEqual({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('"data"') } });
    const c = await api.train({ data, out: join(tmp.dir, 'x'), config: { embedSize: -3 } });
    expect(!c.ok && c.error.code).toBe('invalid-input');
    const u = await api.train({ data, out: join(tmp.dir, 'x'), config: { notAKnob: 1 } });
    expect(!u.ok && u.error.message).toMatch(/notAKnob/);
  });
});
