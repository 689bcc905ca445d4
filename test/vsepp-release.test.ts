/**
 * The VSE++ authors' released format, read without Python: both fixture checkpoints (a Bottleneck
 * ResNet pickled with _rebuild_tensor_v2, a BasicBlock one as PyTorch 0.3 wrote it) and both
 * vocabulary flavours must give the published code's token ids, pooled CNN features, embeddings
 * and similarities (../shared/fixtures/vsepp-checkpoint, its README). Hostile files are refused.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { readVseppRelease } from '../src/core/interop/vsepp-release.js';
import { readVseppVocab } from '../src/core/interop/vsepp-vocab.js';
import { readTorchCheckpoint } from '../src/core/interop/torch-checkpoint.js';
import { pickleReader, pyClass, unpickle, type PickleGlobal } from '../src/core/interop/pickle.js';
import { unzipSync, zipSync } from 'fflate';
import { createHash } from 'node:crypto';
import { padTokens } from '../src/core/vse/model/vse.js';
import { decodeEval } from '../src/core/vse/data/images.js';
import { vseppTokenize } from '../src/core/language/nltk-tokenizer.js';
import { createEngineApi } from '../src/core/app/api.js';
import { ROOT, expectClose, ok, tempDir, describeIf } from './helpers.js';

const F = join(ROOT, '..', 'shared', 'fixtures', 'vsepp-checkpoint');
const have = existsSync(join(F, 'expected.json'));

interface Expected {
  preprocess: { resize_shorter: number; crop: number; mean: number[]; std: number[] };
  checkpoints: Record<
    string,
    {
      block: string;
      layers: number[];
      embed_size: number;
      images: {
        file: string;
        input_sum: number;
        input_first: number[];
        cnn_pooled_first: number[];
        cnn_pooled_norm: number;
        embedding: number[];
      }[];
      captions: { text: string; tokens: string[]; ids: number[]; embedding: number[] }[];
      similarity: number[][];
    }
  >;
}

const expected: Expected | null = have ? JSON.parse(readFileSync(join(F, 'expected.json'), 'utf8')) : null;
const l2 = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

/**
 * The published preprocessing of a 256×256 image, where Resize(256) is the identity: the centre
 * 224 crop and ImageNet's mean and std, computed here without Glimpse's decoder.
 */
