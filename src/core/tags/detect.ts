/**
 * Tags from the detector the image backbone already runs. The shipped backbone's feature ends
 * with the per-class maximum of CenterNet's sigmoid class heatmaps (`tower_0/keypoints@max`): for
 * each COCO class, the score of its most confident detection. A class above the threshold is a tag.
 * Its boxes come from the detector's own decoding, as the model's graph does it (a heatmap peak is
 * a point that is the maximum of its 3×3 neighbourhood; the size head gives the distances from
 * it to the box's four sides), then per-class NMS: how many there are and how much of the photo
 * the largest covers.
 */
import type { BackboneSpec } from '../vse/model/backbone.js';
import { COCO_CLASSES } from './coco.js';

/** One detected class: its COCO label, the detector's confidence (0…1), and its boxes. */
export interface DetectedTag {
  label: string;
  confidence: number;
  /** How many of this class the detector found (boxes above the threshold, after NMS). */
  count: number;
  /** The largest box's share of the photo's area (0…1); absent where no box was decoded. */
  area?: number;
}

/**
 * The lowest class score kept as a tag, chosen on darknet's test photos (docs/MODEL.md): a little
 * under the faintest true object there.
 */
export const TAG_THRESHOLD = 0.2;

/**
 * The lowest score of a box that counts towards "how many", and the IoU above which two boxes of
 * a class are one object; both chosen by `npm run bench -- detect` on hand-counted photos
 * (docs/MODEL.md). Counting is stricter than tagging: a second faint peak on the same dog must
 * not make it "two dogs".
 */
export const COUNT_THRESHOLD = 0.25;
export const NMS_IOU = 0.5;

/** Candidate peaks read per image: the model's own decoding keeps 100. */
export const PEAKS_PER_IMAGE = 100;

/**
 * Names every setting of the decoding (thresholds, NMS; bump det1 when the method changes). It is
 * part of the id stored with every photo's vector and tags, so a change re-tags the library, as a
 * model change re-embeds it.
 */
export const DETECTION_VERSION = `det1-t${TAG_THRESHOLD}-c${COUNT_THRESHOLD}-nms${NMS_IOU}`;

const HEATMAP_MAX = 'tower_0/keypoints@max';

/** The graph nodes of the detector's heads: the class heatmaps and the box sizes (input pixels). */
export const CENTERNET_HEADS = { heatmap: 'tower_0/keypoints', sizes: 'tower_0/wh' } as const;

/** Where the class scores start in this backbone's feature, or null for a backbone without them. */
export function classScoreOffset(spec: BackboneSpec): number | null {
  const parts = spec.featureNode.split(',');
  if (parts[parts.length - 1] !== HEATMAP_MAX) return null;
  return spec.featureDim - COCO_CLASSES.length;
}

/**
 * Each image's strongest heatmap peaks, as any runtime gives them: `k` per image, scores
 * descending, with the class and the box as fractions of the input (x1, y1, x2, y2).
 */
export interface Peaks {
  k: number;
  scores: Float32Array;
  classes: Int32Array;
  boxes: Float32Array;
}

/**
 * Peaks from the raw top-k of the peak-masked heatmap. `index` is into the flattened map of one
 * image, `layout` says how it was flattened (NHWC: (y·W + x)·C + c; NCHW: c·H·W + y·W + x), and
 * `sizes` holds the four side distances per cell in the same layout, in input pixels.
 */
