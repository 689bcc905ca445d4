/**
 * The sign-bit index behind unfiltered search: its shortlist holds the nearest entries (also in
 * the two-step mode that large, wide indexes use), honours `exclude`, and agrees with a brute-force
 * Hamming ranking.
 */
import { describe, it, expect } from 'vitest';
import { VectorIndex, rerank } from '../src/core/search/vector-index.js';
import { Rng } from '../src/core/base/rng.js';

function build(n: number, dim: number, seed: number): { index: VectorIndex; vectors: Float32Array[] } {
  const rng = new Rng(seed);
  const index = new VectorIndex(dim, 16);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float32Array.from({ length: dim }, () => rng.uniform(-1, 1));
    if (i < 100) vectors.push(v);
    index.add(1000 + i, v);
  }
  return { index, vectors };
}

/** Hamming distance between the sign bits of two vectors, the slow way. */
function hamming(a: Float32Array, b: Float32Array): number {
  let h = 0;
  for (let d = 0; d < a.length; d++) if (a[d]! > 0 !== b[d]! > 0) h++;
  return h;
}

/** Unit vectors around 256 centres, as a model's embeddings cluster by subject (the query bench's data). */
function clustered(n: number, dim: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const centres = Array.from({ length: 256 }, () => Float32Array.from({ length: dim }, () => rng.uniform(-1, 1)));
  return Array.from({ length: n }, (_, i) => {
    const c = centres[i % centres.length]!;
    const v = c.map((x) => x + rng.uniform(-0.8, 0.8));
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

describe('the sign-bit vector index', () => {
  it('its shortlist is exactly the brute-force Hamming shortlist: every entry within the k-th distance', () => {
    const rng = new Rng(5);
    const dim = 96;
    const vectors = Array.from({ length: 3000 }, () => Float32Array.from({ length: dim }, () => rng.uniform(-1, 1)));
    const index = new VectorIndex(dim, 16);
    vectors.forEach((v, i) => index.add(i, v));
    for (const qi of [0, 17, 2999]) {
      const q = Float32Array.from({ length: dim }, (_, d) => vectors[qi]![d]! + rng.uniform(-0.5, 0.5));
      for (const k of [1, 25, 400]) {
        const dist = vectors.map((v) => hamming(q, v));
        const radius = [...dist].sort((a, b) => a - b)[k - 1]!;
        const expected = dist.flatMap((h, i) => (h <= radius ? [i] : [])).sort((a, b) => a - b);
        expect(index.shortlist(q, k).sort((a, b) => a - b)).toEqual(expected);
      }
    }
  });

  it('shortlist then exact re-rank finds the brute-force cosine top-10 on clustered vectors', () => {
    const dim = 1024;
    // Queries come from the same clusters as the library, but are not in it.
    const all = clustered(10_030, dim, 9);
    const vectors = all.slice(0, 10_000);
    const queries = all.slice(10_000);
    const index = new VectorIndex(dim);
    vectors.forEach((v, i) => index.add(i, v));
    let found = 0;
    for (const q of queries) {
      const exact = vectors
        .map((v, id) => ({ id, score: v.reduce((s, x, d) => s + x * q[d]!, 0) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 10)
        .map((h) => h.id);
      const ids = index.shortlist(q, 500);
      const got = new Set(
        rerank(
          q,
          ids.map((id) => ({ id, vector: vectors[id]! })),
          10,
        ).map((h) => h.id),
      );
      found += exact.filter((id) => got.has(id)).length;
    }
    // Sign bits lose magnitude, so a few exact neighbours may fall outside the shortlist.
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.9);
  });

  it("one pass (small index): the query's own entry and its near copies come first; exclude drops one", () => {
    const { index, vectors } = build(5000, 512, 1);
    const q = vectors[7]!;
    const got = index.shortlist(q, 20);
    expect(got).toContain(1007);
    expect(got.length).toBeGreaterThanOrEqual(20);
    expect(index.shortlist(q, 20, 1007)).not.toContain(1007);
  });

  it('two steps (over 250k entries, over 256 dims): still finds the entries nearest the query', () => {
    const { index, vectors } = build(260_000, 512, 2);
    for (const i of [3, 42, 99]) {
      // A slightly perturbed copy of a stored vector: its source must be in the shortlist.
      const q = vectors[i]!.map((x, d) => (d % 50 === 0 ? -x : x));
      const got = index.shortlist(q, 500);
      expect(got).toContain(1000 + i);
      expect(got.length).toBeGreaterThanOrEqual(500);
      expect(got.length).toBeLessThan(5000);
    }
  });
});
