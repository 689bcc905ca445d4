/** File writes a kill can't leave half-done, and bounded reads of files that hostile input names. */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';

/**
 * Writes beside the target (its folder made if need be), then renames over it: readers see the
 * old file or the new one.
 */
export function writeFileAtomic(file: string, data: string | NodeJS.ArrayBufferView): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * A file a model bundle names, checked as hostile input: `rel` must stay inside `dir` (no absolute
 * path, no `..`, no symlink out of it) and be a regular file (not /dev/zero, a FIFO or a folder).
 * Returns its real path and size.
 */
export function checkInside(dir: string, rel: string): { real: string; size: number } {
  const root = realpathSync(dir);
  if (isAbsolute(rel) || rel.split(/[\\/]/).includes('..'))
    throw new Error(`${join(dir, rel)}: a path outside the bundle folder`);
  const path = join(dir, rel);
  if (!existsSync(path)) throw new Error(`${path}: missing`);
  const real = realpathSync(path);
  if (real !== root && !real.startsWith(root + sep))
    throw new Error(`${path}: a link to ${real}, outside the bundle folder`);
  const st = statSync(real);
  if (!st.isFile()) throw new Error(`${path}: not a regular file`);
  return { real, size: st.size };
}

/**
 * Reads a file a model bundle names (checkInside), holding at most `maxBytes`, so no listed file
 * can make a read run forever or outside the bundle.
 */
export function readInside(dir: string, rel: string, maxBytes: number): Buffer {
  const { real, size } = checkInside(dir, rel);
  if (size > maxBytes)
    throw new Error(`${join(dir, rel)}: ${size} bytes, more than such a file may hold (${maxBytes})`);
  const fd = openSync(real, 'r');
  try {
    // Read no more than the size allows, even if the file grows meanwhile.
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Size limits of the files in a model bundle. */
export const BUNDLE_LIMITS = {
  json: 64 * 2 ** 20,
  text: 64 * 2 ** 20,
  weights: 4 * 2 ** 30,
} as const;
