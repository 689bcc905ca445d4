/**
 * A data folder that can't take a write, said in the user's terms: read-only (a mount, another
 * user's folder) or on a full disk, with the folder named and what can be freed.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GlimpseError } from '../base/errors.js';
import { isDiskFull, isNotWritable } from '../store/store.js';

export function readOnlyError(dataDir: string, action: string): GlimpseError {
  return new GlimpseError(
    'unavailable',
    `${dataDir}: the data folder is read-only, so Glimpse can't ${action} here (search and browse still work)`,
  );
}

/** `err` as the user should read it, if it says the data folder can't be written; else `err`. */
export function explainStorage(err: unknown, dataDir: string, action: string): unknown {
  if (err instanceof GlimpseError) return err;
  if (isNotWritable(err)) return readOnlyError(dataDir, action);
  if (isDiskFull(err)) {
    const cache = folderBytes(join(dataDir, 'cache'));
    const freeable =
      cache >= 2 ** 20 ? ` Its cache/ folder holds ${Math.round(cache / 2 ** 20)} MB that can be deleted safely.` : '';
    return new GlimpseError(
      'unavailable',
      `${dataDir}: the disk holding the data folder is full, so Glimpse can't ${action}.${freeable} Free some space, then try again: nothing was lost.`,
    );
  }
  return err;
}

/** The bytes of the files under `dir` (0 if it can't be read). */
function folderBytes(dir: string): number {
  let total = 0;
  try {
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      try {
        const s = statSync(join(dir, f));
        if (s.isFile()) total += s.size;
      } catch {
        // Gone meanwhile.
      }
    }
  } catch {
    return 0;
  }
  return total;
}
