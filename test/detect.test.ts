/**
 * Decoding the detector's boxes: heatmap peaks to boxes in either runtime's layout, per-class NMS,
 * and counts and areas on the tags.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { boxesByClass, decodePeaks, iou, tagsFromFeatures, type Peaks } from '../src/core/tags/detect.js';
import { peaksFromMaps } from '../src/core/tags/peaks-tf.js';
import { COCO_CLASSES } from '../src/core/tags/coco.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';

const C = 80;
const [H, W, INPUT] = [8, 8, 32];

/** A heatmap [1, H, W, C] with `cells` set, and sizes [1, H, W, 4] of `side` px everywhere. */
function maps(cells: [number, number, number, number][], side = 4): { heat: Float32Array; sizes: Float32Array } {
  const heat = new Float32Array(H * W * C);
  for (const [y, x, c, v] of cells) heat[(y * W + x) * C + c] = v;
  return { heat, sizes: new Float32Array(H * W * 4).fill(side) };
}

/** The same maps in NCHW order, as onnxruntime gives them. */
function toNchw(nhwc: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(nhwc.length);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < channels; c++) out[(c * H + y) * W + x] = nhwc[(y * W + x) * channels + c]!;
  return out;
}

function topK(values: Float32Array, k: number): { scores: number[]; index: number[] } {
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]!).slice(0, k);
  return { scores: order.map((i) => values[i]!), index: order };
}

const peaks = (scores: number[], classes: number[], boxes: number[][]): Peaks => ({
  k: scores.length,
  scores: Float32Array.from(scores),
  classes: Int32Array.from(classes),
  boxes: Float32Array.from(boxes.flat()),
});

// The backend Glimpse chooses, as the app does (tfjs's own default prints install advice).
beforeAll(() => initBackend('cpu'));

describe('detector box decoding', () => {
  it('decodes a peak to the same box from NHWC and NCHW maps, in fractions of the input', () => {
    const { heat, sizes } = maps([[2, 3, 16, 0.9]], 4);
    const shape = { n: 1, k: 1, height: H, width: W, classes: C, inputSize: INPUT };
    const a = decodePeaks(topK(heat, 1), sizes, shape, 'nhwc');
    const b = decodePeaks(topK(toNchw(heat, C), 1), toNchw(sizes, 4), shape, 'nchw');
    expect(a.classes[0]).toBe(16);
    expect(b.classes[0]).toBe(16);
    // Cell (y 2, x 3) at stride 4 is (12, 8) px; 4 px to each side.
    expect([...a.boxes]).toEqual([8 / 32, 4 / 32, 16 / 32, 12 / 32]);
    expect([...b.boxes]).toEqual([...a.boxes]);
  });

  it('keeps separate objects of a class and merges overlapping boxes of one, per class', () => {
    const p = peaks(
      [0.9, 0.8, 0.7, 0.6, 0.1],
      [17, 17, 17, 0, 17],
      [
        [0, 0, 0.4, 0.4],
        [0.02, 0.02, 0.42, 0.42], // the first horse again
        [0.6, 0.6, 1.2, 0.9], // a second horse, partly outside the frame
        [0, 0, 0.4, 0.4], // a person where the first horse is: another class, kept
        [0.5, 0, 0.7, 0.2], // too faint
      ],
    );
    const boxes = boxesByClass(p, 0, 0.2, 0.5);
    expect(boxes.get(17)!.map((b) => b.score)).toEqual([0.9, 0.7].map(Math.fround));
    expect(boxes.get(17)![1]!.box).toEqual([0.6, 0.6, 1, 0.9].map(Math.fround)); // clipped to the photo
    expect(boxes.get(0)!).toHaveLength(1);
    expect(iou([0, 0, 1, 1], [0, 0, 1, 0.5])).toBeCloseTo(0.5);
  });

  it('counts boxes from the count threshold, reports the largest area, and counts a faint tag as one', () => {
    const features = new Float32Array(4 + C);
    features[4 + 17] = 0.9; // horse
    features[4 + 0] = 0.25; // person: tagged, its only box under the count threshold
    const p = peaks(
      [0.9, 0.35, 0.25, 0.25],
      [17, 17, 17, 0],
      [
        [0, 0, 0.5, 0.5],
        [0.6, 0.6, 0.8, 0.8],
        [0.6, 0, 0.9, 0.3],
        [0.1, 0.1, 0.2, 0.2],
      ],
    );
    const [tags] = tagsFromFeatures(features, 1, 4, p, { threshold: 0.2, countThreshold: 0.3, nmsIou: 0.5 });
    expect(tags).toEqual([
      { label: 'horse', confidence: Math.fround(0.9), count: 2, area: 0.25 },
      { label: 'person', confidence: Math.fround(0.25), count: 1, area: expect.closeTo(0.01, 5) },
    ]);
    expect(COCO_CLASSES[17]!.label).toBe('horse');
    // Without decoded peaks (a runtime without the heads) a tag still counts one, with no area.
    expect(tagsFromFeatures(features, 1, 4)[0]![0]).toEqual({ label: 'horse', confidence: Math.fround(0.9), count: 1 });
  });

  it('finds the peaks on tfjs as the model graph does: one per local maximum, no tensors left', async () => {
    // A blob of class 2 around (4, 4) with a weaker neighbour, and a separate class-2 peak.
    const { heat, sizes } = maps([
      [4, 4, 2, 0.8],
      [4, 5, 2, 0.6],
      [1, 1, 2, 0.5],
    ]);
    const h = tf.tensor4d(heat, [1, H, W, C]);
    const s = tf.tensor4d(sizes, [1, H, W, 4]);
    const before = tf.memory().numTensors;
    const p = await peaksFromMaps(h, s, INPUT);
    expect(tf.memory().numTensors).toBe(before);
    expect([...p.scores.slice(0, 3)]).toEqual([0.8, 0.5, 0].map(Math.fround));
    expect([...p.classes.slice(0, 2)]).toEqual([2, 2]);
    expect(boxesByClass(p, 0, 0.2, 0.5).get(2)).toHaveLength(2);
    tf.dispose([h, s]);
  });
});
