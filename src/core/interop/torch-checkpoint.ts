/**
 * PyTorch checkpoints, read without Python and without running anything in them:
 * - the legacy format (PyTorch ≤ 1.5, which the released VSE++ runs use): a magic number, the
 *   protocol and system info, the object pickle whose tensors point at storages by persistent id,
 *   the list of storage keys, then each storage's raw little-endian data;
 * - the zip format (PyTorch ≥ 1.6): `<name>/data.pkl`, the same object pickle, beside each
 *   storage's raw data in `<name>/data/<key>`.
 * Tensors are rebuilt by `torch._utils._rebuild_tensor` (PyTorch ≤ 0.3) or `_rebuild_tensor_v2`,
 * into float32 arrays.
 */
import { readFileSync, statSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { GlimpseError } from '../base/errors.js';
import { pickleReader, pyClass, unpickle, type PickleGlobal } from './pickle.js';

/** A tensor as float32 values in row-major order. */
export interface TorchTensor {
  shape: number[];
  data: Float32Array;
}

/** The pickle's value, with every tensor as a TorchTensor and every dict as a Map. */
export type TorchValue = unknown;

/** The bytes of each storage type's element, and how to read one as a number. */
const STORAGE_TYPES: Record<string, { bytes: number; read: (v: DataView, at: number) => number }> = {
  FloatStorage: { bytes: 4, read: (v, at) => v.getFloat32(at, true) },
  DoubleStorage: { bytes: 8, read: (v, at) => v.getFloat64(at, true) },
  HalfStorage: { bytes: 2, read: (v, at) => halfToFloat(v.getUint16(at, true)) },
  LongStorage: { bytes: 8, read: (v, at) => Number(v.getBigInt64(at, true)) },
  IntStorage: { bytes: 4, read: (v, at) => v.getInt32(at, true) },
  ShortStorage: { bytes: 2, read: (v, at) => v.getInt16(at, true) },
  CharStorage: { bytes: 1, read: (v, at) => v.getInt8(at) },
  ByteStorage: { bytes: 1, read: (v, at) => v.getUint8(at) },
  BoolStorage: { bytes: 1, read: (v, at) => v.getUint8(at) },
};

/** torch.save's magic number, pickled as a long: the first 15 bytes of a legacy file. */
const LEGACY_MAGIC = Buffer.from('80028a0a6cfc9c46f9206aa850192e', 'hex');
const ZIP_MAGIC = Buffer.from('504b0304', 'hex');
const PROTOCOL_VERSION = 1001;

interface StorageRef {
  storage: true;
  type: string;
  key: string;
  size: number;
  /** Filled once the storage's bytes are read, after the object pickle. */
  data?: Float32Array;
}

interface PendingTensor {
  ref: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
  tensor: TorchTensor;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);

/** Reads a legacy PyTorch checkpoint; its tensors become float32 arrays. */
export function readTorchCheckpoint(path: string, maxBytes = 4 * 2 ** 30): TorchValue {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new GlimpseError('not-found', `${path}: no such file`);
  if (!st.isFile()) throw new GlimpseError('bad-data', `${path}: not a file`);
  const size = st.size;
  if (size > maxBytes) throw new GlimpseError('bad-data', `${path}: ${size} bytes, more than a model checkpoint holds`);
  const buf = readFileSync(path);
  if (buf.subarray(0, 4).equals(ZIP_MAGIC)) return readZipCheckpoint(buf, path);
  if (!buf.subarray(0, LEGACY_MAGIC.length).equals(LEGACY_MAGIC))
    throw new GlimpseError('bad-data', `${path}: not a PyTorch checkpoint (no torch.save magic number)`);
  const reader = pickleReader(buf);
  reader.skip(LEGACY_MAGIC.length);
  const where = path;
  const plain = { globals: new Map<string, PickleGlobal>(), where };
  const protocol = unpickle(reader, plain);
  if (protocol !== PROTOCOL_VERSION)
    throw new GlimpseError('bad-data', `${path}: torch.save protocol ${String(protocol)}, not ${PROTOCOL_VERSION}`);
  const sys = unpickle(reader, plain) as Map<string, unknown>;
  if (!(sys instanceof Map) || sys.get('little_endian') !== true)
    throw new GlimpseError('bad-data', `${path}: written on a big-endian machine, which Glimpse does not read`);

  const { storages, tensors, globals, persistent } = objectReader(path);
  const root = unpickle(reader, { globals, persistent, where });
  const keys = unpickle(reader, plain);
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))
    throw new GlimpseError('bad-data', `${path}: no list of storage keys after the object`);

  // The storages' bytes, in the order of the keys: each an 8-byte element count, then the data.
  let at = reader.position;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (const key of keys as string[]) {
    const ref = storages.get(key);
    if (!ref) throw new GlimpseError('bad-data', `${path}: storage ${key} is listed but no tensor uses it`);
    if (at + 8 > buf.length) throw new GlimpseError('bad-data', `${path}: truncated before storage ${key}`);
    const count = Number(view.getBigUint64(at, true));
    at += 8;
    const bytes = storageBytes(ref);
    if (count !== ref.size || at + bytes > buf.length)
      throw new GlimpseError('bad-data', `${path}: storage ${key} is truncated or not the size its tensors say`);
    ref.data = storageData(ref, buf.subarray(at, at + bytes));
    at += bytes;
  }
  for (const t of tensors) t.tensor.data = gather(t, path);
  return root;
}

