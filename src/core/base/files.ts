/** File writes a kill can't leave half-done. */
import { renameSync, writeFileSync } from 'node:fs';

/** Writes beside the target, then renames over it: readers see the old file or the new one. */
export function writeFileAtomic(file: string, data: string | NodeJS.ArrayBufferView): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
