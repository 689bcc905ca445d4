/**
 * Lookups in a sorted text file without parsing it: WordNet's index files (wndb(5)) are sorted
 * byte-wise by their first field, as its own `bin_search` expects, so the lines for a key are
 * found by a binary search over the file's bytes. Reading index.noun and index.sense whole into
 * maps cost about 0.65 s of every cold search (docs/BENCH.md, startup); a search costs microseconds.
 */
import { readFileSync } from 'node:fs';

const NEWLINE = 0x0a;

export class SortedLines {
  private readonly bytes: Buffer;

  constructor(path: string) {
    this.bytes = readFileSync(path);
  }

  /** The start of the line holding byte `at`. */
  private lineStart(at: number): number {
    const nl = this.bytes.lastIndexOf(NEWLINE, at - 1);
    return nl < 0 ? 0 : nl + 1;
  }

  private lineEnd(start: number): number {
    const nl = this.bytes.indexOf(NEWLINE, start);
    return nl < 0 ? this.bytes.length : nl;
  }

  /** Every line that starts with `prefix` (latin1, as WordNet's files are), in file order. */
  startingWith(prefix: string): string[] {
    const key = Buffer.from(prefix, 'latin1');
    // The first line whose start is not below `key` (comparing its first key.length bytes).
    let lo = 0;
    let hi = this.bytes.length;
    while (lo < hi) {
      const start = this.lineStart((lo + hi) >>> 1);
      const end = Math.min(start + key.length, this.lineEnd(start));
      // This line's first bytes against the key: below it, the lines wanted come later.
      if (this.bytes.compare(key, 0, key.length, start, end) < 0) lo = this.lineEnd(start) + 1;
      else hi = start;
    }
    const out: string[] = [];
    for (let at = lo; at < this.bytes.length;) {
      const end = this.lineEnd(at);
      if (end - at < key.length || this.bytes.compare(key, 0, key.length, at, at + key.length) !== 0) break;
      out.push(this.bytes.toString('latin1', at, end));
      at = end + 1;
    }
    return out;
  }
}
