/**
 * CLIP models in ONNX, in the layout Immich uses: the tokenizer gives OpenAI's ids for every
 * fixture text (../shared/fixtures/clip-tokenizer); a small random CLIP that this test builds is
 * imported, indexes and searches through the app with the scores computed here independently; a
 * CLIP model can't be fine-tuned and says so; hostile folders are refused, naming the file.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import onnxProto from 'onnx-proto';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { onnxRuntimeAvailable } from '../src/core/runtime/backbones/onnx-runtime.js';
import { clipTokenizer } from '../src/core/language/clip-tokenizer.js';
import { readClipFolder } from '../src/core/interop/clip-folder.js';
import { createEngineApi } from '../src/core/app/api.js';
import { Rng } from '../src/core/base/rng.js';
import { ROOT, ok, tempDir, describeIf } from './helpers.js';

import onnx = onnxProto.onnx;

const TOK = join(ROOT, '..', 'shared', 'fixtures', 'clip-tokenizer');
const have = existsSync(join(TOK, 'expected.json'));
const ortHere = (await onnxRuntimeAvailable()) === true;
if (process.env.GLIMPSE_REQUIRE_ORT && !ortHere) throw new Error('onnxruntime-node is required here');

const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.2613026, 0.2757771];
const SIZE = 32;
const DIM = 8;
const CONTEXT = 77;

function tensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(0)) };
}

function model(graph: onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'glimpse-test',
    graph,
  }).finish();
}

const io = (name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

/** A random CLIP in Immich's layout: image → channel means → W; text → mean of token rows. */
function makeClipFolder(dir: string, W: Float32Array, E: Float32Array, vocab: number): void {
  mkdirSync(join(dir, 'visual'), { recursive: true });
  mkdirSync(join(dir, 'textual'), { recursive: true });
  const F = onnx.TensorProto.DataType.FLOAT;
  writeFileSync(
    join(dir, 'visual', 'model.onnx'),
    model({
      name: 'visual',
      input: [io('image', F, ['batch', 3, SIZE, SIZE])],
      output: [io('embedding', F, ['batch', DIM])],
      initializer: [tensor('W', [3, DIM], W)],
      node: [
        { opType: 'GlobalAveragePool', input: ['image'], output: ['pooled'] },
        { opType: 'Flatten', input: ['pooled'], output: ['flat'], attribute: [{ name: 'axis', i: 1, type: 2 }] },
        { opType: 'MatMul', input: ['flat', 'W'], output: ['embedding'] },
      ],
    }),
  );
  writeFileSync(
    join(dir, 'textual', 'model.onnx'),
    model({
      name: 'textual',
      input: [io('text', onnx.TensorProto.DataType.INT32, ['batch', CONTEXT])],
      output: [io('embedding', F, ['batch', DIM])],
      initializer: [tensor('E', [vocab, DIM], E)],
      node: [
        { opType: 'Gather', input: ['E', 'text'], output: ['rows'] },
        {
          opType: 'ReduceMean',
          input: ['rows'],
          output: ['embedding'],
          attribute: [
            { name: 'axes', ints: [1], type: 7 },
            { name: 'keepdims', i: 0, type: 2 },
          ],
        },
      ],
    }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ embed_dim: DIM, vision_cfg: { image_size: SIZE }, text_cfg: { context_length: CONTEXT } }),
  );
  writeFileSync(
    join(dir, 'visual', 'preprocess_cfg.json'),
    JSON.stringify({
      size: [SIZE, SIZE],
      mode: 'RGB',
      mean: MEAN,
      std: STD,
      interpolation: 'bicubic',
      resize_mode: 'shortest',
    }),
  );
  cpSync(join(TOK, 'tokenizer.json'), join(dir, 'textual', 'tokenizer.json'));
  cpSync(join(TOK, 'tokenizer_config.json'), join(dir, 'textual', 'tokenizer_config.json'));
}

const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};

