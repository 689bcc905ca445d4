/**
 * A CLIP ViT-B/32 (OpenAI's shapes: 224-px images in 32-px patches, 12 layers of width 768; a
 * text transformer of 12 layers of width 512 over 77 tokens; a 512-d joint space) with random
 * weights, written as ONNX graphs in Immich's folder layout, for speed and memory only: real
 * CLIP weights can't be had here. The graphs are those of the published architecture (patch
 * convolution, class token, pre-norm attention blocks with QuickGELU, causal text mask, the
 * end-of-text token's state), so onnxruntime does the work a real export gives it.
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { Rng } from '../src/core/base/rng.js';
import { readClipFolder } from '../src/core/interop/clip-folder.js';
import { saveClipModel } from '../src/core/interop/clip-bundle.js';
import { appRoot } from '../src/core/base/app-root.js';
import onnx = onnxProto.onnx;

const F = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;
const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.2613026, 0.2757771];

export const VIT_B32 = {
  image: 224,
  patch: 32,
  width: 768,
  layers: 12,
  heads: 12,
  textWidth: 512,
  textLayers: 12,
  textHeads: 8,
  context: 77,
  vocab: 49408,
  embed: 512,
};

/** Builds one graph's nodes and weights. */
class Graph {
  readonly nodes: onnx.INodeProto[] = [];
  readonly inits: onnx.ITensorProto[] = [];
  private n = 0;
  constructor(private readonly rng: Rng) {}

  name(prefix: string): string {
    return `${prefix}_${this.n++}`;
  }

  weight(dims: number[], scale: number): string {
    const size = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = this.rng.uniform(-scale, scale);
    return this.constant(dims, data);
  }

