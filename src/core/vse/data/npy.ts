/**
 * Random-access reader for float32 .npy matrices (vsepp's precomputed {split}_ims.npy). Rows are
 * read from disk on demand, so a 113k x 2048 training file is never loaded whole.
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

/** What training reads image features through: a .npy file, or a view of one. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Copies row `r` into out[offset … offset+cols). */
  readRow(r: number, out: Float32Array, offset?: number): void;
}

export class NpyMatrix implements FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  private readonly fd: number;
  private readonly dataOffset: number;
  private readonly swap: boolean;
  private readonly f64: boolean;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(10);
      readSync(this.fd, head, 0, 10, 0);
      if (head.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error('not a .npy file (bad magic)');
      const major = head[6]!;
      const headerLen = major === 1 ? head.readUInt16LE(8) : readU32(this.fd);
      const pre = major === 1 ? 10 : 12;
      const hbuf = Buffer.alloc(headerLen);
      readSync(this.fd, hbuf, 0, headerLen, pre);
      const header = hbuf.toString('latin1');
      const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
      const fortran = /'fortran_order':\s*True/.test(header);
      const shape = /'shape':\s*\(([^)]*)\)/
        .exec(header)?.[1]
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map(Number);
      if (!descr || !shape || shape.length !== 2) throw new Error(`expected a 2-D array; header says ${header.trim()}`);
      if (fortran) throw new Error('Fortran-ordered arrays are not supported; save with np.ascontiguousarray');
      if (!['<f4', '>f4', '<f8', '>f8'].includes(descr))
        throw new Error(`expected float32 or float64; dtype is ${descr}`);
      this.swap = descr.startsWith('>');
      this.f64 = descr.endsWith('8');
      [this.rows, this.cols] = shape as [number, number];
      this.dataOffset = pre + headerLen;
      const need = this.dataOffset + this.rows * this.cols * (this.f64 ? 8 : 4);
      const size = fstatSync(this.fd).size;
      if (size < need) throw new Error(`file is truncated: ${size} bytes, the header promises ${need}`);
    } catch (err) {
      closeSync(this.fd);
      throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Copies row `r` into out[offset … offset+cols). */
  readRow(r: number, out: Float32Array, offset = 0): void {
    if (r < 0 || r >= this.rows) throw new Error(`${this.path}: row ${r} out of range (0..${this.rows - 1})`);
    const bytes = this.f64 ? 8 : 4;
    const buf = Buffer.alloc(this.cols * bytes);
    readSync(this.fd, buf, 0, buf.length, this.dataOffset + r * this.cols * bytes);
    for (let c = 0; c < this.cols; c++) {
      const v = this.f64
        ? this.swap
          ? buf.readDoubleBE(c * 8)
          : buf.readDoubleLE(c * 8)
        : this.swap
          ? buf.readFloatBE(c * 4)
          : buf.readFloatLE(c * 4);
      out[offset + c] = v;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readU32(fd: number): number {
  const b = Buffer.alloc(4);
  readSync(fd, b, 0, 4, 8);
  return b.readUInt32LE(0);
}

/** Writes a float32 C-order .npy (used by tests and by feature caches). */
export function encodeNpy(data: Float32Array, rows: number, cols: number): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([
    pre,
    Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ]);
}
