/**
 * `npm run bench -- index-real [--photos=1000]`: `glimpse index` as a user runs it on real
 * photographs, every default stage on (tags, captions, the text in photos), with the wall time
 * the user waits, photos/s, and memory: peak RSS by stage, sampled four times a second.
 * The photos are views of darknet's and scikit-image's real test photos (scripts/dev/test-photos.sh):
 * each a random crop (60–100%), sometimes mirrored, at 500×375 and JPEG quality 85, so every one
 * is a distinct file of real content, as a camera folder is. Run alone: other work skews it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { createEngineApi } from '../src/core/app/api.js';
import { Rng } from '../src/core/base/rng.js';
import { printTable } from '../tools/table.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(HERE, '..', 'test', 'artifacts');
const SOURCES = [
  ...['dog.jpg', 'eagle.jpg', 'giraffe.jpg', 'horses.jpg', 'kite.jpg', 'person.jpg', 'scream.jpg'].map((f) =>
    join(ARTIFACTS, 'darknet', 'usr', 'share', 'darknet', 'data', f),
  ),
  ...[
    'astronaut.png',
    'chelsea.png',
    'coffee.png',
    'motorcycle_left.png',
    'rocket.jpg',
    'coins.png',
    'retina.jpg',
    'page.png',
    'brick.png',
    'grass.png',
    'gravel.png',
    'hubble_deep_field.jpg',
  ].map((f) => join(ARTIFACTS, 'skimage', 'usr', 'lib', 'python3', 'dist-packages', 'skimage', 'data', f)),
];

async function makeViews(dir: string, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length >= n) return;
  const missing = SOURCES.filter((s) => !existsSync(s));
  if (missing.length) throw new Error(`${missing[0]}: missing; run scripts/dev/test-photos.sh`);
  console.error(`bench index-real: writing ${n} views of ${SOURCES.length} real photos to ${dir}…`);
  const rng = new Rng(7);
  for (let i = 0; i < n; i++) {
    const src = sharp(SOURCES[i % SOURCES.length]!)
      .removeAlpha()
      .toColourspace('srgb');
    const { width = 0, height = 0 } = await src.metadata();
    const f = 0.6 + 0.4 * rng.next();
    const w = Math.max(32, Math.round(width * f));
    const h = Math.max(24, Math.round(height * f));
    let view = src.extract({ left: rng.int(width - w + 1), top: rng.int(height - h + 1), width: w, height: h });
    if (rng.next() < 0.5) view = view.flop();
    await view
      .resize(500, 375, { fit: 'cover' })
      .jpeg({ quality: 85 })
      .toFile(join(dir, `IMG_${String(i + 1).padStart(4, '0')}.jpg`));
  }
}

export async function benchIndexReal(args: string[]): Promise<void> {
  const n = Number(args.find((a) => a.startsWith('--photos='))?.split('=')[1] ?? '1000');
  const folder = join(HERE, '.cache', `photos-real-${n}`);
  await makeViews(folder, n);
  const dataDir = mkdtempSync(join(tmpdir(), 'glimpse-bench-real-'));
  const api = createEngineApi({ dataDir, sharedCache: null });
  const peaks = new Map<string, number>();
  let phase = 'loading model';
  const sample = () => {
    const rss = process.memoryUsage().rss;
    peaks.set(phase, Math.max(peaks.get(phase) ?? 0, rss));
  };
  const timer = setInterval(sample, 250);
  const t = performance.now();
  const r = await api.index({ folders: [folder] }, { onProgress: (p) => ((phase = p.phase), sample()) });
  const wall = (performance.now() - t) / 1000;
  clearInterval(timer);
  sample();
  api.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (!r.ok) throw new Error(r.error.message);
  const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
  console.log(
    `\nglimpse index of ${r.value.indexed} real photos (500×375), tags, captions and OCR on, ${r.value.imageRuntime}, one run:`,
  );
  printTable(
    ['wall (s)', 'reported (s)', 'photos/s', 'peak RSS', 'process peak RSS'],
    [
      [
        wall.toFixed(1),
        r.value.seconds.toFixed(1),
        (r.value.indexed / wall).toFixed(1),
        mb(Math.max(...peaks.values())),
        mb(process.resourceUsage().maxRSS * 1024),
      ],
    ],
  );
  console.log('\nby stage:');
  const stages = r.value.stages as Record<string, number | undefined>;
  const stageOf: Record<string, string> = {
    'loading model': 'model',
    starting: 'model',
    scanning: 'photos',
    embedding: 'photos',
    'preparing captions': 'captions',
    captioning: 'captions',
    'reading text': 'text',
  };
  const byStage = new Map<string, number>();
  for (const [p, rss] of peaks) {
    const s = stageOf[p] ?? p;
    byStage.set(s, Math.max(byStage.get(s) ?? 0, rss));
  }
  printTable(
    ['stage', 'seconds', 'peak RSS'],
    ['model', 'waiting', 'photos', 'captions', 'text'].flatMap((s) =>
      stages[s] !== undefined || byStage.has(s)
        ? [[s, (stages[s] ?? 0).toFixed(1), byStage.has(s) ? mb(byStage.get(s)!) : '']]
        : [],
    ),
  );
}
