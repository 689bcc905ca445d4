/**
 * The two scores below which Glimpse does not trust a model: the caption floor (a bank caption
 * under it is not shown as the photo's caption) and the good-match floor (a search whose every
 * hit is under it says "no good match"). They are the model's own: a CLIP cosine of 0.3 is a
 * strong match, a VSE++ one is not.
 *
 * The shipped kind's floors were tuned by hand on real photos (docs/MODEL.md). An imported
 * model's are measured on the library: the scores of its photos against the caption bank are
 * almost all of unrelated pairs, so their median and spread (MAD, robust to the few real
 * matches) say where chance ends for this model; the floors sit a few spreads above it.
 */
import type { ModelKind } from '../../shared/contract.js';
import type { LibraryStore } from '../store/store.js';
import { median, medianAbsoluteDeviation } from 'simple-statistics';

export interface MatchFloors {
  caption: number;
  goodMatch: number;
  /** How they were set: 'tuned' (the shipped kind), 'prior' (the kind's, until measured), 'measured'. */
  basis: 'tuned' | 'prior' | 'measured';
  /** Photos the measurement used (0 unless measured). */
  photos: number;
}

/** The shipped kind's floors, tuned on the real-photo dev set (docs/MODEL.md). */
export const CAPTION_FLOOR = 0.55;
export const GOOD_MATCH = 0.25;

const PRIORS: Record<ModelKind, Omit<MatchFloors, 'photos'>> = {
  'glimpse-vse': { caption: CAPTION_FLOOR, goodMatch: GOOD_MATCH, basis: 'tuned' },
  // Until the library can be measured: typical of published VSE++ and CLIP score scales.
  'vsepp-released': { caption: 0.5, goodMatch: 0.3, basis: 'prior' },
  'onnx-clip': { caption: 0.3, goodMatch: 0.25, basis: 'prior' },
};

/** Photos a measurement needs; it is taken again when the library has doubled since. */
export const MIN_MEASURED_PHOTOS = 20;
/** Spreads above chance: a search's best hit among N photos is often 2 above; a caption, the best of thousands, 3.5. */
const Z_GOOD_MATCH = 2.5;
const Z_CAPTION = 4;
const SAMPLE_PHOTOS = 300;
const SAMPLE_TEXTS = 1000;

const metaKey = (modelId: string) => `floors:${modelId}`;

/** The floors in force for a model: measured and stored, else its kind's. Reads no vectors. */
export function floorsOf(store: LibraryStore, modelId: string, kind: ModelKind): MatchFloors {
  const stored = kind === 'glimpse-vse' ? null : parseFloors(store.getMeta(metaKey(modelId)));
  return stored?.basis === 'measured' ? stored : { ...PRIORS[kind], photos: 0 };
}

/**
 * The caption floor of the model that scored a stored caption, without loading it: the floors
 * recorded when it captioned (measureFloors), else the shipped kind's.
 */
export function captionFloorOf(store: LibraryStore, modelId: string | undefined): number {
  return (modelId && parseFloors(store.getMeta(metaKey(modelId)))?.caption) || CAPTION_FLOOR;
}

function parseFloors(raw: string | null): MatchFloors | null {
  if (raw === null) return null;
  try {
    const f = JSON.parse(raw) as Partial<MatchFloors>;
    const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= 1;
    if (!finite(f.caption) || !finite(f.goodMatch) || typeof f.photos !== 'number') return null;
    const basis = f.basis === 'measured' || f.basis === 'prior' ? f.basis : 'tuned';
    return { caption: f.caption, goodMatch: f.goodMatch, basis, photos: f.photos };
  } catch {
    return null;
  }
}

/**
 * Before a model captions: measures and stores an imported model's floors when the library has
 * enough of its vectors and none were measured on half as many, and records the floors in force
 * (so stored captions can be judged without the model); returns them. `texts`: the caption
 * bank's vectors (n × dim, L2-normalised), embedded by the same model.
 */
export function measureFloors(
  store: LibraryStore,
  modelId: string,
  kind: ModelKind,
  texts: Float32Array,
  dim: number,
): MatchFloors {
  let floors = floorsOf(store, modelId, kind);
  const photos = store.embeddedCount(modelId);
  if (floorsDue(floors, kind, photos)) {
    const images = sample(
      [...store.search.vectors(modelId)].map((r) => r.vector),
      SAMPLE_PHOTOS,
    );
    const nTexts = texts.length / dim;
    const step = Math.max(1, Math.floor(nTexts / SAMPLE_TEXTS));
    const scores: number[] = [];
    for (const v of images)
      for (let t = 0; t < nTexts; t += step) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += v[d]! * texts[t * dim + d]!;
        scores.push(s);
      }
    if (scores.length) {
      const { median, spread } = robustSpread(scores);
      floors = {
        caption: Math.min(1, median + Z_CAPTION * spread),
        goodMatch: Math.min(1, median + Z_GOOD_MATCH * spread),
        basis: 'measured',
        photos,
      };
    }
  }
  const json = JSON.stringify(floors);
  if (store.getMeta(metaKey(modelId)) !== json) store.setMeta(metaKey(modelId), json);
  return floors;
}

/** Whether measureFloors would measure now (it needs the bank embedded, which takes seconds). */
export function floorsDue(now: MatchFloors, kind: ModelKind, photos: number): boolean {
  return (
    kind !== 'glimpse-vse' && photos >= MIN_MEASURED_PHOTOS && (now.basis !== 'measured' || photos >= 2 * now.photos)
  );
}

/** Median and the MAD scaled to a normal's standard deviation. */
export function robustSpread(xs: number[]): { median: number; spread: number } {
  return { median: median(xs), spread: 1.4826 * medianAbsoluteDeviation(xs) };
}

/** Up to `n` items, evenly spaced. */
function sample<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]!);
}
