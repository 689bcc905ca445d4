/**
 * Which file a photo URL may serve: thumbnails only from the data dir's cache, originals only
 * from inside a library root (after resolving symlinks, so neither `..` nor a link leads out).
 * Web mode's HTTP server and the Electron photo protocol both ask this one function.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

export const MEDIA_TYPES: Record<string, string> = {
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.avif': 'image/avif',
};

/** `child` is `parent` or inside it, after resolving symlinks (so a link can't lead out). */
export function isInside(parent: string, child: string): boolean {
  try {
    const p = realpathSync(parent);
    const c = realpathSync(child);
    return c === p || c.startsWith(p.endsWith(sep) ? p : p + sep);
  } catch {
    return false;
  }
}

export type MediaAnswer = { ok: true; file: string; type: string } | { ok: false; status: 403 | 404; message: string };

/** `/thumbs/<sha1>.webp` or `/photo?path=<absolute path>`. */
export function resolveMedia(
  pathname: string,
  params: URLSearchParams,
  ctx: { dataDir: string; roots: string[] },
): MediaAnswer {
  if (pathname.startsWith('/thumbs/')) {
    const name = pathname.slice(8);
    if (!/^[0-9a-f]{40}\.webp$/.test(name)) return { ok: false, status: 404, message: 'not found' };
    const p = join(ctx.dataDir, 'thumbs', name.slice(0, 2), name);
    return existsSync(p) ? { ok: true, file: p, type: 'image/webp' } : { ok: false, status: 404, message: 'not found' };
  }
  if (pathname === '/photo') {
    const p = resolve(params.get('path') ?? '');
    const type = MEDIA_TYPES[extname(p).toLowerCase()];
    const inRoot = ctx.roots.some((r) => isInside(r, p));
    if (!type || !inRoot || !statSync(p, { throwIfNoEntry: false })?.isFile())
      return { ok: false, status: 403, message: 'forbidden: not a photo in the library' };
    return { ok: true, file: realpathSync(p), type };
  }
  return { ok: false, status: 404, message: 'not found' };
}
