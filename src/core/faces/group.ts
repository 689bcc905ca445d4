/**
 * Faces grouped into people: agglomerative clustering (ml-hclust, average linkage) of the
 * descriptors' cosine distances, cut at a measured height, so a person is the faces that are on
 * average near each other, not a chain of look-alikes. New faces join the person whose faces
 * they are nearest on average when within the same distance, without clustering everything again.
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
 * The person a new face joins: the one whose faces are nearest it on average, when within
 * `maxDistance`; else -1 (a new person).
 */
export function nearestPerson(face: Float32Array, people: Float32Array[][], maxDistance = PERSON_DISTANCE): number {
  let best = -1;
  let bestDistance = maxDistance;
  people.forEach((faces, p) => {
    if (faces.length === 0) return;
    const d = faces.reduce((s, f) => s + distance(face, f), 0) / faces.length;
    if (d <= bestDistance) {
      best = p;
      bestDistance = d;
    }
  });
  return best;
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
