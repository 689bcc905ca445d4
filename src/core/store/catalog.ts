/** Catalog look-ups that need no model: the photo a path names. */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { GlimpseError } from '../base/errors.js';
import type { LibraryStore, PhotoRow } from './store.js';

/** The library's row for a photo, by its path or the path its symlinks resolve to. */
export function photoRow(store: LibraryStore, path: string): PhotoRow {
  const abs = resolve(path);
  const row = store.photoByPath(abs) ?? (existsSync(abs) ? store.photoByPath(realpathSync(abs)) : undefined);
  if (!row) throw new GlimpseError('not-found', `${abs}: not in the library (index its folder first)`);
  return row;
}
