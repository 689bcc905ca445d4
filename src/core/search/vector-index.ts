/**
 * Fast nearest-neighbour search for one model's vectors: a coarse pass over sign bits (one bit per
 * dimension, Hamming distance by popcount) picks a shortlist in O(n), then the shortlist is
 * re-ranked exactly by cosine similarity on the stored float vectors. It is used instead of
 * sqlite-vec's brute-force distance because the query bench finds it an order of magnitude faster
 * at the same recall (docs/BENCH.md). Only the bits live in memory (n x dim/8 bytes).
 */
function signBits(v: Float32Array, dim: number, out: Uint32Array, offset: number): void {
  const words = Math.ceil(dim / 32);
  for (let w = 0; w < words; w++) out[offset + w] = 0;
  for (let d = 0; d < dim; d++) if (v[d]! > 0) out[offset + (d >> 5)]! |= 1 << (d & 31);
}

export class VectorIndex {
  private readonly words: number;
  private ids: Int32Array;
  private bits: Uint32Array;
  private count = 0;

  constructor(
    readonly dim: number,
    capacity = 1024,
  ) {
    this.words = Math.ceil(dim / 32);
    this.ids = new Int32Array(capacity);
    this.bits = new Uint32Array(capacity * this.words);
  }

  get size(): number {
    return this.count;
  }

  add(id: number, vector: Float32Array): void {
    if (this.count === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      const bits = new Uint32Array(this.bits.length * 2);
      bits.set(this.bits);
      this.ids = ids;
      this.bits = bits;
    }
    this.ids[this.count] = id;
    signBits(vector, this.dim, this.bits, this.count * this.words);
    this.count++;
  }

  /**
   * Ids of (at least) `shortlist` entries nearest in Hamming distance to the query's sign bits,
   * chosen with a counting pass instead of a sort. Large, wide indexes go in two steps: the
   * first PREFIX_WORDS words of every entry pick a wider pre-shortlist, which the full bits
   * then narrow; the bench (1M x 1024) measured this against one full pass.
   */
  shortlist(query: Float32Array, shortlist: number, exclude = -1): number[] {
    const q = new Uint32Array(this.words);
    signBits(query, this.dim, q, 0);
    const all = (i: number) => i;
    if (this.words > PREFIX_WORDS && this.count > PREFIX_MIN_ENTRIES) {
      const wide = this.nearest(q, PREFIX_WORDS, Math.max(10 * shortlist, 20_000), this.count, all);
      const picked = this.nearest(q, this.words, shortlist, wide.length, (j) => wide[j]!);
      return picked.map((i) => this.ids[i]!).filter((id) => id !== exclude);
    }
    return this.nearest(q, this.words, shortlist, this.count, all)
      .map((i) => this.ids[i]!)
      .filter((id) => id !== exclude);
  }

  /** Positions of the (at least) `k` nearest of `n` entries (entry(j) is the j-th), by Hamming distance on their first `words` words. */
  private nearest(q: Uint32Array, words: number, k: number, n: number, entry: (j: number) => number): number[] {
    const ham = new Uint16Array(n);
    const hist = new Uint32Array(words * 32 + 1);
    const W = this.words;
    const bits = this.bits;
    for (let j = 0; j < n; j++) {
      const o = entry(j) * W;
      let h = 0;
      for (let w = 0; w < words; w++) {
        // Popcount, inlined. Math.imul keeps the byte sum in int32: a plain `*` makes it a double,
        // which is slower (docs/BENCH.md).
        let x = bits[o + w]! ^ q[w]!;
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        h += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
      }
      ham[j] = h;
      hist[h]!++;
    }
    let radius = 0;
    for (let acc = 0; radius < hist.length - 1 && acc + hist[radius]! < k; radius++) acc += hist[radius]!;
    const out: number[] = [];
    for (let j = 0; j < n; j++) if (ham[j]! <= radius) out.push(entry(j));
    return out;
  }
}

/** Words (of 32 sign bits) the first step of a two-step shortlist reads. */
const PREFIX_WORDS = 8;
/** Below this many entries one full pass is fast enough. */
const PREFIX_MIN_ENTRIES = 250_000;

/** Exact cosine re-rank of candidates (vectors are unit length, so the dot product). */
export function rerank(
  query: Float32Array,
  candidates: { id: number; vector: Float32Array }[],
  k: number,
): { id: number; score: number }[] {
  const scored = candidates.map((c) => {
    let s = 0;
    for (let d = 0; d < query.length; d++) s += c.vector[d]! * query[d]!;
    return { id: c.id, score: s };
  });
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, k);
}
