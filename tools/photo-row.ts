/** Seeding a library store directly, without decoding files. */
import type { NewPhoto } from '../src/core/store/store.js';

/** A photo row for seeding a store directly (tests and benches that judge ranking, not decoding). */
export function newPhoto(rootId: number, path: string, extra: Partial<NewPhoto> = {}): NewPhoto {
  const name = path.split('/').pop()!;
  return {
    root_id: rootId,
    path,
    folder: path.slice(0, path.length - name.length - 1) || '/',
    name,
    size: 1,
    mtime_ms: 0,
    hash: path,
    format: 'jpeg',
    width: 1,
    height: 1,
    taken_at: null,
    taken_source: null,
    taken_offset: null,
    camera_make: null,
    camera_model: null,
    lat: null,
    lon: null,
    title: null,
    description: null,
    keywords: null,
    ...extra,
  };
}