async function exactInput(file: string, ex: Expected['preprocess']): Promise<Float32Array> {
  const { data, info } = await sharp(join(F, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([ex.resize_shorter, ex.resize_shorter]);
  const off = Math.round((ex.resize_shorter - ex.crop) / 2);
  const out = new Float32Array(ex.crop * ex.crop * 3);
  for (let y = 0; y < ex.crop; y++)
    for (let x = 0; x < ex.crop; x++)
      for (let c = 0; c < 3; c++)
        out[(y * ex.crop + x) * 3 + c] =
          (data[((y + off) * info.width + x + off) * 3 + c]! / 255 - ex.mean[c]!) / ex.std[c]!;
  return out;
}

describeIf(have, `${F} (the released VSE++ checkpoint fixture) is not here`)('released VSE++ checkpoints', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('reads both vocabulary flavours (Python 3 str, Python 2 bytes) to the same words', () => {
    for (const d of Object.keys(expected!.checkpoints)) {
      const py3 = readVseppVocab(join(F, d, 'vocab.pkl'));
      expect(py3.slice(0, 4)).toEqual(['<pad>', '<start>', '<end>', '<unk>']);
      expect(readVseppVocab(join(F, d, 'vocab-py2.pkl'))).toEqual(py3);
    }
  });

  it('tokenises captions as nltk.word_tokenize does', () => {
    for (const c of Object.values(expected!.checkpoints)[0]!.captions) expect(vseppTokenize(c.text)).toEqual(c.tokens);
    const cases = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/nltk-word-tokenize.json'), 'utf8')) as [
      string,
      string[],
    ][];
    for (const [text, tokens] of cases) expect([text, vseppTokenize(text)]).toEqual([text, tokens]);
  });

  describe.each(have ? Object.keys(expected!.checkpoints) : [])('%s', (name) => {
    it.each(['vocab.pkl', 'vocab-py2.pkl'])('matches the published forward passes (%s)', async (vocabFile) => {
      const ex = expected!.checkpoints[name]!;
      const before = tf.memory().numTensors;
      const r = readVseppRelease(join(F, name, 'model_best.pth.tar'), join(F, name, vocabFile));
      try {
        expect(r.shape).toEqual({ block: ex.block, layers: ex.layers });
        expect(r.config.embedSize).toBe(ex.embed_size);

        // Text: ids with <start>/<end>/<unk>, then the GRU state at the last real token.
        const ids = ex.captions.map((c) => r.vocab.encode(c.text));
        expect(ids).toEqual(ex.captions.map((c) => c.ids));
        const caps = tf.tidy(() => r.model.encodeText(padTokens(ids)).arraySync());
        caps.forEach((v, i) => expectClose(v, ex.captions[i]!.embedding, 1e-4, 1e-4));

        // The 256-px image: its exact input, pooled feature, embedding and similarities.
        const i2 = ex.images.findIndex((im) => im.file === 'image2.png');
        const im = ex.images[i2]!;
        const input = await exactInput(im.file, expected!.preprocess);
        expect(input.reduce((s, x) => s + x, 0)).toBeCloseTo(im.input_sum, 0);
        // PyTorch's input is channels-first: its first values are the red channel's top row.
        expectClose(
          Array.from({ length: 8 }, (_, x) => input[x * 3]!),
          im.input_first,
          1e-5,
          1e-5,
        );
        const [pooled, emb] = tf.tidy(() => {
          const f = r.model.backbone!.features(tf.tensor4d(input, [1, 224, 224, 3]));
          return [f.dataSync().slice(), r.model.encodeFeatures(f).dataSync().slice()];
        });
        expectClose(pooled.subarray(0, 8), im.cnn_pooled_first, 1e-4, 1e-4);
        expect(Math.abs(l2(pooled) - im.cnn_pooled_norm) / im.cnn_pooled_norm).toBeLessThan(1e-4);
        expectClose(emb, im.embedding, 1e-4, 1e-4);
        expectClose(
          caps.map((c) => dot(emb, c)),
          ex.similarity[i2]!,
          1e-4,
          1e-4,
        );

        // End to end through Glimpse's decoder (sharp's resize, not PIL's): a stated tolerance.
        for (const [k, other] of ex.images.entries()) {
          if (k === i2) continue;
          const px = new Float32Array(224 * 224 * 3);
          await decodeEval(join(F, other.file), r.model.backbone!.preprocess, px, 0);
          const e = tf.tidy(() =>
            r.model
              .encodePixels(tf.tensor4d(px, [1, 224, 224, 3]))
              .dataSync()
              .slice(),
          );
          expect(dot(e, other.embedding)).toBeGreaterThan(0.999);
        }
      } finally {
        r.model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

/**
 * The same checkpoint in PyTorch's zip format, as torch.save (≥ 1.6) lays it out: the legacy
 * file's object pickle as `archive/data.pkl` and each storage's raw bytes as `archive/data/<key>`.
 */
function toZipCheckpoint(legacy: string, out: string): void {
  const buf = readFileSync(legacy);
  const reader = pickleReader(buf);
  reader.skip(15); // torch.save's magic number
  const plain = { globals: new Map(), where: legacy };
  unpickle(reader, plain); // protocol
  unpickle(reader, plain); // system info
  const start = reader.position;
  const types = new Map<string, number>();
  const marker = (bytes: number) => Object.assign(() => null, { bytes });
  unpickle(reader, {
    where: legacy,
    globals: new Map<string, PickleGlobal>([
      ['collections.OrderedDict', () => new Map()],
      ['torch._utils._rebuild_tensor', () => null],
      ['torch._utils._rebuild_tensor_v2', () => null],
      ['argparse.Namespace', pyClass],
      ['torch.FloatStorage', marker(4)],
      ['torch.LongStorage', marker(8)],
    ]),
    persistent: (pid) => {
      const [, type, key] = pid as [string, { bytes: number }, string];
      types.set(key, type.bytes);
      return null;
    },
  });
  const files: Record<string, Uint8Array> = { 'archive/data.pkl': buf.subarray(start, reader.position) };
  const keys = unpickle(reader, plain) as string[];
  let at = reader.position;
  for (const key of keys) {
    const count = Number(buf.readBigUInt64LE(at));
    at += 8;
    files[`archive/data/${key}`] = buf.subarray(at, at + count * types.get(key)!);
    at += count * types.get(key)!;
  }
  files['archive/version'] = Buffer.from('3\n');
  writeFileSync(out, zipSync(files, { level: 0 }));
}

describeIf(have, `${F} (the released VSE++ checkpoint fixture) is not here`)(
  'hostile checkpoints and vocabularies',
  () => {
    const tmp = tempDir();

    it('refuses a pickle that asks for anything outside the allow-list, naming it, and runs nothing', () => {
      const file = join(tmp.dir, 'evil.pkl');
      // protocol 2: os.system("touch pwned"), as a REDUCE.
      const marker = join(tmp.dir, 'pwned');
      const arg = Buffer.from(`touch ${marker}`);
      writeFileSync(
        file,
        Buffer.concat([
          Buffer.from('8002', 'hex'),
          Buffer.from('cos\nsystem\n'),
          Buffer.from([0x58, arg.length, 0, 0, 0]),
          arg,
          Buffer.from('855274', 'hex').subarray(0, 2),
          Buffer.from('.'),
        ]),
      );
      expect(() => readVseppVocab(file)).toThrow(/os\.system/);
      expect(existsSync(marker)).toBe(false);
    });

    it.each(['resnet-bottleneck', 'resnet-basic-legacy'])(
      'reads %s in the zip format to the same tensors, and refuses a zip with a storage cut short',
      (name) => {
        const legacy = join(F, name, 'model_best.pth.tar');
        const zip = join(tmp.dir, `${name}.zip.pth.tar`);
        toZipCheckpoint(legacy, zip);
        const tensorsOf = (root: unknown) =>
          (
            (root as Map<string, unknown>).get('model') as Map<string, { shape: number[]; data: Float32Array }>[]
          ).flatMap((m) => [...m].map(([k, t]) => [k, t.shape, createHash('sha1').update(t.data).digest('hex')]));
        expect(tensorsOf(readTorchCheckpoint(zip))).toEqual(tensorsOf(readTorchCheckpoint(legacy)));

        const files = unzipSync(readFileSync(zip));
        const key = Object.keys(files).find((f) => f.includes('/data/'))!;
        files[key] = files[key]!.subarray(0, files[key]!.length - 4);
        writeFileSync(zip, zipSync(files, { level: 0 }));
        expect(() => readTorchCheckpoint(zip)).toThrow(/truncated or not the size its tensors say/);
      },
    );

    it('refuses a truncated checkpoint and a file that is not one, with the file named', () => {
      const whole = readFileSync(join(F, 'resnet-basic-legacy', 'model_best.pth.tar'));
      const cut = join(tmp.dir, 'cut.pth.tar');
      writeFileSync(cut, whole.subarray(0, whole.length - 1000));
      expect(() => readTorchCheckpoint(cut)).toThrow(/cut\.pth\.tar: storage .* truncated/);
      const notOne = join(tmp.dir, 'photo.pth.tar');
      writeFileSync(notOne, Buffer.from('\xff\xd8\xff\xe0 a jpeg'));
      expect(() => readTorchCheckpoint(notOne)).toThrow(/photo\.pth\.tar: not a PyTorch checkpoint/);
    });
  },
);

/** A vocab.Vocabulary pickle (protocol 2) of `words`, written here as vsepp's vocab.py would. */
function vocabPickle(words: string[], idOf: (i: number) => number = (i) => i): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return Buffer.concat([Buffer.from('X'), len, b]);
  };
  const int = (n: number) => {
    const b = Buffer.alloc(5);
    b.write('J');
    b.writeInt32LE(n, 1);
    return b;
  };
  const dict = (pairs: [Buffer, Buffer][]) => Buffer.concat([Buffer.from('}('), ...pairs.flat(), Buffer.from('u')]);
  return Buffer.concat([
    Buffer.from([0x80, 0x02]),
    Buffer.from('cvocab\nVocabulary\n)'),
    Buffer.from([0x81]),
    dict([
      [str('word2idx'), dict(words.map((w, i) => [str(w), int(idOf(i))]))],
      [str('idx2word'), dict(words.map((w, i) => [int(i), str(w)]))],
      [str('idx'), int(words.length)],
    ]),
    Buffer.from('b.'),
  ]);
}

describeIf(have, `${F} (the released VSE++ checkpoint fixture) is not here`)(
  'importing a released run into the app',
  () => {
    const tmp = tempDir();
    const ckpt = join(F, 'resnet-basic-legacy', 'model_best.pth.tar');

    it('refuses a vocabulary that is not the run’s, or whose tables disagree, adopting nothing', async () => {
      const api = createEngineApi({ dataDir: join(tmp.dir, 'refused'), ocr: null });
      try {
        const words = readVseppVocab(join(F, 'resnet-basic-legacy', 'vocab.pkl'));
        const short = join(tmp.dir, 'short.pkl');
        writeFileSync(short, vocabPickle(words.slice(0, -1)));
        const r = await api.importVsepp({ checkpoint: ckpt, vocab: short });
        expect(r).toMatchObject({ ok: false, error: { code: 'bad-bundle' } });
        expect(r.ok ? '' : r.error.message).toMatch(/short\.pkl: 31 words, but the checkpoint's embedding has 32 rows/);
        const bad = join(tmp.dir, 'disagree.pkl');
        writeFileSync(
          bad,
          vocabPickle(words, (i) => (i === 5 ? 6 : i)),
        );
        expect(await api.importVsepp({ checkpoint: ckpt, vocab: bad })).toMatchObject({
          ok: false,
          error: { code: 'bad-data', message: expect.stringMatching(/disagree/) },
        });
        expect(ok(await api.model({})).builtIn).toBe(true);
      } finally {
        api.close();
      }
    });

    it('imports, adopts, indexes and searches with it, and goes back to the shipped model', async () => {
      const photos = join(tmp.dir, 'photos');
      mkdirSync(photos);
      ['image0.png', 'image1.png', 'image2.png'].forEach((f, i) =>
        copyFileSync(join(F, f), join(photos, `IMG_000${i + 1}.png`)),
      );
      const api = createEngineApi({ dataDir: join(tmp.dir, 'data'), ocr: null });
      try {
        const imp = ok(
          await api.importVsepp({ checkpoint: ckpt, vocab: join(F, 'resnet-basic-legacy', 'vocab-py2.pkl') }),
        );
        expect(imp.reembedJob).toBeNull();
        const m = ok(await api.model({}));
        expect(m).toMatchObject({
          id: imp.model,
          builtIn: false,
          kind: 'vsepp-released',
          name: 'VSE++ coco resnet18 (released)',
        });
        const idx = ok(await api.index({ folders: [photos] }));
        expect(idx).toMatchObject({ indexed: 3, failed: 0, model: imp.model });
        if (process.env.GLIMPSE_REQUIRE_ORT) expect(idx.imageRuntime).toMatch(/onnxruntime/);
        // The library's scores are the published similarities: exactly for the 256-px photo (its
        // resize is the identity), within the resizers' difference for the others.
        const ex = expected!.checkpoints['resnet-basic-legacy']!;
        const caption = ex.captions.findIndex((c) => c.text.startsWith("A man's"));
        const s = ok(await api.search({ query: ex.captions[caption]!.text, evidence: ['semantic'] }));
        expect(s.model).toBe(imp.model);
        const score = new Map(s.results.map((r) => [r.path.slice(-5, -4), r.score]));
        expect([...score.keys()].sort()).toEqual(['1', '2', '3']);
        expect(Math.abs(score.get('3')! - ex.similarity[2]![caption]!)).toBeLessThan(1e-4);
        for (const i of [0, 1])
          expect(Math.abs(score.get(String(i + 1))! - ex.similarity[i]![caption]!)).toBeLessThan(0.01);
        ok(await api.revertModel({}));
        expect(ok(await api.model({})).builtIn).toBe(true);
      } finally {
        api.close();
      }
    }, 120_000);
  },
);