  constant(dims: number[], data: Float32Array): string {
    const name = this.name('w');
    this.inits.push({
      name,
      dims,
      dataType: F,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  ints(values: number[]): string {
    const name = this.name('shape');
    this.inits.push({ name, dims: [values.length], dataType: I64, int64Data: values });
    return name;
  }

  op(opType: string, input: string[], attribute: onnx.IAttributeProto[] = []): string {
    const out = this.name(opType.toLowerCase());
    this.nodes.push({ opType, input, output: [out], attribute });
    return out;
  }

  linear(x: string, inp: number, out: number): string {
    return this.op('Add', [
      this.op('MatMul', [x, this.weight([inp, out], 1 / Math.sqrt(inp))]),
      this.weight([out], 0.01),
    ]);
  }

  layerNorm(x: string, width: number): string {
    const gain = this.constant([width], new Float32Array(width).fill(1));
    const bias = this.constant([width], new Float32Array(width));
    return this.op('LayerNormalization', [x, gain, bias], [{ name: 'axis', i: -1, type: 2 }]);
  }

  /** A pre-norm residual block: attention (with `mask` added to its scores), then a QuickGELU MLP. */
  block(x: string, width: number, heads: number, tokens: number, mask?: string): string {
    const d = width / heads;
    const qkv = this.linear(this.layerNorm(x, width), width, 3 * width);
    const split = this.op(
      'Transpose',
      [this.op('Reshape', [qkv, this.ints([0, tokens, 3, heads, d])])],
      [{ name: 'perm', ints: [2, 0, 3, 1, 4], type: 7 }],
    );
    const part = (i: number) =>
      this.op('Squeeze', [
        this.op('Gather', [split, this.ints([i])], [{ name: 'axis', i: 0, type: 2 }]),
        this.ints([0]),
      ]);
    const [q, k, v] = [part(0), part(1), part(2)];
    const kt = this.op('Transpose', [k], [{ name: 'perm', ints: [0, 1, 3, 2], type: 7 }]);
    let scores = this.op('Mul', [this.op('MatMul', [q, kt]), this.constant([1], Float32Array.of(1 / Math.sqrt(d)))]);
    if (mask) scores = this.op('Add', [scores, mask]);
    const attn = this.op('Softmax', [scores], [{ name: 'axis', i: -1, type: 2 }]);
    const ctx = this.op('Transpose', [this.op('MatMul', [attn, v])], [{ name: 'perm', ints: [0, 2, 1, 3], type: 7 }]);
    const merged = this.op('Reshape', [ctx, this.ints([0, tokens, width])]);
    const x1 = this.op('Add', [x, this.linear(merged, width, width)]);
    const h = this.linear(this.layerNorm(x1, width), width, 4 * width);
    const gelu = this.op('Mul', [
      h,
      this.op('Sigmoid', [this.op('Mul', [h, this.constant([1], Float32Array.of(1.702))])]),
    ]);
    return this.op('Add', [x1, this.linear(gelu, 4 * width, width)]);
  }
}

function io(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function save(path: string, g: Graph, input: onnx.IValueInfoProto, out: string, dim: number): void {
  g.nodes.push({ opType: 'Identity', input: [out], output: ['embedding'] });
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'glimpse-bench',
    graph: {
      name: 'clip',
      input: [input],
      output: [io('embedding', F, ['batch', dim])],
      initializer: g.inits,
      node: g.nodes,
    },
  }).finish();
  writeFileSync(path, bytes);
}

function visual(s: typeof VIT_B32, rng: Rng): { g: Graph; out: string } {
  const g = new Graph(rng);
  const grid = s.image / s.patch;
  const tokens = grid * grid + 1;
  const patches = g.op(
    'Conv',
    ['image', g.weight([s.width, 3, s.patch, s.patch], 1 / Math.sqrt(3 * s.patch * s.patch))],
    [{ name: 'strides', ints: [s.patch, s.patch], type: 7 }],
  );
  const seq = g.op(
    'Transpose',
    [g.op('Reshape', [patches, g.ints([0, s.width, grid * grid])])],
    [{ name: 'perm', ints: [0, 2, 1], type: 7 }],
  );
  // The class token, one per image: the first patch times zero plus the learned token.
  const first = g.op('Slice', [seq, g.ints([0]), g.ints([1]), g.ints([1])]);
  const cls = g.op('Add', [g.op('Mul', [first, g.constant([1], Float32Array.of(0))]), g.weight([1, 1, s.width], 0.02)]);
  let x = g.op('Add', [
    g.op('Concat', [cls, seq], [{ name: 'axis', i: 1, type: 2 }]),
    g.weight([tokens, s.width], 0.02),
  ]);
  x = g.layerNorm(x, s.width);
  for (let l = 0; l < s.layers; l++) x = g.block(x, s.width, s.heads, tokens);
  const pooled = g.layerNorm(g.op('Gather', [x, g.ints([0])], [{ name: 'axis', i: 1, type: 2 }]), s.width);
  const flat = g.op('Reshape', [pooled, g.ints([0, s.width])]);
  const out = g.op('MatMul', [flat, g.weight([s.width, s.embed], 1 / Math.sqrt(s.width))]);
  return { g, out };
}

function textual(s: typeof VIT_B32, rng: Rng): { g: Graph; out: string } {
  const g = new Graph(rng);
  const ids64 = g.op('Cast', ['text'], [{ name: 'to', i: I64, type: 2 }]);
  let x = g.op('Add', [
    g.op('Gather', [g.weight([s.vocab, s.textWidth], 0.02), ids64]),
    g.weight([s.context, s.textWidth], 0.01),
  ]);
  const mask = new Float32Array(s.context * s.context);
  for (let i = 0; i < s.context; i++) for (let j = i + 1; j < s.context; j++) mask[i * s.context + j] = -1e9;
  const causal = g.constant([s.context, s.context], mask);
  for (let l = 0; l < s.textLayers; l++) x = g.block(x, s.textWidth, s.textHeads, s.context, causal);
  x = g.layerNorm(x, s.textWidth);
  // The end-of-text token has the largest id: its state is the sentence's.
  const eot = g.op('Unsqueeze', [
    g.op(
      'ArgMax',
      [ids64],
      [
        { name: 'axis', i: 1, type: 2 },
        { name: 'keepdims', i: 0, type: 2 },
      ],
    ),
    g.ints([1]),
  ]);
  const pooled = g.op('GatherND', [x, eot], [{ name: 'batch_dims', i: 1, type: 2 }]);
  const out = g.op('MatMul', [pooled, g.weight([s.textWidth, s.embed], 1 / Math.sqrt(s.textWidth))]);
  return { g, out };
}

/**
 * Writes a random ViT-B/32 CLIP in Immich's layout to `dir`; `tokenizerDir` holds CLIP's
 * tokenizer.json and tokenizer_config.json (../shared/fixtures/clip-tokenizer).
 */
export function writeRandomClip(dir: string, tokenizerDir: string, s = VIT_B32): void {
  mkdirSync(join(dir, 'visual'), { recursive: true });
  mkdirSync(join(dir, 'textual'), { recursive: true });
  const rng = new Rng(7);
  const v = visual(s, rng);
  save(join(dir, 'visual', 'model.onnx'), v.g, io('image', F, ['batch', 3, s.image, s.image]), v.out, s.embed);
  const t = textual(s, rng);
  save(
    join(dir, 'textual', 'model.onnx'),
    t.g,
    io('text', onnx.TensorProto.DataType.INT32, ['batch', s.context]),
    t.out,
    s.embed,
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      embed_dim: s.embed,
      vision_cfg: { image_size: s.image },
      text_cfg: { context_length: s.context },
    }),
  );
  writeFileSync(
    join(dir, 'visual', 'preprocess_cfg.json'),
    JSON.stringify({
      size: [s.image, s.image],
      mode: 'RGB',
      mean: MEAN,
      std: STD,
      interpolation: 'bicubic',
      resize_mode: 'shortest',
    }),
  );
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) cpSync(join(tokenizerDir, f), join(dir, 'textual', f));
}

/** CLIP's tokenizer files, from the shared fixtures beside the checkout. */
export const CLIP_TOKENIZER_DIR = join(appRoot(), '..', 'shared', 'fixtures', 'clip-tokenizer');

/**
 * The random ViT-B/32 as a Glimpse model folder (imported as a user's would be), written once
 * to bench/.cache (about 600 MB; writing it takes about 15 s); returns its folder.
 */
export function randomClipModel(): string {
  const cache = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', '.cache');
  const model = join(cache, 'clip-vit-b32-random');
  if (existsSync(join(model, 'glimpse-model.json'))) return model;
  if (!existsSync(join(CLIP_TOKENIZER_DIR, 'tokenizer.json')))
    throw new Error(`${CLIP_TOKENIZER_DIR}: CLIP's tokenizer files are needed for the CLIP bench`);
  const src = join(cache, 'clip-vit-b32-immich');
  rmSync(src, { recursive: true, force: true });
  writeRandomClip(src, CLIP_TOKENIZER_DIR);
  // One caption: the bank is embedded once per model and cached, so speed rows leave it out
  // (bench text times the shipped bank's embedding on its own).
  saveClipModel(
    readClipFolder(src),
    model,
    { name: 'random CLIP ViT-B/32', description: 'random weights, for speed', trainingData: [], recall: [], notes: [] },
    ['a photo'],
  );
  rmSync(src, { recursive: true, force: true });
  return model;
}