/** What reading the object pickle needs: its allowed globals, and the storages and tensors it names. */
function objectReader(path: string): {
  storages: Map<string, StorageRef>;
  tensors: PendingTensor[];
  globals: Map<string, PickleGlobal>;
  persistent: (pid: unknown) => StorageRef;
} {
  const storages = new Map<string, StorageRef>();
  const tensors: PendingTensor[] = [];
  const rebuild = (storage: unknown, offset: unknown, shape: unknown, stride: unknown): TorchTensor => {
    const ref = storage as StorageRef;
    if (
      !ref?.storage ||
      !Number.isInteger(offset) ||
      !isInts(shape) ||
      !isInts(stride) ||
      shape.length !== stride.length
    )
      throw new GlimpseError('bad-data', `${path}: a tensor with an unreadable storage, offset, size or stride`);
    const tensor: TorchTensor = { shape, data: new Float32Array(0) };
    tensors.push({ ref, offset: offset as number, shape, stride, tensor });
    return tensor;
  };
  const globals = new Map<string, PickleGlobal>([
    ['collections.OrderedDict', () => new Map()],
    ['torch._utils._rebuild_tensor', (s, o, sh, st) => rebuild(s, o, sh, st)],
    ['torch._utils._rebuild_tensor_v2', (s, o, sh, st) => rebuild(s, o, sh, st)],
    ['torch._utils._rebuild_parameter', (t) => t],
    ['argparse.Namespace', pyClass],
    // A numpy scalar (a best score) is not needed: it reads as null.
    ['numpy.core.multiarray.scalar', () => null],
    ['numpy.dtype', pyClass],
  ]);
  // Storage types are only named in persistent ids; the marker says which one.
  for (const t of Object.keys(STORAGE_TYPES))
    globals.set(
      `torch.${t}`,
      Object.assign(() => t, { storageType: t }),
    );
  const persistent = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== 'storage')
      throw new GlimpseError('bad-data', `${path}: a persistent id that is not a storage`);
    const [, type, key, , size] = pid as [string, { storageType?: string }, unknown, unknown, unknown];
    const typeName = type?.storageType;
    if (!typeName || typeof key !== 'string' || !Number.isInteger(size))
      throw new GlimpseError('bad-data', `${path}: a storage of unknown type or size`);
    let ref = storages.get(key);
    if (!ref) storages.set(key, (ref = { storage: true, type: typeName, key, size: size as number }));
    return ref;
  };
  return { storages, tensors, globals, persistent };
}

/** A state dict's tensor by name; a missing one is named in a bad-bundle error. */
export function stateTensor(state: ReadonlyMap<string, TorchTensor>, key: string, where: string): TorchTensor {
  const t = state.get(key);
  if (!t) throw new GlimpseError('bad-bundle', `${where}: "${key}" is missing`);
  return t;
}

/** The bytes each storage needs: its element count times its element size. */
function storageBytes(ref: StorageRef): number {
  return ref.size * STORAGE_TYPES[ref.type]!.bytes;
}

/** A storage's elements as float32, from its raw little-endian bytes. */
function storageData(ref: StorageRef, bytes: Uint8Array): Float32Array {
  const type = STORAGE_TYPES[ref.type]!;
  // Float32 as the file holds it: one copy, through an aligned buffer.
  if (ref.type === 'FloatStorage') return new Float32Array(new Uint8Array(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(ref.size);
  for (let i = 0; i < ref.size; i++) data[i] = type.read(view, i * type.bytes);
  return data;
}

/** PyTorch's zip format: the object pickle and one file of raw data per storage. */
function readZipCheckpoint(buf: Buffer, path: string): TorchValue {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(buf);
  } catch (err) {
    throw new GlimpseError('bad-data', `${path}: a damaged zip checkpoint (${(err as Error).message})`);
  }
  const pkl = Object.keys(files).find((f) => /^[^/]+\/data\.pkl$/.test(f));
  if (!pkl) throw new GlimpseError('bad-data', `${path}: a zip file without a PyTorch data.pkl`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const { storages, tensors, globals, persistent } = objectReader(path);
  const root = unpickle(pickleReader(files[pkl]!), { globals, persistent, where: path });
  for (const ref of storages.values()) {
    const bytes = files[`${prefix}data/${ref.key}`];
    if (!bytes) throw new GlimpseError('bad-data', `${path}: storage ${ref.key} is missing from the zip`);
    if (bytes.length !== storageBytes(ref))
      throw new GlimpseError('bad-data', `${path}: storage ${ref.key} is truncated or not the size its tensors say`);
    ref.data = storageData(ref, bytes);
  }
  for (const t of tensors) t.tensor.data = gather(t, path);
  return root;
}

/** A tensor's elements in row-major order, read from its storage through its offset and strides. */
function gather(t: PendingTensor, path: string): Float32Array {
  const src = t.ref.data;
  if (!src) throw new GlimpseError('bad-data', `${path}: storage ${t.ref.key} has no data`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  const last = t.shape.reduce((acc, d, i) => acc + (d - 1) * t.stride[i]!, t.offset);
  if (n > 0 && (t.offset < 0 || last >= src.length))
    throw new GlimpseError('bad-data', `${path}: a tensor reaches past its storage`);
  const out = new Float32Array(n);
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let at = t.offset;
    for (let d = 0; d < idx.length; d++) at += idx[d]! * t.stride[d]!;
    out[i] = src[at]!;
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}
