/**
 * A CLIP model as Glimpse's Embedder: its visual and textual ONNX graphs on onnxruntime, its
 * tokenizer from tokenizer.json, its preprocessing from preprocess_cfg.json. Images arrive as
 * Glimpse decodes them (HWC, normalised) and go in as NCHW; both outputs are L2-normalised.
 */
import type * as Ort from 'onnxruntime-node';
import { join } from 'node:path';
import { GlimpseError } from '../base/errors.js';
import { clipTokenizer } from '../language/clip-tokenizer.js';
import { CLIP_FILES } from '../interop/clip-folder.js';
import { loadClipModel } from '../interop/clip-bundle.js';
import type { Embedder } from './embedder.js';
import { loadOnnxRuntime, onnxDescription, onnxSessionOptions } from './backbones/onnx-runtime.js';

function normaliseRows(v: Float32Array, n: number, dim: number): Float32Array {
  for (let i = 0; i < n; i++) {
    const row = v.subarray(i * dim, (i + 1) * dim);
    let s = 0;
    for (const x of row) s += x * x;
    const k = 1 / (Math.sqrt(s) + 1e-12);
    for (let j = 0; j < dim; j++) row[j]! *= k;
  }
  return v;
}

/** NHWC → NCHW. */
function toNchw(pixels: Float32Array, n: number, s: number): Float32Array {
  const out = new Float32Array(n * 3 * s * s);
  const plane = s * s;
  for (let b = 0; b < n; b++)
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < 3; c++) out[b * 3 * plane + c * plane + p] = pixels[(b * plane + p) * 3 + c]!;
  return out;
}

export async function openClipEmbedder(dir: string, threads: number): Promise<Embedder> {
  const ort = await loadOnnxRuntime();
  if (typeof ort === 'string') throw new GlimpseError('unavailable', `CLIP models run on onnxruntime: ${ort}`);
  const { manifest, folder, captionBank } = loadClipModel(dir);
  const opts = onnxSessionOptions(threads);
  const visual = await ort.InferenceSession.create(join(dir, CLIP_FILES.visual), opts);
  const textual = await ort.InferenceSession.create(join(dir, CLIP_FILES.textual), opts);
  const tokenizer = clipTokenizer(folder.tokenizerJson, folder.tokenizerConfig, folder.contextLength);
  const dim = folder.embedDim;
  /** Runs one graph on n inputs; a graph exported for a batch of one runs them one at a time. */
  const run = async (
    session: Ort.InferenceSession,
    make: (from: number, count: number) => Ort.Tensor,
    n: number,
  ): Promise<Float32Array> => {
    const out = new Float32Array(n * dim);
    const once = async (from: number, count: number) => {
      const res = await session.run({ [session.inputNames[0]!]: make(from, count) });
      const data = res[session.outputNames[0]!]!.data as Float32Array;
      if (data.length !== count * dim)
        throw new GlimpseError(
          'bad-bundle',
          `${dir}: the model gives ${data.length / count} values per input, not ${dim}`,
        );
      out.set(data, from * dim);
    };
    try {
      await once(0, n);
    } catch (err) {
      if (n === 1 || err instanceof GlimpseError) throw err;
      for (let i = 0; i < n; i++) await once(i, 1);
    }
    return normaliseRows(out, n, dim);
  };
  const s = folder.preprocess.inputSize;
  let textType: 'int32' | 'int64' | null = null;
  const textTensor = (ids: Int32Array, count: number, type: 'int32' | 'int64') =>
    type === 'int32'
      ? new ort.Tensor('int32', ids, [count, tokenizer.contextLength])
      : new ort.Tensor(
          'int64',
          BigInt64Array.from(ids, (x) => BigInt(x)),
          [count, tokenizer.contextLength],
        );
  return {
    id: manifest.id,
    dim,
    preprocess: folder.preprocess,
    captionBank,
    imageRuntime: onnxDescription(threads),
    embedImages(pixels, n) {
      const nchw = toNchw(pixels, n, s);
      return run(
        visual,
        (from, count) =>
          new ort.Tensor('float32', nchw.subarray(from * 3 * s * s, (from + count) * 3 * s * s), [count, 3, s, s]),
        n,
      );
    },
    async embedTexts(texts) {
      const ids = tokenizer.encode(texts);
      const L = tokenizer.contextLength;
      const slice = (from: number, count: number) => ids.subarray(from * L, (from + count) * L);
      // Immich's exports take int32 ids, OpenAI's and open_clip's own int64: whichever the graph runs.
      if (textType === null) {
        for (const type of ['int32', 'int64'] as const) {
          try {
            await textual.run({ [textual.inputNames[0]!]: textTensor(slice(0, 1), 1, type) });
            textType = type;
            break;
          } catch {
            // try the other
          }
        }
        if (textType === null)
          throw new GlimpseError(
            'bad-bundle',
            `${join(dir, CLIP_FILES.textual)}: takes neither int32 nor int64 token ids`,
          );
      }
      const type = textType;
      return run(textual, (from, count) => textTensor(slice(from, count), count, type), texts.length);
    },
    dispose() {
      void visual.release();
      void textual.release();
    },
  };
}
