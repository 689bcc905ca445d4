/**
 * `npm run bench -- faces`: finding and grouping faces, on ../shared/fixtures/faces-london (60
 * people × 2 studio photos and 8 photos of one woman, CC BY 4.0; tests and benches only).
 * 1. Detection on the studio photos: found, extra, time.
 * 2. Grouping at several cuts: BCubed precision, recall, F1, and pair precision.
 * 3. Composed group photos (1600×1200): six of the studio faces pasted at 40–300 px each,
 *    some turned 20° or darkened; recall of the pasted faces by size.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadFaceModels, type FaceModels } from '../src/core/faces/models.js';
import { DETAIL_PIXELS, findFaces, type DetectedFace, type Rgb } from '../src/core/faces/detect.js';
import { alignedCrop, describeFaces } from '../src/core/faces/describe.js';
import { groupFaces, groupingScores, PeopleNearby, PERSON_DISTANCE } from '../src/core/faces/group.js';
import { clusterFaces } from '../src/core/faces/cluster.js';
import { overlap } from '../src/core/faces/labels.js';
import { sharpness } from '../src/core/faces/quality.js';
import { MIN_SHARPNESS } from '../src/core/faces/reader.js';
import { Rng } from '../src/core/base/rng.js';
import { printTable } from '../tools/table.js';

export const FACES_FIXTURE = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'faces-london', 'photos');

export async function readRgb(path: string): Promise<Rgb> {
  const { data, info } = await sharp(path)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

export async function benchFaces(): Promise<void> {
  if (!existsSync(FACES_FIXTURE)) throw new Error(`${FACES_FIXTURE}: missing (the faces-london fixture)`);
  await initBackend('wasm');
  const models = await loadFaceModels();
  const files = readdirSync(FACES_FIXTURE).sort();
  const people: string[] = [];
  const descriptors: Float32Array[] = [];
  const boxes = new Map<string, DetectedFace>();
  let missed = 0;
  let extra = 0;
  let ms = 0;
  for (const f of files) {
    const img = await readRgb(join(FACES_FIXTURE, f));
    const t = performance.now();
    const found = await findFaces(models, img);
    if (found.length === 0) {
      missed++;
      continue;
    }
    extra += found.length - 1;
    const [d] = await describeFaces(models, [alignedCrop(img, found[0]!)]);
    ms += performance.now() - t;
    boxes.set(f, found[0]!);
    descriptors.push(d!);
    people.push(f.replace(/_.*$/, ''));
  }
  console.log(`\nStudio photos (${files.length}, 600 px; ${new Set(people).size} people):`);
  printTable(
    ['faces found', 'extra detections', 'ms per photo (find + describe)'],
    [[`${files.length - missed}/${files.length}`, String(extra), (ms / files.length).toFixed(0)]],
  );
  console.log('\nGrouping (agglomerative, average linkage, cut at the average cosine distance):');
  printTable(
    ['cut', 'people formed', 'BCubed precision', 'BCubed recall', 'BCubed F1', 'pair precision'],
    [0.2, 0.22, PERSON_DISTANCE, 0.26, 0.28, 0.3, 0.35].map((cut) => {
      const g = groupFaces(descriptors, cut);
      const s = groupingScores(g, people);
      return [
        cut === PERSON_DISTANCE ? `${cut} (shipped)` : String(cut),
        String(g.length),
        s.precision.toFixed(3),
        s.recall.toFixed(3),
        s.f1.toFixed(3),
        s.pairPrecision.toFixed(3),
      ];
    }),
  );

  // What ships: faces placed one by one as indexing meets them, and a full regroup.
  const nearby = new PeopleNearby();
  const placed = new Map<number, number[]>();
  descriptors.forEach((d, i) => {
    const p = nearby.nearest(d) ?? placed.size;
    nearby.add(p, d);
    placed.set(p, [...(placed.get(p) ?? []), i]);
  });
  const dim = descriptors[0]!.length;
  const vectors = new Float32Array(descriptors.length * dim);
  descriptors.forEach((d, i) => vectors.set(d, i * dim));
  const slots = await clusterFaces({
    vectors,
    dim,
    fixed: new Int32Array(descriptors.length).fill(-1),
    fixedPeople: 0,
  });
  const regrouped = new Map<number, number[]>();
  slots.forEach((s, i) => regrouped.set(s, [...(regrouped.get(s) ?? []), i]));
  console.log(`\nAs the app groups them (cut ${PERSON_DISTANCE}):`);
  printTable(
    ['grouping', 'people formed', 'BCubed precision', 'BCubed recall', 'BCubed F1', 'pair precision'],
    [
      ['while indexing (one face at a time, in file order)', placed],
      ['regroup (cluster.ts)', regrouped],
    ].map(([label, groups]) => {
      const g = [...(groups as Map<number, number[]>).values()];
      const s = groupingScores(g, people);
      return [
        label as string,
        String(g.length),
        s.precision.toFixed(3),
        s.recall.toFixed(3),
        s.f1.toFixed(3),
        s.pairPrecision.toFixed(3),
      ];
    }),
  );

  // Blur: studio photos blurred on purpose, their faces' sharpness, and whether each still joins
  // the right person (the one its sharp photos formed) or a wrong one.
  const blurRows: string[][] = [];
  const sharpPeople = new PeopleNearby();
  descriptors.forEach((d, i) => sharpPeople.add(people.indexOf(people[i]!), d));
  for (const sigma of [0, 1, 2, 3, 5, 8]) {
    const values: number[] = [];
    let right = 0;
    let wrong = 0;
    let alone = 0;
    for (const f of files.filter((x) => x.endsWith('_08.jpg')).slice(0, 30)) {
      let img = sharp(join(FACES_FIXTURE, f)).rotate().removeAlpha().toColourspace('srgb');
      if (sigma) img = img.blur(sigma);
      const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
      const rgb = { data: new Uint8Array(data), width: info.width, height: info.height };
      const [face] = await findFaces(models, rgb);
      if (!face) continue;
      const crop = alignedCrop(rgb, face);
      values.push(sharpness(crop));
      const [d] = await describeFaces(models, [crop]);
      // Compared with everyone but this very photo's own descriptor.
      const own = files.indexOf(f);
      const others = new PeopleNearby();
      descriptors.forEach((x, i) => i !== own && others.add(people.indexOf(people[i]!), x));
      const p = others.nearest(d!);
      if (p === null) alone++;
      else if (people[p] === f.replace(/_.*$/, '')) right++;
      else wrong++;
    }
    values.sort((a, b) => a - b);
    blurRows.push([
      String(sigma),
      String(values.length),
      values[0]!.toFixed(3),
      values[Math.floor(values.length / 2)]!.toFixed(3),
      values.at(-1)!.toFixed(3),
      String(right),
      String(alone),
      String(wrong),
    ]);
  }
  void sharpPeople;
  console.log(
    `\nBlurred studio photos (30 people's second photo, Gaussian blur σ px at 600 px; min sharpness to group: ${MIN_SHARPNESS}):`,
  );
  printTable(
    ['σ', 'faces found', 'sharpness min', 'median', 'max', 'joins the right person', 'a new person', 'a wrong person'],
    blurRows,
  );

  // Composed group photos: the sizes the recall target names, and smaller ones, where the
  // detector's detail pass (DETAIL_PIXELS) reaches its limit.
  for (const sizes of [
    [40, 60, 90, 140, 200, 300],
    [16, 20, 24, 28, 32, 36],
  ])
    await composedRecall(models, files, boxes, sizes);
  models.dispose();
}

/** Recall of studio faces pasted at `sizes` px (six to a 1600×1200 photo; some turned or darkened). */
async function composedRecall(
  models: FaceModels,
  files: string[],
  boxes: Map<string, DetectedFace>,
  sizes: number[],
): Promise<void> {
  const rng = new Rng(11);
  const found = new Map<number, { hit: number; all: number }>(sizes.map((s) => [s, { hit: 0, all: 0 }]));
  let composeMs = 0;
  const W = 1600;
  const H = 1200;
  for (let k = 0; k < 8; k++) {
    const layers: OverlayOptions[] = [];
    const truth: { box: number[]; size: number }[] = [];
    for (let i = 0; i < sizes.length; i++) {
      const file = files[(k * sizes.length + i * 7) % files.length]!;
      const face = boxes.get(file);
      if (!face) continue;
      const size = sizes[i]!;
      const scale = size / face.box[2];
      const photoSize = Math.round(600 * scale);
      let img = sharp(join(FACES_FIXTURE, file)).resize(photoSize, photoSize);
      const turned = (i + k) % 4 === 1;
      const dark = (i + k) % 4 === 2;
      if (dark) img = img.modulate({ brightness: 0.45 });
      if (turned) img = img.rotate(20, { background: '#808080' });
      const buf = await img.png().toBuffer();
      const meta = await sharp(buf).metadata();
      // Each face in its own cell of a 3 × 2 grid, so none overlap.
      const cellW = W / 3;
      const cellH = H / 2;
      const left = Math.round((i % 3) * cellW + Math.max(0, cellW - meta.width!) * rng.next());
      const top = Math.round(Math.floor(i / 3) * cellH + Math.max(0, cellH - meta.height!) * rng.next());
      const cropW = Math.min(meta.width!, W - left);
      const cropH = Math.min(meta.height!, H - top);
      layers.push({
        input: await sharp(buf).extract({ left: 0, top: 0, width: cropW, height: cropH }).toBuffer(),
        left,
        top,
      });
      const cx = left + (face.box[0] + face.box[2] / 2) * scale + (meta.width! - photoSize) / 2;
      const cy = top + (face.box[1] + face.box[3] / 2) * scale + (meta.height! - photoSize) / 2;
      if (cx > W - size / 2 || cy > H - size / 2) continue;
      truth.push({ box: [cx - size / 2, cy - size / 2, size, size], size });
    }
    const { data, info } = await sharp({ create: { width: W, height: H, channels: 3, background: '#9a9488' } })
      .composite(layers)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const t = performance.now();
    const dets = await findFaces(models, {
      data: new Uint8Array(data),
      width: info.width,
      height: info.height,
    });
    composeMs += performance.now() - t;
    for (const tr of truth) {
      const f = found.get(tr.size)!;
      f.all++;
      if (dets.some((d) => overlap(d.box, tr.box) >= 0.3)) f.hit++;
    }
  }
  console.log(
    `\nComposed group photos (8 of 1600×1200, six faces each; a quarter turned 20°, a quarter darkened; detail pass at ${DETAIL_PIXELS} pixels), ${(composeMs / 8).toFixed(0)} ms per photo to find them:`,
  );
  printTable(
    ['face width (px)', 'found'],
    [...found].map(([s, f]) => [String(s), `${f.hit}/${f.all}`]),
  );
  const big = [...found].filter(([s]) => s >= 40).reduce((a, [, f]) => [a[0]! + f.hit, a[1]! + f.all], [0, 0]);
  if (big[1]! > 0)
    console.log(`faces of 40 px or more found: ${big[0]}/${big[1]} (${((100 * big[0]!) / big[1]!).toFixed(0)}%)`);
}