describeIf(have, `${TOK} (the CLIP tokenizer fixture) is not here`)('the CLIP tokenizer from tokenizer.json', () => {
  it("gives OpenAI's clip.tokenize ids for every fixture text", () => {
    const ex = JSON.parse(readFileSync(join(TOK, 'expected.json'), 'utf8')) as {
      context_length: number;
      cases: { text: string; ids: number[] }[];
    };
    const tok = clipTokenizer(
      JSON.parse(readFileSync(join(TOK, 'tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(TOK, 'tokenizer_config.json'), 'utf8')),
      ex.context_length,
    );
    expect(ex.cases.length).toBe(19);
    for (const c of ex.cases) expect([c.text, Array.from(tok.encode([c.text]))]).toEqual([c.text, c.ids]);
  });
});

describeIf(have && ortHere, 'the CLIP tokenizer fixture or onnxruntime-node is missing here')(
  'a CLIP model in ONNX, imported',
  () => {
    const tmp = tempDir();
    const rng = new Rng(3);
    const vocab = 49408;
    const W = Float32Array.from({ length: 3 * DIM }, () => rng.uniform(-1, 1));
    const E = Float32Array.from({ length: vocab * DIM }, () => rng.uniform(-1, 1));
    const src = join(tmp.dir, 'ViT-test__openai');
    const photos = join(tmp.dir, 'photos');
    const colours: [number, number, number][] = [
      [200, 30, 30],
      [20, 40, 210],
    ];

    beforeAll(async () => {
      await initBackend('wasm');
      makeClipFolder(src, W, E, vocab);
      mkdirSync(photos);
      // Solid colours: whatever the resizing, every pixel of the input is the colour normalised.
      for (const [i, [r, g, b]] of colours.entries())
        await sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } })
          .jpeg({ quality: 100 })
          .toFile(join(photos, `IMG_000${i + 1}.jpg`));
    });
    afterAll(() => tmp.cleanup());

    it('reads the preprocessing: shortest side to the input size, then a centre crop, with its mean and std', () => {
      expect(readClipFolder(src).preprocess).toEqual({
        inputSize: SIZE,
        mean: MEAN,
        std: STD,
        fit: 'crop',
        cropFraction: 1,
      });
    });

    it('imports, indexes and searches with the scores the model gives, then says it cannot fine-tune', async () => {
      const api = createEngineApi({ dataDir: join(tmp.dir, 'data'), ocr: null });
      try {
        const imp = ok(await api.importOnnx({ path: src, name: 'test CLIP' }));
        expect(imp.model).toMatch(/^clip-[0-9a-f]{16}$/);
        expect(ok(await api.model({}))).toMatchObject({ kind: 'onnx-clip', name: 'test CLIP', embedSize: DIM });
        expect(ok(await api.index({ folders: [photos] }))).toMatchObject({ indexed: 2, failed: 0, model: imp.model });

        const query = 'a red photo';
        const ids = clipTokenizer(
          JSON.parse(readFileSync(join(TOK, 'tokenizer.json'), 'utf8')),
          JSON.parse(readFileSync(join(TOK, 'tokenizer_config.json'), 'utf8')),
          CONTEXT,
        ).encode([query]);
        const text = unit(
          Array.from({ length: DIM }, (_, d) => Array.from(ids).reduce((s, id) => s + E[id * DIM + d]!, 0) / CONTEXT),
        );
        const image = (rgb: number[]) =>
          unit(
            Array.from({ length: DIM }, (_, d) =>
              rgb.reduce((s, c, k) => s + ((c / 255 - MEAN[k]!) / STD[k]!) * W[k * DIM + d]!, 0),
            ),
          );
        const s = ok(await api.search({ query, evidence: ['semantic'] }));
        expect(s.results.length).toBe(2);
        for (const r of s.results) {
          const rgb = colours[Number(r.path.slice(-5, -4)) - 1]!;
          const want = image(rgb).reduce((acc, x, d) => acc + x * text[d]!, 0);
          expect(Math.abs(r.score - want)).toBeLessThan(2e-3);
        }

        // A model folder whose manifest leaves a graph out of its id is refused when adopted.
        const crafted = join(tmp.dir, 'crafted-clip');
        cpSync(imp.path, crafted, { recursive: true });
        const manifest = JSON.parse(readFileSync(join(crafted, 'glimpse-model.json'), 'utf8')) as { files: string[] };
        manifest.files = manifest.files.filter((f) => f !== join('visual', 'model.onnx'));
        writeFileSync(join(crafted, 'glimpse-model.json'), JSON.stringify(manifest));
        expect(await api.adoptModel({ path: crafted })).toMatchObject({
          ok: false,
          error: { code: 'bad-bundle', message: expect.stringMatching(/does not list visual\/model\.onnx/) },
        });

        const albums = ok(await api.createAlbum({ name: 'Reds', label: 'red things' }));
        const ft = await api.finetuneAlbums({ albums: [albums.id] });
        expect(ft).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/CLIP/) } });

        // The album re-captions the library in the background; the model changes once that is done.
        while (ok(await api.jobs({})).jobs.some((j) => j.state === 'running'))
          await new Promise((r) => setTimeout(r, 50));
        ok(await api.revertModel({}));
        expect(ok(await api.model({}))).toMatchObject({ kind: 'glimpse-vse', builtIn: true });
      } finally {
        api.close();
      }
    }, 120_000);

    it.each([
      [
        'a tokenizer.json of another kind',
        (d: string) =>
          writeFileSync(join(d, 'textual', 'tokenizer.json'), JSON.stringify({ version: '1.0', vocab: {} })),
        /textual\/tokenizer\.json: not a Hugging Face tokenizer/,
      ],
      [
        'external data outside the folder',
        (d: string) => {
          const m = onnx.ModelProto.decode(readFileSync(join(d, 'visual', 'model.onnx')));
          const w = m.graph!.initializer![0]!;
          w.rawData = new Uint8Array(0);
          w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
          w.externalData = [{ key: 'location', value: '../../secret.bin' }];
          writeFileSync(join(d, 'visual', 'model.onnx'), onnx.ModelProto.encode(m).finish());
        },
        /visual\/model\.onnx: external data "\.\.\/\.\.\/secret\.bin": .*outside the bundle folder/,
      ],
      [
        'a missing image encoder',
        (d: string) => rmSync(join(d, 'visual', 'model.onnx')),
        /visual\/model\.onnx: missing/,
      ],
      [
        'a resize mode it does not know',
        (d: string) => {
          const p = join(d, 'visual', 'preprocess_cfg.json');
          writeFileSync(p, JSON.stringify({ ...JSON.parse(readFileSync(p, 'utf8')), resize_mode: 'longest' }));
        },
        /resize_mode "longest"/,
      ],
      [
        "a config whose embedding size is not the graphs'",
        (d: string) =>
          writeFileSync(
            join(d, 'config.json'),
            JSON.stringify({ embed_dim: DIM + 1, text_cfg: { context_length: CONTEXT } }),
          ),
        /gives 8 values per input, not 9/,
      ],
      [
        'a config that links out of the folder',
        (d: string) => {
          rmSync(join(d, 'config.json'));
          symlinkSync('/etc/hostname', join(d, 'config.json'));
        },
        /config\.json: a link to .*outside the bundle folder/,
      ],
    ])('refuses %s, naming the file, and adopts nothing', async (_name, damage, message) => {
      const d = join(tmp.dir, `bad-${_name.replace(/\W+/g, '-')}`);
      cpSync(src, d, { recursive: true });
      damage(d);
      const api = createEngineApi({ dataDir: join(tmp.dir, `data-${_name.replace(/\W+/g, '-')}`), ocr: null });
      try {
        const r = await api.importOnnx({ path: d });
        expect(r.ok).toBe(false);
        expect(r.ok ? '' : r.error.message).toMatch(message);
        expect(ok(await api.model({})).builtIn).toBe(true);
      } finally {
        api.close();
      }
    });
  },
);
