/**
 * tfjs-format weights on disk without tfjs-node's file:// handler: a JSON manifest
 * ({weightsManifest: [{paths, weights}]}) beside one binary shard. Optional float16 storage uses
 * the converter's quantization field, which tf.io.decodeWeights understands.
 */
import { allFinite } from '../base/finite.js';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { float32ToFloat16 } from '../base/float16.js';
import { BUNDLE_LIMITS, readInside, writeFileAtomic } from '../base/files.js';

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1, bool: 1 };

/** The bytes a manifest entry takes in its shard (a quantized entry at its stored width). */
export function entryBytes(w: tf.io.WeightsManifestEntry): number {
  return w.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[w.quantization?.dtype ?? w.dtype] ?? NaN);
}

/**
 * Checks weight bytes against their manifest entries: the sizes add up, and every float32 value
 * and quantisation constant is finite. A NaN weight would load and then poison every vector and
 * caption; it is refused here, naming the file.
 */
export function checkWeights(data: Buffer, specs: tf.io.WeightsManifestEntry[], file: string, manifest: string): void {
  const expected = specs.reduce((n, w) => n + entryBytes(w), 0);
  if (data.length !== expected)
    throw new Error(
      `${file}: ${data.length} bytes, the manifest ${manifest} needs ${expected} (truncated or mismatched)`,
    );
  let offset = 0;
  for (const w of specs) {
    const bytes = entryBytes(w);
    const q = w.quantization;
    if (q && ![q.scale, q.min].every((v) => v === undefined || Number.isFinite(v)))
      throw new Error(`${manifest}: weight "${w.name}" has a non-finite quantisation constant`);
    if (!q && w.dtype === 'float32') {
      const values = new Float32Array(data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + bytes));
      if (!allFinite(values)) throw new Error(`${file}: weight "${w.name}" holds NaN or infinite values`);
    }
    offset += bytes;
  }
}

/** Writes a tfjs model folder: model.json (topology and one manifest group) beside weights.bin. */
export function writeModelFolder(
  dir: string,
  format: 'layers-model' | 'graph-model',
  modelTopology: unknown,
  weights: tf.io.WeightsManifestEntry[],
  data: Uint8Array,
): void {
  writeFileAtomic(join(dir, 'weights.bin'), data);
  writeFileAtomic(
    join(dir, 'model.json'),
    JSON.stringify({ format, modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights }] }),
  );
}

interface Manifest {
  format: 'glimpse-weights';
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export async function writeWeights(
  dir: string,
  stem: string,
  named: tf.NamedTensorMap,
  opts: { float16?: boolean } = {},
): Promise<void> {
  const entries = Object.entries(named);
  let data: ArrayBuffer;
  let specs: tf.io.WeightsManifestEntry[];
  if (opts.float16) {
    const parts: Uint8Array[] = [];
    specs = [];
    for (const [name, t] of entries) {
      if (t.dtype !== 'float32') {
        const enc = await tf.io.encodeWeights({ [name]: t });
        parts.push(new Uint8Array(enc.data as ArrayBuffer));
        specs.push(...enc.specs);
        continue;
      }
      parts.push(new Uint8Array(float32ToFloat16(t.dataSync() as Float32Array).buffer));
      specs.push({ name, shape: t.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
    }
    data = concat(parts);
  } else {
    const enc = await tf.io.encodeWeights(named);
    data = enc.data as ArrayBuffer;
    specs = enc.specs;
  }
  writeFileAtomic(join(dir, `${stem}.bin`), new Uint8Array(data));
  const manifest: Manifest = {
    format: 'glimpse-weights',
    weightsManifest: [{ paths: [`${stem}.bin`], weights: specs }],
  };
  writeFileAtomic(join(dir, `${stem}.json`), JSON.stringify(manifest));
}

export function readWeights(dir: string, stem: string): tf.NamedTensorMap {
  const mPath = join(dir, `${stem}.json`);
  let manifest: Manifest;
  const text = readInside(dir, `${stem}.json`, BUNDLE_LIMITS.json).toString('utf8');
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new Error(`${mPath}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const group = manifest.weightsManifest?.[0];
  if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights))
    throw new Error(`${mPath}: no weightsManifest`);
  const bins = group.paths.map((p) => readInside(dir, String(p), BUNDLE_LIMITS.weights));
  const buf = Buffer.concat(bins);
  checkWeights(buf, group.weights, join(dir, group.paths[0]!), mPath);
  const weights = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length), group.weights);
  try {
    assertFinite(weights, mPath);
  } catch (err) {
    tf.dispose(Object.values(weights));
    throw err;
  }
  return weights;
}

/**
 * Every float weight is a finite number once decoded: float16 and quantised weights are checked
 * here, as the bytes alone can't tell (a half-precision 0x7C00 is infinity).
 */
function assertFinite(weights: tf.NamedTensorMap, file: string): void {
  for (const [name, t] of Object.entries(weights)) {
    if (t.dtype !== 'float32') continue;
    if (!allFinite(t.dataSync() as Float32Array))
      throw new Error(`${file}: weight "${name}" holds NaN or infinite values`);
  }
}

function concat(parts: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out.buffer;
}

/** Saves a tfjs layers model as model.json + weights.bin in dir. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      writeModelFolder(
        dir,
        'layers-model',
        artifacts.modelTopology,
        artifacts.weightSpecs ?? [],
        new Uint8Array(artifacts.weightData as ArrayBuffer),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Reads tfjs model artifacts (layers or graph) from a folder holding model.json and its shards. */
export function readModelArtifacts(dir: string): tf.io.ModelArtifacts {
  const mPath = join(dir, 'model.json');
  const text = readInside(dir, 'model.json', BUNDLE_LIMITS.json).toString('utf8');
  let json: {
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    format?: string;
  };
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${mPath}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest))
    throw new Error(`${mPath}: not a tfjs model (needs modelTopology and weightsManifest)`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const bufs: Buffer[] = [];
  for (const g of json.weightsManifest) {
    specs.push(...g.weights);
    for (const p of g.paths) bufs.push(readInside(dir, String(p), BUNDLE_LIMITS.weights));
  }
  const all = Buffer.concat(bufs);
  checkWeights(all, specs, join(dir, json.weightsManifest[0]?.paths[0] ?? 'weights.bin'), mPath);
  if (specs.some((s) => s.quantization)) {
    const decoded = tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.length), specs);
    try {
      assertFinite(decoded, mPath);
    } finally {
      tf.dispose(Object.values(decoded));
    }
  }
  return {
    modelTopology: json.modelTopology as object,
    format: json.format,
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
  };
}
