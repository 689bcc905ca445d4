/**
 * Walks library roots: recursive, symlinks followed but never in a loop, hidden and system
 * folders skipped. Yields every regular file with its size and mtime; anything unreadable, and
 * anything that is not a regular file (pipes, devices), is yielded as a problem with a reason
 * instead of stopping the walk.
 */
import { opendir, stat, realpath } from 'node:fs/promises';
import { join } from 'node:path';

export type ScanItem =
  | { kind: 'file'; path: string; size: number; mtimeMs: number }
  | { kind: 'problem'; path: string; reason: string; detail: string };

/** Folders that hold system or app data, not the user's photos. */
const SYSTEM_DIRS = new Set([
  '$RECYCLE.BIN',
  'System Volume Information',
  '@eaDir',
  'lost+found',
  'node_modules',
  '__MACOSX',
  'Thumbs.db',
]);

export function isSkippedDir(name: string): boolean {
  return name.startsWith('.') || SYSTEM_DIRS.has(name) || name.endsWith('.photoslibrary') || name.endsWith('.lrdata');
}

function specialKind(st: {
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

export async function* scanRoot(root: string, signal?: AbortSignal): AsyncGenerator<ScanItem> {
  const seenDirs = new Set<string>();
  async function* walk(dir: string): AsyncGenerator<ScanItem> {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (err) {
      yield { kind: 'problem', path: dir, reason: 'unreadable', detail: (err as Error).message };
      return;
    }
    if (seenDirs.has(real)) return; // a symlink loop or a second link to a folder already walked
    seenDirs.add(real);
    let handle;
    try {
      handle = await opendir(dir, { encoding: 'buffer' as never });
    } catch (err) {
      yield {
        kind: 'problem',
        path: dir,
        reason: (err as NodeJS.ErrnoException).code === 'EACCES' ? 'unreadable' : 'vanished',
        detail: (err as Error).message,
      };
      return;
    }
    const names: Buffer[] = [];
    for await (const ent of handle) names.push(ent.name as unknown as Buffer);
    names.sort(Buffer.compare);
    for (const raw of names) {
      if (signal?.aborted) return;
      const name = raw.toString('utf8');
      // A name that is not valid UTF-8 can't round-trip through a string path.
      if (!Buffer.from(name, 'utf8').equals(raw)) {
        yield {
          kind: 'problem',
          path: join(dir, name),
          reason: 'non-utf8-name',
          detail: `file name bytes ${raw.toString('hex')} are not UTF-8`,
        };
        continue;
      }
      const path = join(dir, name);
      let st;
      try {
        st = await stat(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        yield {
          kind: 'problem',
          path,
          reason:
            code === 'ENAMETOOLONG'
              ? 'name-too-long'
              : code === 'ELOOP'
                ? 'symlink-loop'
                : code === 'EACCES'
                  ? 'unreadable'
                  : 'vanished',
          detail: (err as Error).message,
        };
        continue;
      }
      if (st.isDirectory()) {
        if (!isSkippedDir(name)) yield* walk(path);
      } else if (st.isFile()) {
        if (name.startsWith('.')) continue;
        yield { kind: 'file', path, size: st.size, mtimeMs: st.mtimeMs };
      } else if (!name.startsWith('.')) {
        // A pipe, a device (a link to /dev/zero) or a socket: never read (a read could block or
        // never end), but recorded, so a file the user sees in the folder is not silently missing.
        yield { kind: 'problem', path, reason: 'not-a-file', detail: `${specialKind(st)}, not a regular file` };
      }
    }
  }
  yield* walk(root);
}

/** Names a file's type from its first bytes, for "unsupported format" reports. */
export function sniffType(head: Buffer): string | null {
  const hex = head.subarray(0, 12).toString('hex');
  const ascii = head.subarray(0, 12).toString('latin1');
  if (hex.startsWith('ffd8ff')) return 'jpeg';
  if (hex.startsWith('89504e47')) return 'png';
  if (ascii.startsWith('GIF8')) return 'gif';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'webp';
  if (hex.startsWith('49492a00') || hex.startsWith('4d4d002a')) return 'tiff';
  if (ascii.slice(4, 8) === 'ftyp') {
    const brand = ascii.slice(8, 12);
    if (brand.startsWith('avi')) return 'avif';
    if (/^(heic|heix|mif1|msf1|hevc)/.test(brand)) return 'heic';
    return `mp4/quicktime (${brand.trim()})`;
  }
  if (ascii.startsWith('%PDF')) return 'pdf';
  if (hex.startsWith('504b0304')) return 'zip';
  if (ascii.startsWith('BM')) return 'bmp';
  if (ascii.startsWith('ID3') || hex.startsWith('fffb')) return 'mp3';
  const text = head
    .toString('latin1')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (/^<(\?xml|svg|!DOCTYPE svg)/i.test(text)) return 'svg';
  return null;
}
