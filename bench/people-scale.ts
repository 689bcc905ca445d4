/**
 * `npm run bench -- people-scale [--faces=100000] [--people=1500] [--strangers=10000] [--dim=1024]`:
 * people at the scale of a large library, on synthetic descriptors (unit vectors around one
 * centre a person, plus strangers seen once; quality is measured on real faces by the faces bench).
 * 1. Regrouping every face (cluster.ts): seconds, peak RSS, people formed, BCubed F1.
 * 2. The user's word in a library of that many faces, seeded through the store: naming,
 *    merging, "not them", the cover, and listing people, median of 5, in ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { clusterFaces } from '../src/core/faces/cluster.js';
import { groupingScores } from '../src/core/faces/group.js';
import { Rng } from '../src/core/base/rng.js';
import { LibraryStore } from '../src/core/store/store.js';
import { newPhoto } from '../tools/photo-row.js';
import { printTable } from '../tools/table.js';

const arg = (args: string[], name: string, fallback: number) =>
  Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

/** Faces of `people` people (around a random centre each, cosine ≈ 0.9 to it) and strangers. */
function syntheticFaces(n: number, people: number, strangers: number, dim: number, rng: Rng) {
  const vectors = new Float32Array(n * dim);
  const truth: number[] = [];
  const unit = (v: Float32Array) => {
    let s = 0;
    for (const x of v) s += x * x;
    const k = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i]! *= k;
    return v;
  };
  const centres = Array.from({ length: people }, () =>
    unit(Float32Array.from({ length: dim }, () => rng.uniform(-1, 1))),
  );
  // Uniform noise of this spread, over `dim` dimensions, sets the cosine to the centre near 0.9.
  const spread = Math.sqrt(3 / dim) * 0.48;
  for (let i = 0; i < n; i++) {
    const who = i < n - strangers ? rng.int(people) : people + i;
    const v = vectors.subarray(i * dim, (i + 1) * dim);
    if (who < people) for (let d = 0; d < dim; d++) v[d] = centres[who]![d]! + rng.uniform(-1, 1) * spread;
    else for (let d = 0; d < dim; d++) v[d] = rng.uniform(-1, 1);
    unit(v);
    truth.push(who);
  }
  return { vectors, truth };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchPeopleScale(args: string[]): Promise<void> {
  const n = arg(args, 'faces', 100_000);
  const peopleCount = arg(args, 'people', 1500);
  const strangers = arg(args, 'strangers', 10_000);
  const dim = arg(args, 'dim', 1024);
  await initBackend();
  const rssBefore = process.memoryUsage().rss;
  const { vectors, truth } = syntheticFaces(n, peopleCount, strangers, dim, new Rng(5));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t = performance.now();
  const slots = await clusterFaces({ vectors, dim, fixed: new Int32Array(n).fill(-1), fixedPeople: 0 });
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const groups = new Map<number, number[]>();
  slots.forEach((s, i) => groups.set(s, [...(groups.get(s) ?? []), i]));
  const s = groupingScores(
    [...groups.values()],
    truth.map((x) => String(x)),
  );
  console.log(`\nRegrouping ${n} faces of ${dim} floats (${peopleCount} people, ${strangers} strangers):`);
  printTable(
    ['faces', 'seconds', 'peak RSS (MB)', 'of it the descriptors (MB)', 'people formed', 'BCubed F1', 'pair precision'],
    [
      [
        String(n),
        seconds.toFixed(1),
        (peak / 2 ** 20).toFixed(0),
        ((n * dim * 4) / 2 ** 20).toFixed(0),
        String(groups.size),
        s.f1.toFixed(3),
        s.pairPrecision.toFixed(4),
      ],
    ],
  );
  console.log(`(RSS before the descriptors were made: ${(rssBefore / 2 ** 20).toFixed(0)} MB)`);

  // The user's word, in a library holding these faces (one a photo), grouped as above.
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-bench-people-'));
  const store = LibraryStore.open(dir);
  try {
    const root = store.addRoot('/bench');
    const personOf = new Map<number, number>();
    store.transaction(() => {
      for (let i = 0; i < n; i++) {
        const path = `/bench/${i}.jpg`;
        store.upsertPhoto(newPhoto(root, path), new Float32Array(4), 'bench');
        const slot = slots[i]!;
        if (!personOf.has(slot)) personOf.set(slot, store.faces.newPerson());
        store.faces.save(path, 'bench-faces', [
          {
            box: [10 + (i % 7), 10, 100, 100],
            landmarks: [],
            score: 0.9,
            descriptor: vectors.subarray(i * dim, (i + 1) * dim),
            personId: personOf.get(slot)!,
          },
        ]);
      }
    });
    const big = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
    const timed = (fn: (k: number) => void) =>
      median(
        [0, 1, 2, 3, 4].map((k) => {
          const t0 = performance.now();
          fn(k);
          return performance.now() - t0;
        }),
      ).toFixed(1);
    const person = (k: number) => personOf.get(big[k]![0])!;
    const faceOf = (k: number) => store.faces.facesOf(person(k), 1)[0]!.id;
    const rows = [
      ['name a person', timed((k) => store.faces.rename(person(k), `Person ${k}`))],
      ['merge two people', timed((k) => store.faces.merge(person(k), person(k + 10)))],
      ['"not them" (move a face out)', timed((k) => store.faces.moveFace(faceOf(k), null))],
      ['set the cover', timed((k) => store.faces.setCover(person(k), faceOf(k)))],
      ['list people', timed(() => store.faces.people('bench-faces'))],
    ];
    console.log(`\nThe user's word with ${n} faces in ${personOf.size} people (median of 5, ms):`);
    printTable(['action', 'ms'], rows);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
