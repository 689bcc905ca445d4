/**
 * Faces grouped into people: agglomerative clustering (ml-hclust, average linkage) of the
 * descriptors' cosine distances, cut at a measured height, so a person is the faces that are on
 * average near each other, not a chain of look-alikes. New faces join the person whose faces
 * they are nearest on average when within the same distance, without clustering everything again
 * (PeopleNearby); cluster.ts groups a whole library again.
 */
import { agnes } from 'ml-hclust';

/**
 * The cut: the most average cosine distance within a person. On the faces bench (docs/BENCH.md)
 * cuts from 0.20 to 0.25 kept every person apart and 0.28 joined two; 0.24 keeps a margin, as a
 * wrong join (two people as one) costs the user more than a split (one person twice, merged in
 * a click).
 */
export const PERSON_DISTANCE = 0.24;

const distance = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return 1 - s;
};

/** The people among these descriptors: each an array of their indices. */
export function groupFaces(descriptors: Float32Array[], maxDistance = PERSON_DISTANCE): number[][] {
  if (descriptors.length === 0) return [];
  if (descriptors.length === 1) return [[0]];
  const n = descriptors.length;
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) matrix[i]![j] = matrix[j]![i] = distance(descriptors[i]!, descriptors[j]!);
  const tree = agnes(matrix, { method: 'average', isDistanceMatrix: true });
  return tree
    .cut(maxDistance)
    .map((c) => c.indices().sort((a, b) => a - b))
    .sort((a, b) => b.length - a.length || a[0]! - b[0]!);
}

/**
 * People as indexing grows them: each kept as the sum of its faces' descriptors, since for unit
 * vectors the average cosine distance of a face to a person's faces is 1 − face·sum / count. A new
 * face joins the nearest person within the cut at the cost of one dot product per person, however
 * many faces each has.
 */
export class PeopleNearby {
  private readonly people = new Map<number, { sum: Float32Array; count: number }>();

  add(person: number, face: Float32Array): void {
    const p = this.people.get(person) ?? { sum: new Float32Array(face.length), count: 0 };
    for (let k = 0; k < face.length; k++) p.sum[k]! += face[k]!;
    p.count++;
    this.people.set(person, p);
  }

  /** The person `face` is nearest on average within `maxDistance` (none of `not`), or null. */
  nearest(face: Float32Array, not?: Set<number>, maxDistance = PERSON_DISTANCE): number | null {
    let best: number | null = null;
    let bestDistance = maxDistance;
    for (const [id, p] of this.people) {
      if (p.count === 0 || not?.has(id)) continue;
      let dot = 0;
      for (let k = 0; k < face.length; k++) dot += face[k]! * p.sum[k]!;
      const d = 1 - dot / p.count;
      if (d <= bestDistance) {
        best = id;
        bestDistance = d;
      }
    }
    return best;
  }
}

/**
 * BCubed precision, recall and F1 of a grouping against the truth (each item's true label), and
 * pair precision: of the pairs put together, how many are one person.
 */
export function groupingScores(
  groups: number[][],
  truth: string[],
): { precision: number; recall: number; f1: number; pairPrecision: number } {
  const groupOf = new Map<number, number[]>();
  for (const g of groups) for (const i of g) groupOf.set(i, g);
  let p = 0;
  let r = 0;
  let pairs = 0;
  let rightPairs = 0;
  truth.forEach((label, i) => {
    const g = groupOf.get(i) ?? [i];
    const same = g.filter((j) => truth[j] === label).length;
    p += same / g.length;
    r += same / truth.filter((t) => t === label).length;
    pairs += g.length - 1;
    rightPairs += same - 1;
  });
  const precision = p / truth.length;
  const recall = r / truth.length;
  return {
    precision,
    recall,
    f1: (2 * precision * recall) / (precision + recall),
    pairPrecision: pairs ? rightPairs / pairs : 1,
  };
}
