/**
 * Reads Qt binary resource files (`.rcc`, rcc's `--binary` output), as documented by Qt's
 * rcc.cpp / qresource.cpp: a "qres" header (version, tree, data and names offsets; v3 adds
 * flags), a tree of 14-byte nodes (22 from version 2, which appends a modification time), names
 * as length + hash + UTF-16BE, and data as a 4-byte size + bytes, zlib-compressed with Qt's
 * 4-byte length prefix when flag 1 is set. Every offset is bounds-checked: a damaged file throws.
 */
import { inflateSync } from 'node:zlib';

export interface RccFile {
  path: string;
  data: Buffer;
}

const COMPRESSED = 1;
const DIRECTORY = 2;
const ZSTD = 4;

export function readRcc(buf: Buffer): RccFile[] {
  const need = (at: number, n: number) => {
    if (at < 0 || at + n > buf.length) throw new Error(`rcc: offset ${at} out of range`);
  };
  need(0, 20);
  if (buf.toString('latin1', 0, 4) !== 'qres') throw new Error('rcc: not a Qt resource file');
  const version = buf.readUInt32BE(4);
  if (version < 1 || version > 3) throw new Error(`rcc: unknown version ${version}`);
  const tree = buf.readUInt32BE(8);
  const data = buf.readUInt32BE(12);
  const names = buf.readUInt32BE(16);
  const nodeSize = version >= 2 ? 22 : 14;

  const nameAt = (off: number): string => {
    need(names + off, 6);
    const len = buf.readUInt16BE(names + off);
    need(names + off + 6, len * 2);
    return Buffer.from(buf.subarray(names + off + 6, names + off + 6 + len * 2))
      .swap16()
      .toString('utf16le');
  };
  const out: RccFile[] = [];
  const seen = new Set<number>();
  const visit = (node: number, prefix: string): void => {
    if (seen.has(node)) throw new Error('rcc: tree has a cycle');
    seen.add(node);
    const at = tree + node * nodeSize;
    need(at, nodeSize);
    const name = node === 0 ? '' : nameAt(buf.readUInt32BE(at));
    const flags = buf.readUInt16BE(at + 4);
    const path = prefix ? `${prefix}/${name}` : name;
    if (flags & DIRECTORY) {
      const count = buf.readUInt32BE(at + 6);
      const first = buf.readUInt32BE(at + 10);
      for (let i = 0; i < count; i++) visit(first + i, path);
      return;
    }
    const off = data + buf.readUInt32BE(at + 10);
    need(off, 4);
    const size = buf.readUInt32BE(off);
    need(off + 4, size);
    let bytes = buf.subarray(off + 4, off + 4 + size);
    if (flags & ZSTD) return; // Node has no zstd decoder; GCompris' files use zlib or none.
    if (flags & COMPRESSED) bytes = inflateSync(bytes.subarray(4));
    out.push({ path, data: Buffer.from(bytes) });
  };
  visit(0, '');
  return out;
}
