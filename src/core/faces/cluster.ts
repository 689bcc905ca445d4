/**
 * Grouping every face of a library again (a re-group), at the scale of a whole library, with the
 * user's word as constraints: faces the user placed stay with their person, a face the user said
 * is not someone never joins them, and two people the user made are never joined.
 *
 * Distances are average linkage on cosine distance, as in group.ts. For unit vectors the average
 * distance of a face to a group is 1 − face·(sum of the group) / size, so a person is kept as the
 * sum of its faces and a block of faces is compared with every person in one matrix product.
 * Pass 1 places the faces in order, exactly as indexing does (nearest person within the cut, else
 * a new one); pass 2 joins people whose average distance is within the cut, the splits that the
 * order of pass 1 left.
 */
import * as tf from '@tensorflow/tfjs';
import { GlimpseError } from '../base/errors.js';
import { PERSON_DISTANCE } from './group.js';

export interface ClusterInput {
  /** n descriptors of `dim` floats each, unit length, one after another. */
  vectors: Float32Array;
  dim: number;
  /** Per face: the fixed person (0 ≤ slot < fixedPeople) the user placed it with, or −1. */
  fixed: Int32Array;
  /** People the user made (named, merged, placed): slots 0 … fixedPeople−1. Never joined together. */
  fixedPeople: number;
  /** Per face: the fixed people it must not join ("not Anna"). */
  notIn?: Map<number, Set<number>>;
  maxDistance?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Faces compared with every person at once; a block's own similarities are c × c floats. */
const BLOCK = 1024;
/** Pass 2 stops after this many rounds of joins (each round only joins pairs that are apart). */
const JOIN_ROUNDS = 8;

class Sums {
  data: Float32Array;
  counts: number[] = [];
  constructor(private readonly dim: number) {
    this.data = new Float32Array(dim * 64);
  }
  get size(): number {
    return this.counts.length;
  }
  add(): number {
    if ((this.counts.length + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    return this.counts.push(0) - 1;
  }
  addFace(slot: number, v: Float32Array, at: number): void {
    const o = slot * this.dim;
    for (let k = 0; k < this.dim; k++) this.data[o + k]! += v[at + k]!;
    this.counts[slot]!++;
  }
  /** The first `rows` sums as a [rows, dim] tensor. */
  tensor(rows: number): tf.Tensor2D {
    return tf.tensor2d(this.data.subarray(0, rows * this.dim), [rows, this.dim]);
  }
}

const cancelled = () => new GlimpseError('cancelled', 'regrouping faces was cancelled');

/** Each face's person slot: < fixedPeople for the user's people, above it for new ones. */
export async function clusterFaces(input: ClusterInput): Promise<Int32Array> {
  const { vectors, dim, fixed, fixedPeople } = input;
  const cut = input.maxDistance ?? PERSON_DISTANCE;
  const n = fixed.length;
  const slotOf = new Int32Array(n).fill(-1);
  const sums = new Sums(dim);
  for (let s = 0; s < fixedPeople; s++) sums.add();
  const free: number[] = [];
  for (let i = 0; i < n; i++) {
    if (fixed[i]! >= 0) {
      slotOf[i] = fixed[i]!;
      sums.addFace(fixed[i]!, vectors, i * dim);
    } else free.push(i);
  }
  const forbidden = (face: number, slot: number) => input.notIn?.get(face)?.has(slot) ?? false;
  const blocks = Math.ceil(free.length / BLOCK);
  for (let b = 0; b < blocks; b++) {
    if (input.signal?.aborted) throw cancelled();
    const faces = free.slice(b * BLOCK, (b + 1) * BLOCK);
    const c = faces.length;
    const block = new Float32Array(c * dim);
    faces.forEach((f, r) => block.set(vectors.subarray(f * dim, (f + 1) * dim), r * dim));
    const before = sums.size;
    const [toPeople, self] = await similarities(block, c, dim, sums, before);
    // Faces of this block already placed, by slot: their similarities come from `self`. `touched`
    // marks those slots in a typed array, as the loop below runs faces × people times.
    const joined = new Map<number, number[]>();
    const touched = new Uint8Array(before);
    for (let r = 0; r < c; r++) {
      let best = -1;
      let bestDistance = cut;
      const consider = (slot: number, dot: number) => {
        const d = 1 - dot / sums.counts[slot]!;
        if (d <= bestDistance && !forbidden(faces[r]!, slot)) {
          best = slot;
          bestDistance = d;
        }
      };
      const row = r * before;
      for (let s = 0; s < before; s++) {
        const count = sums.counts[s]!;
        if (touched[s] || count === 0) continue;
        const d = 1 - toPeople[row + s]! / count;
        if (d <= bestDistance && !forbidden(faces[r]!, s)) {
          best = s;
          bestDistance = d;
        }
      }
      for (const [s, members] of joined) {
        let dot = s < before ? toPeople[r * before + s]! : 0;
        for (const m of members) dot += self[r * c + m]!;
        consider(s, dot);
      }
      if (best < 0) best = sums.add();
      slotOf[faces[r]!] = best;
      sums.counts[best]!++;
      if (best < before) touched[best] = 1;
      const list = joined.get(best) ?? [];
      list.push(r);
      joined.set(best, list);
    }
    // Counts were kept as faces joined; now the sums catch up.
    for (let r = 0; r < c; r++) {
      const o = slotOf[faces[r]!]! * dim;
      for (let k = 0; k < dim; k++) sums.data[o + k]! += block[r * dim + k]!;
    }
    input.onProgress?.(b + 1, blocks + 1);
  }
  await joinPeople(slotOf, sums, dim, fixedPeople, cut, input);
  input.onProgress?.(blocks + 1, blocks + 1);
  return slotOf;
}

/** The block's dot products with the first `people` sums ([c, people]) and with itself ([c, c]). */
async function similarities(
  block: Float32Array,
  c: number,
  dim: number,
  sums: Sums,
  people: number,
): Promise<[Float32Array, Float32Array]> {
  const [a, b] = tf.tidy(() => {
    const x = tf.tensor2d(block, [c, dim]);
    return [people ? tf.matMul(x, sums.tensor(people), false, true) : tf.zeros([c, 0]), tf.matMul(x, x, false, true)];
  });
  try {
    return [(await a.data()) as Float32Array, (await b.data()) as Float32Array];
  } finally {
    a.dispose();
    b.dispose();
  }
}

/**
 * Pass 2: rounds in which each new person joins the person nearest it on average when within the
 * cut (never two of the user's people, never a person holding a face the user said is not the
 * other); a person joined in a round takes no other join in it, so every join is measured exactly.
 */
async function joinPeople(
  slotOf: Int32Array,
  sums: Sums,
  dim: number,
  fixedPeople: number,
  cut: number,
  input: ClusterInput,
): Promise<void> {
  const notFor = new Map<number, Set<number>>();
  for (const [face, slots] of input.notIn ?? []) {
    const s = slotOf[face]!;
    const set = notFor.get(s) ?? new Set<number>();
    for (const x of slots) set.add(x);
    notFor.set(s, set);
  }
  const into = Array.from({ length: sums.size }, (_, i) => i);
  const root = (s: number): number => (into[s] === s ? s : (into[s] = root(into[s]!)));
  for (let round = 0; round < JOIN_ROUNDS; round++) {
    if (input.signal?.aborted) throw cancelled();
    const live = [...Array(sums.size).keys()].filter((s) => root(s) === s && sums.counts[s]! > 0);
    const fresh = live.filter((s) => s >= fixedPeople);
    const pairs: [number, number, number][] = [];
    const all = new Float32Array(live.length * dim);
    live.forEach((s, i) => all.set(sums.data.subarray(s * dim, (s + 1) * dim), i * dim));
    for (let at = 0; at < fresh.length; at += BLOCK) {
      const rows = fresh.slice(at, at + BLOCK);
      const part = new Float32Array(rows.length * dim);
      rows.forEach((s, i) => part.set(sums.data.subarray(s * dim, (s + 1) * dim), i * dim));
      const dots = tf.tidy(() =>
        tf.matMul(tf.tensor2d(part, [rows.length, dim]), tf.tensor2d(all, [live.length, dim]), false, true),
      );
      const g = (await dots.data()) as Float32Array;
      dots.dispose();
      rows.forEach((a, i) => {
        let best = -1;
        let bestDistance = cut;
        live.forEach((b, j) => {
          if (a === b) return;
          const d = 1 - g[i * live.length + j]! / (sums.counts[a]! * sums.counts[b]!);
          if (d <= bestDistance && !(b < fixedPeople && notFor.get(a)?.has(b))) {
            best = b;
            bestDistance = d;
          }
        });
        if (best >= 0) pairs.push([bestDistance, a, best]);
      });
    }
    pairs.sort((p, q) => p[0] - q[0]);
    const busy = new Set<number>();
    let joins = 0;
    for (const [, a, b] of pairs) {
      if (busy.has(a) || busy.has(b)) continue;
      busy.add(a).add(b);
      // The user's person (the lower slot) keeps its slot; a new one joins it.
      const [keep, go] = a < b ? [a, b] : [b, a];
      into[go] = keep;
      for (let k = 0; k < dim; k++) sums.data[keep * dim + k]! += sums.data[go * dim + k]!;
      sums.counts[keep]! += sums.counts[go]!;
      sums.counts[go] = 0;
      const nots = notFor.get(go);
      if (nots) notFor.set(keep, new Set([...(notFor.get(keep) ?? []), ...nots]));
      joins++;
    }
    if (joins === 0) break;
  }
  for (let i = 0; i < slotOf.length; i++) slotOf[i] = root(slotOf[i]!);
}
