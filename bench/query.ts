/**
 * `npm run bench -- query [--sizes=100000,1000000] [--dim=1024]`: latency of a text query →
 * top-50 over synthetic libraries, for the engine's search path (sqlite-vec cosine distance in
 * SQL), a plain Float32Array scan, and a two-stage scan (sign bits + popcount, then exact rerank),
 * with the two-stage method's recall of the exact top-50.
 */
import { printTable } from '../tools/table.js';
import { newPhoto } from '../tools/photo-row.js';
import { Rng } from '../src/core/base/rng.js';
import { VectorIndex, rerank } from '../src/core/search/vector-index.js';
import { LibraryStore } from '../src/core/store/store.js';
import { Searcher } from '../src/core/search/search.js';
import type { Embedder } from '../src/core/runtime/embedder.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const K = 50;

function randomUnitVectors(n: number, dim: number, rng: Rng): Float32Array {
  // Clustered like real embeddings: a few hundred centres plus noise, normalised.
  const centres = Array.from({ length: 256 }, () => Float32Array.from({ length: dim }, () => rng.uniform(-1, 1)));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[rng.int(centres.length)]!;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = c[d]! + rng.uniform(-0.8, 0.8);
      out[i * dim + d] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[i * dim + d]! /= norm;
  }
  return out;
}

function topK(scores: Float32Array, k: number): number[] {
  // Partial selection: keep a small sorted buffer; n is large and k small.
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (idx.length === k && s <= val[k - 1]!) continue;
    let j = Math.min(idx.length, k - 1);
    while (j > 0 && val[j - 1]! < s) {
      val[j] = val[j - 1]!;
      idx[j] = idx[j - 1]!;
      j--;
    }
    val[j] = s;
    idx[j] = i;
    if (idx.length > k) {
      idx.length = k;
      val.length = k;
    }
  }
  return idx;
}

function scan(vectors: Float32Array, dim: number, q: Float32Array): number[] {
  const n = vectors.length / dim;
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * dim;
    for (let d = 0; d < dim; d++) s += vectors[o + d]! * q[d]!;
    scores[i] = s;
  }
  return topK(scores, K);
}

function timeIt(runs: number, f: (i: number) => unknown): { p50: number; p95: number } {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    f(i);
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { p50: t[Math.floor(t.length * 0.5)]!, p95: t[Math.min(t.length - 1, Math.floor(t.length * 0.95))]! };
}

/**
 * A library database seeded through the store, measured two ways: sqlite-vec cosine in SQL (the
 * store's statement for searches with filters) and the Searcher's path without filters (bits
 * index, then re-rank read from SQLite).
 */
function libraryRows(
  vectors: Float32Array,
  dim: number,
  n: number,
  queries: Float32Array[],
  exact: number[][],
): (string | number)[][] {
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-bench-'));
  const store = LibraryStore.open(dir);
  try {
    const root = store.addRoot('/bench');
    /** Photo id → vector row. */
    const rowOf = new Map<number, number>();
    store.transaction(() => {
      for (let i = 0; i < n; i++)
        rowOf.set(
          store.upsertPhoto(newPhoto(root, `/bench/${i}.jpg`), vectors.subarray(i * dim, (i + 1) * dim), 'bench'),
          i,
        );
    });
    const recall = (hits: number, runs: number) => `${((100 * hits) / (runs * K)).toFixed(1)}%`;
    let sqlHit = 0;
    const tSql = timeIt(10, (i) => {
      const q = queries[i % queries.length]!;
      const got = new Set(store.search.nearest(q, 'bench', { minScore: -2 }, K).map((h) => rowOf.get(h.id)!));
      sqlHit += exact[i % queries.length]!.filter((e) => got.has(e)).length;
    });
    const embedder = { id: 'bench', dim } as Embedder;
    const searcher = new Searcher(store, embedder);
    searcher.nearest(queries[0]!, {}, K); // builds the in-memory index once, as the app does at start
    let hit = 0;
    const t = timeIt(queries.length, (i) => {
      const got = new Set(searcher.nearest(queries[i]!, {}, K).map((h) => rowOf.get(h.id)!));
      hit += exact[i]!.filter((e) => got.has(e)).length;
    });
    return [
      [n, 'sqlite-vec cosine in SQL (search with filters)', tSql.p50, tSql.p95, recall(sqlHit, 10)],
      [n, 'Glimpse search path: bits index + re-rank from SQLite', t.p50, t.p95, recall(hit, queries.length)],
    ];
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchQuery(args: string[]): Promise<void> {
  const sizes = (args.find((a) => a.startsWith('--sizes='))?.split('=')[1] ?? '100000,1000000').split(',').map(Number);
  const dim = Number(args.find((a) => a.startsWith('--dim='))?.split('=')[1] ?? 1024);
  const rng = new Rng(7);
  const rows: (string | number)[][] = [];
  for (const n of sizes) {
    console.error(`bench query: building ${n} x ${dim} vectors…`);
    const vectors = randomUnitVectors(n, dim, rng);
    const queries = Array.from({ length: 20 }, (_, i) =>
      vectors.slice(((i * 997) % n) * dim, (((i * 997) % n) + 1) * dim).map((v) => v + rng.uniform(-0.02, 0.02)),
    );
    const exact = queries.map((q) => scan(vectors, dim, q));
    if (n > 200_000)
      rows.push([n, 'sqlite-vec cosine in SQL (search with filters)', NaN, NaN, 'skipped: ~10x the 100k time']);
    const tScan = timeIt(10, (i) => scan(vectors, dim, queries[i % queries.length]!));
    rows.push([n, 'Float32Array scan', tScan.p50, tScan.p95, '100%']);
    const index = new VectorIndex(dim, n);
    for (let i = 0; i < n; i++) index.add(i, vectors.subarray(i * dim, (i + 1) * dim));
    for (const shortlist of [500, 2000]) {
      let hit = 0;
      const t = timeIt(queries.length, (i) => {
        const q = queries[i]!;
        const cands = index
          .shortlist(q, shortlist)
          .map((id) => ({ id, vector: vectors.subarray(id * dim, (id + 1) * dim) }));
        const got = new Set(rerank(q, cands, K).map((h) => h.id));
        hit += exact[i]!.filter((e) => got.has(e)).length;
      });
      rows.push([
        n,
        `sign bits + popcount, rerank top ${shortlist} (in memory)`,
        t.p50,
        t.p95,
        `${((100 * hit) / (queries.length * K)).toFixed(1)}%`,
      ]);
    }
    if (n <= 200_000) rows.push(...libraryRows(vectors, dim, n, queries, exact));
  }
  console.log(
    `\nText query → top-${K}, ${dim}-d vectors, single thread; p50/p95 in ms; recall = share of the exact top-${K} found`,
  );
  printTable(['vectors', 'method', 'p50 ms', 'p95 ms', 'recall@50'], rows);
}