export function decodePeaks(
  top: { scores: ArrayLike<number>; index: ArrayLike<number | bigint> },
  sizes: ArrayLike<number>,
  shape: { n: number; k: number; height: number; width: number; classes: number; inputSize: number },
  layout: 'nhwc' | 'nchw',
): Peaks {
  const { n, k, height: H, width: W, classes: C, inputSize } = shape;
  const stride = inputSize / W;
  const peaks: Peaks = {
    k,
    scores: new Float32Array(n * k),
    classes: new Int32Array(n * k),
    boxes: new Float32Array(n * k * 4),
  };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const at = i * k + j;
      const idx = Number(top.index[at]);
      const [c, pos] = layout === 'nhwc' ? [idx % C, Math.floor(idx / C)] : [Math.floor(idx / (H * W)), idx % (H * W)];
      const y = Math.floor(pos / W);
      const x = pos % W;
      const side = (s: number) =>
        layout === 'nhwc' ? sizes[((i * H + y) * W + x) * 4 + s]! : sizes[((i * 4 + s) * H + y) * W + x]!;
      peaks.scores[at] = top.scores[at]!;
      peaks.classes[at] = c;
      const b = at * 4;
      peaks.boxes[b] = (x * stride - side(0)) / inputSize;
      peaks.boxes[b + 1] = (y * stride - side(1)) / inputSize;
      peaks.boxes[b + 2] = (x * stride + side(2)) / inputSize;
      peaks.boxes[b + 3] = (y * stride + side(3)) / inputSize;
    }
  }
  return peaks;
}

type Box = [number, number, number, number];

/** The box clipped to the image (coordinates are fractions of it). */
const clip = (b: Box): Box => [
  Math.min(1, Math.max(0, b[0])),
  Math.min(1, Math.max(0, b[1])),
  Math.min(1, Math.max(0, b[2])),
  Math.min(1, Math.max(0, b[3])),
];
const area = (b: Box) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

export function iou(a: Box, b: Box): number {
  const inter = area([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** One image's boxes of each class, best first: greedy NMS over peaks scoring at least `minScore`. */
export function boxesByClass(
  peaks: Peaks,
  image: number,
  minScore: number,
  nmsIou: number,
): Map<number, { box: Box; score: number }[]> {
  const out = new Map<number, { box: Box; score: number }[]>();
  for (let j = 0; j < peaks.k; j++) {
    const at = image * peaks.k + j;
    if (peaks.scores[at]! < minScore) continue;
    const box = clip(Array.from(peaks.boxes.subarray(at * 4, at * 4 + 4)) as Box);
    if (area(box) === 0) continue;
    const kept = out.get(peaks.classes[at]!) ?? [];
    // Peaks come best first, so a box overlapping a kept one is the same object seen again.
    if (kept.every((k) => iou(k.box, box) < nmsIou)) kept.push({ box, score: peaks.scores[at]! });
    out.set(peaks.classes[at]!, kept);
  }
  return out;
}

export interface DetectOptions {
  threshold?: number;
  countThreshold?: number;
  nmsIou?: number;
}

/**
 * The tags of n images from their n × featureDim backbone features, most confident first, with
 * counts and areas from `peaks` when the runtime decoded them. A box counts towards "how many"
 * from the count threshold up; a tagged class whose boxes are all fainter still counts one.
 */
export function tagsFromFeatures(
  features: Float32Array,
  n: number,
  offset: number,
  peaks?: Peaks,
  opts: DetectOptions = {},
): DetectedTag[][] {
  const threshold = opts.threshold ?? TAG_THRESHOLD;
  const dim = features.length / n;
  return Array.from({ length: n }, (_, i) => {
    const boxes = peaks ? boxesByClass(peaks, i, threshold, opts.nmsIou ?? NMS_IOU) : null;
    const counted = opts.countThreshold ?? COUNT_THRESHOLD;
    const tags: DetectedTag[] = [];
    COCO_CLASSES.forEach((c, k) => {
      const score = features[i * dim + offset + k]!;
      if (score < threshold) return;
      const own = boxes?.get(k) ?? [];
      const largest = own.length ? Math.max(...own.map((b) => area(b.box))) : undefined;
      tags.push({
        label: c.label,
        confidence: score,
        count: Math.max(1, own.filter((b) => b.score >= counted).length),
        ...(largest !== undefined ? { area: largest } : {}),
      });
    });
    return tags.sort((a, b) => b.confidence - a.confidence);
  });
}
