/**
 * CLIP models exported to ONNX in the layout Immich's machine-learning service uses, read as
 * hostile input: `config.json` (embed_dim, text_cfg.context_length), `visual/model.onnx` and
 * `visual/preprocess_cfg.json` (size, mean, std, interpolation, resize_mode), `textual/model.onnx`,
 * `textual/tokenizer.json` and `textual/tokenizer_config.json`. Every file must be a regular file
 * inside the folder, of bounded size; an ONNX graph's external data must stay inside it too.
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { BUNDLE_LIMITS, checkInside, readInside } from '../base/files.js';
import { GlimpseError } from '../base/errors.js';
import type { Preprocess } from '../vse/data/images.js';

import onnx = onnxProto.onnx;

export const CLIP_FILES = {
  config: 'config.json',
  visual: join('visual', 'model.onnx'),
  preprocess: join('visual', 'preprocess_cfg.json'),
  textual: join('textual', 'model.onnx'),
  tokenizer: join('textual', 'tokenizer.json'),
  tokenizerConfig: join('textual', 'tokenizer_config.json'),
} as const;

export interface ClipFolder {
  dir: string;
  embedDim: number;
  contextLength: number;
  preprocess: Preprocess;
  /** The preprocessing config's interpolation, as written (sharp's resize is used whatever it says). */
  interpolation: string;
  tokenizerJson: object;
  tokenizerConfig: object;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTriple = (v: unknown): v is [number, number, number] =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function json(dir: string, rel: string): Record<string, unknown> {
  let text: string;
  try {
    text = readInside(dir, rel, BUNDLE_LIMITS.json).toString('utf8');
  } catch (err) {
    throw new GlimpseError('bad-bundle', (err as Error).message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GlimpseError('bad-bundle', `${join(dir, rel)}: not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(value)) throw new GlimpseError('bad-bundle', `${join(dir, rel)}: not a JSON object`);
  return value;
}

/**
 * Reads and checks a CLIP folder's configs and tokenizer (small files); the graphs are checked by
 * clipGraphFiles, which reads them whole.
 */
export function readClipFolder(dir: string): ClipFolder {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new GlimpseError('not-found', `${dir}: no such folder`);
  const config = json(dir, CLIP_FILES.config);
  const embedDim = config.embed_dim;
  const textCfg = isRecord(config.text_cfg) ? config.text_cfg : {};
  const contextLength = textCfg.context_length ?? 77;
  if (!Number.isInteger(embedDim) || (embedDim as number) < 1 || (embedDim as number) > 65536)
    throw new GlimpseError('bad-bundle', `${join(dir, CLIP_FILES.config)}: no embed_dim (the embedding size)`);
  if (!Number.isInteger(contextLength) || (contextLength as number) < 2 || (contextLength as number) > 4096)
    throw new GlimpseError('bad-bundle', `${join(dir, CLIP_FILES.config)}: text_cfg.context_length is not a length`);

  const pre = json(dir, CLIP_FILES.preprocess);
  const size = Array.isArray(pre.size) ? pre.size[0] : pre.size;
  const mode = pre.resize_mode ?? 'shortest';
  const where = join(dir, CLIP_FILES.preprocess);
  if (!Number.isInteger(size) || (size as number) < 8 || (size as number) > 4096)
    throw new GlimpseError('bad-bundle', `${where}: "size" is not an image size`);
  if (!isTriple(pre.mean) || !isTriple(pre.std) || !pre.std.every((s) => s > 0))
    throw new GlimpseError('bad-bundle', `${where}: "mean" and "std" must be three numbers each (std above 0)`);
  if (mode !== 'shortest' && mode !== 'squash')
    throw new GlimpseError(
      'bad-bundle',
      `${where}: resize_mode "${String(mode)}" is not one Glimpse knows (shortest, squash)`,
    );

  const tokenizerJson = json(dir, CLIP_FILES.tokenizer);
  const model = tokenizerJson.model;
  if (
    !isRecord(model) ||
    typeof model.type !== 'string' ||
    !isRecord(model.vocab) ||
    !isRecord(tokenizerJson.post_processor)
  )
    throw new GlimpseError(
      'bad-bundle',
      `${join(dir, CLIP_FILES.tokenizer)}: not a Hugging Face tokenizer with a vocabulary and start/end tokens`,
    );
  let tokenizerConfig: Record<string, unknown> = {};
  if (statSync(join(dir, CLIP_FILES.tokenizerConfig), { throwIfNoEntry: false }))
    tokenizerConfig = json(dir, CLIP_FILES.tokenizerConfig);

  return {
    dir,
    embedDim: embedDim as number,
    contextLength: contextLength as number,
    preprocess: {
      inputSize: size as number,
      mean: pre.mean,
      std: pre.std,
      ...(mode === 'squash' ? { fit: 'fill' as const } : { fit: 'crop' as const, cropFraction: 1 }),
    },
    interpolation: typeof pre.interpolation === 'string' ? pre.interpolation : 'bicubic',
    tokenizerJson,
    tokenizerConfig,
  };
}

/**
 * Every file a CLIP folder's model needs, relative to it: the configs, the tokenizer, both graphs
 * and any external data they name. Each graph is read and decoded to check that its external data
 * stays inside the folder: done when a model is imported or adopted, not at every load.
 */
export function clipGraphFiles(dir: string): string[] {
  const files: string[] = [CLIP_FILES.config, CLIP_FILES.preprocess, CLIP_FILES.tokenizer];
  if (statSync(join(dir, CLIP_FILES.tokenizerConfig), { throwIfNoEntry: false }))
    files.push(CLIP_FILES.tokenizerConfig);
  for (const graph of [CLIP_FILES.visual, CLIP_FILES.textual]) files.push(graph, ...checkOnnx(dir, graph));
  return files;
}

/**
 * An ONNX graph is a regular file inside the folder, and so is every external data file it names;
 * returns those files, relative to the folder.
 */
function checkOnnx(dir: string, rel: string): string[] {
  const external = new Set<string>();
  let bytes: Buffer;
  try {
    bytes = readInside(dir, rel, BUNDLE_LIMITS.weights);
  } catch (err) {
    throw new GlimpseError('bad-bundle', (err as Error).message);
  }
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new GlimpseError('bad-bundle', `${join(dir, rel)}: not an ONNX model (${(err as Error).message})`);
  }
  if (!model.graph) throw new GlimpseError('bad-bundle', `${join(dir, rel)}: an ONNX model without a graph`);
  for (const t of tensorsOf(model.graph)) {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const location = t.externalData?.find((e) => e.key === 'location')?.value ?? '';
    try {
      checkInside(join(dir, dirname(rel)), location);
    } catch (err) {
      throw new GlimpseError('bad-bundle', `${join(dir, rel)}: external data "${location}": ${(err as Error).message}`);
    }
    external.add(join(dirname(rel), location));
  }
  return [...external];
}

function* tensorsOf(graph: onnx.IGraphProto): Generator<onnx.ITensorProto> {
  yield* graph.initializer ?? [];
  for (const node of graph.node ?? [])
    for (const a of node.attribute ?? []) {
      if (a.t) yield a.t;
      yield* a.tensors ?? [];
      if (a.g) yield* tensorsOf(a.g);
      for (const g of a.graphs ?? []) yield* tensorsOf(g);
    }
}
