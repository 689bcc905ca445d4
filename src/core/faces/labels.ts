/**
 * The user's word on a face ("this is Anna", "not Anna") outlives the face itself: it is kept by
 * the photo's content and the face's box, and found again on a face read later (faces turned off
 * and on, other face models) by where it is in the photo.
 */
export interface FaceLabel {
  box: number[];
  personId: number;
  verdict: 'is' | 'not';
}

/** How much two boxes [x, y, w, h] overlap: intersection over union. */
export function overlap(a: number[], b: number[]): number {
  const x = Math.max(0, Math.min(a[0]! + a[2]!, b[0]! + b[2]!) - Math.max(a[0]!, b[0]!));
  const y = Math.max(0, Math.min(a[1]! + a[3]!, b[1]! + b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = x * y;
  return inter / (a[2]! * a[3]! + b[2]! * b[3]! - inter || 1);
}

/** Boxes this much alike are one face read twice (a detector's boxes move by a few pixels). */
const SAME_FACE = 0.5;

/** What the user said of the face at `box`: the person it is (or null), and the people it is not. */
export function verdictOn(box: number[], labels: FaceLabel[]): { is: number | null; not: Set<number> } {
  const here = labels.filter((l) => overlap(box, l.box) >= SAME_FACE);
  return {
    is: here.find((l) => l.verdict === 'is')?.personId ?? null,
    not: new Set(here.filter((l) => l.verdict === 'not').map((l) => l.personId)),
  };
}
