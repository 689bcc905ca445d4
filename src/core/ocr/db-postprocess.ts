/**
 * DB (Differentiable Binarization) post-processing of a text detector's probability map into
 * rotated boxes, after PaddleOCR's DBPostProcess (ppocr/postprocess/db_postprocess.py):
 * binarise at `thresh`, take each connected region, fit its minimum-area rectangle, keep it when
 * the region's mean probability reaches `boxThresh`, then grow ("unclip") it by
 * area × unclipRatio / perimeter on every side, since DB is trained on shrunk text regions.
 */

/** A box's four corners, clockwise from the top-left, in map pixels. */
export type Quad = [[number, number], [number, number], [number, number], [number, number]];

export interface TextBox {
  points: Quad;
  /** Mean detector probability over the region. */
  score: number;
}

export interface DbOptions {
  /** PaddleOCR's det_db_thresh. */
  thresh: number;
  /** det_db_box_thresh. */
  boxThresh: number;
  /** det_db_unclip_ratio. */
  unclipRatio: number;
  /** min_size: boxes whose shorter side is smaller are dropped. */
  minSize: number;
  /** At most this many boxes (max_candidates). */
  maxCandidates: number;
}

/** PaddleOCR's defaults for PP-OCRv4 detection (tools/infer/utility.py). */
export const DB_DEFAULTS: DbOptions = {
  thresh: 0.3,
  boxThresh: 0.6,
  unclipRatio: 1.5,
  minSize: 3,
  maxCandidates: 1000,
};

export function boxesFromProbMap(prob: Float32Array, width: number, height: number, o = DB_DEFAULTS): TextBox[] {
  const label = new Int32Array(width * height).fill(-1);
  const boxes: TextBox[] = [];
  const stack: number[] = [];
  for (let start = 0; start < width * height && boxes.length < o.maxCandidates; start++) {
    if (label[start] !== -1 || prob[start]! <= o.thresh) continue;
    // One 8-connected region (cv2.findContours on the bitmap sees diagonal neighbours as joined).
    const points: [number, number][] = [];
    let sum = 0;
    label[start] = start;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      points.push([x, y]);
      sum += prob[p]!;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (label[q] === -1 && prob[q]! > o.thresh) {
            label[q] = start;
            stack.push(q);
          }
        }
      }
    }
    const score = sum / points.length;
    if (score < o.boxThresh) continue;
    const rect = minAreaRect(pixelCorners(points));
    if (Math.min(rect.w, rect.h) < o.minSize) continue;
    const grown = unclip(rect, o.unclipRatio);
    if (Math.min(grown.w, grown.h) < o.minSize + 2) continue;
    boxes.push({ points: clampQuad(corners(grown), width, height), score });
  }
  return boxes;
}

interface Rect {
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** Radians: the direction of the `w` side. */
  angle: number;
}

/** The corners of every pixel's square, so a one-pixel-wide region still has an area. */
function pixelCorners(points: [number, number][]): [number, number][] {
  // Only each row's extremes matter for the convex hull.
  const rows = new Map<number, [number, number]>();
  for (const [x, y] of points) {
    const r = rows.get(y);
    if (!r) rows.set(y, [x, x]);
    else {
      if (x < r[0]) r[0] = x;
      if (x > r[1]) r[1] = x;
    }
  }
  const out: [number, number][] = [];
  for (const [y, [a, b]] of rows) out.push([a, y], [a, y + 1], [b + 1, y], [b + 1, y + 1]);
  return out;
}

/** Andrew's monotone chain. */
function convexHull(pts: [number, number][]): [number, number][] {
  const p = [...pts].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (const q of p.reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** The minimum-area rectangle around points (one side lies on a hull edge: rotating calipers). */
export function minAreaRect(pts: [number, number][]): Rect {
  const hull = convexHull(pts);
  let best: Rect = { cx: hull[0]![0], cy: hull[0]![1], w: 0, h: 0, angle: 0 };
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    const ux = (b[0] - a[0]) / len;
    const uy = (b[1] - a[1]) / len;
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const [x, y] of hull) {
      const u = x * ux + y * uy;
      const v = -x * uy + y * ux;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = {
        cx: cu * ux - cv * uy,
        cy: cu * uy + cv * ux,
        w: maxU - minU,
        h: maxV - minV,
        angle: Math.atan2(uy, ux),
      };
    }
  }
  // Text runs along the longer side; keep the angle within ±45° of horizontal.
  if (best.h > best.w) best = { ...best, w: best.h, h: best.w, angle: best.angle + Math.PI / 2 };
  while (best.angle > Math.PI / 2) best.angle -= Math.PI;
  while (best.angle <= -Math.PI / 2) best.angle += Math.PI;
  return best;
}

/** DB's unclip: the offset d = A·r / L grows the shrunk region back to the text's extent. */
function unclip(r: Rect, ratio: number): Rect {
  const d = (r.w * r.h * ratio) / (2 * (r.w + r.h));
  return { ...r, w: r.w + 2 * d, h: r.h + 2 * d };
}

function corners(r: Rect): Quad {
  const ux = Math.cos(r.angle);
  const uy = Math.sin(r.angle);
  const at = (su: number, sv: number): [number, number] => [
    r.cx + (su * r.w * ux) / 2 - (sv * r.h * uy) / 2,
    r.cy + (su * r.w * uy) / 2 + (sv * r.h * ux) / 2,
  ];
  return [at(-1, -1), at(1, -1), at(1, 1), at(-1, 1)];
}

function clampQuad(q: Quad, width: number, height: number): Quad {
  return q.map(([x, y]) => [Math.min(Math.max(x, 0), width), Math.min(Math.max(y, 0), height)]) as Quad;
}
