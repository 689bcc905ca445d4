/**
 * `npm run bench -- index [--photos=48] [--backbones=default,nsfwjs-mobilenet_v2@224] [--runtimes=tfjs,workers,onnx] [--threads=2] [--rss=0]`:
 * indexing speed on a folder of 12-MP JPEGs built here, measured in one run: decode-only (sharp
 * to the backbone input), embed-only (backbone + projection on ready pixels) and the full
 * pipeline, for each backbone (ids as scripts/model/backbones.ts names them; `default` is the
 * shipped model's backbone, human-centernet needs `npm run corpus`'s packages), with the image backbone on tfjs on the main
 * thread ("tfjs"), on a pool of tfjs worker threads ("workers") or on onnxruntime ("onnx").
 * `clip-vit-b32` is a CLIP ViT-B/32 of the real shapes with random weights (tools/random-clip.ts),
 * on onnxruntime only. --decode=N sets how many images the pipeline decodes at once. --rss=N indexes N small 640x480
 * photos (with the last --runtimes entry) and tabulates memory as it goes; run it with
 * --photos=0 so the 12-MP decodes don't set the peak. --faces=N (default 12) indexes N 12-MP JPEGs
 * of one or two people with faces off and on (index-faces.ts); 0 skips it.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, existsSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir, availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { decodePhoto } from '../src/core/indexing/decode.js';
import { pooledEmbedder } from '../src/core/runtime/embed-pool.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { LibraryStore } from '../src/core/store/store.js';
import { assembleParts } from '../src/core/app/parts.js';
import { DEFAULT_DECODE_CONCURRENCY } from '../src/core/indexing/indexer.js';
import { bundleEmbedder, lazyOnnxEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import { onnxDescription, openOnnxBackbone } from '../src/core/runtime/backbones/onnx-runtime.js';
import { speedBundle } from './speed-bundle.js';
import { benchIndexFaces } from './index-faces.js';
import { Rng } from '../src/core/base/rng.js';
import { printTable } from '../tools/table.js';
import { randomClipModel } from '../tools/random-clip.js';
import { openClipEmbedder } from '../src/core/runtime/clip-embedder.js';

const CACHE = join(dirname(fileURLToPath(import.meta.url)), '.cache');

export async function makePhotos(dir: string, n: number, width: number, height: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length >= n) return;
  const rng = new Rng(3);
  console.error(`bench index: writing ${n} ${width}x${height} JPEGs to ${dir}…`);
  for (let i = 0; i < n; i++) {
    const shapes = Array.from(
      { length: 12 },
      () =>
        `<circle cx="${rng.int(width)}" cy="${rng.int(height)}" r="${50 + rng.int(width / 6)}" fill="rgb(${rng.int(256)},${rng.int(256)},${rng.int(256)})"/>`,
    ).join('');
    await sharp({
      create: { width, height, channels: 3, background: { r: rng.int(256), g: rng.int(256), b: rng.int(256) } },
    })
      .composite([{ input: Buffer.from(`<svg width="${width}" height="${height}">${shapes}</svg>`) }])
      .jpeg({ quality: 90 })
      .toFile(join(dir, `photo-${String(i).padStart(5, '0')}.jpg`));
  }
}

type Runtime = 'tfjs' | 'workers' | 'onnx';

/**
 * The backbone `backboneId` with an untrained VSE head, with its image side on `runtime` using
 * `threads` threads, loaded as the app loads it: on onnxruntime, tfjs never holds the backbone.
 */
async function speedEmbedder(backboneId: string, runtime: Runtime, threads: number): Promise<Embedder> {
  if (backboneId === 'clip-vit-b32') {
    if (runtime !== 'onnx') throw new Error('clip-vit-b32 runs on onnxruntime only: --runtimes=onnx');
    return openClipEmbedder(randomClipModel(), threads);
  }
  const bundleDir = speedBundle(backboneId);
  const bundle = await loadBundle(bundleDir, { backbone: runtime !== 'onnx' });
  const spec = bundle.manifest.backbone!;
  const emb =
    runtime === 'onnx'
      ? lazyOnnxEmbedder(bundle, () => openOnnxBackbone(spec, bundleDir, threads), onnxDescription(threads))
      : runtime === 'workers'
        ? pooledEmbedder(bundleEmbedder(bundle), bundleDir, threads)
        : bundleEmbedder(bundle);
  // Open the session, or start the workers, before anything is timed.
  await emb.embedImages(new Float32Array(threads * spec.inputSize * spec.inputSize * 3), threads);
  return emb;
}

async function inFlight<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** The tfjs wasm module's linear memory (it only grows), or 0 on other backends. */
function wasmHeapBytes(): number {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.byteLength ?? 0;
}

export async function benchIndex(args: string[]): Promise<void> {
  const arg = (k: string, d: string) => args.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const n = Number(arg('photos', '48'));
  const backbones = arg('backbones', 'default,nsfwjs-mobilenet_v2@224').split(',');
  const rssPhotos = Number(arg('rss', '0'));
  const decodeConcurrency = Number(arg('decode', String(DEFAULT_DECODE_CONCURRENCY)));
  const runtimes = arg('runtimes', 'tfjs,workers,onnx').split(',') as Runtime[];
  const bad = runtimes.find((r) => !['tfjs', 'workers', 'onnx'].includes(r));
  if (bad) throw new Error(`--runtimes: unknown runtime "${bad}" (tfjs, workers, onnx)`);
  const threads = Number(arg('threads', String(Math.min(availableParallelism(), 4))));
  const runtime = runtimes[runtimes.length - 1]!;
  const backend = await initBackend();
  const photos = join(CACHE, `photos-12mp-${n}`);
  await makePhotos(photos, n, 4000, 3000);
  const files = readdirSync(photos)
    .filter((f) => f.endsWith('.jpg'))
    .slice(0, n)
    .map((f) => join(photos, f));
  const rows: (string | number)[][] = [];
  for (const [bb, rt] of (n > 0 ? backbones : []).flatMap((b) => runtimes.map((r) => [b, r] as const))) {
    const emb = await speedEmbedder(bb, rt, threads);
    const size = emb.preprocess.inputSize;
    const scratch = mkdtempSync(join(tmpdir(), 'glimpse-bench-idx-'));
    // Decode only: read, hash, metadata, sharp to the backbone's input and thumbnail, as many in flight as the pipeline.
    const decoded: Float32Array[] = [];
    let t = performance.now();
    await inFlight(files, decodeConcurrency, async (f) => {
      decoded.push((await decodePhoto(f, emb.preprocess, join(scratch, 'thumbs'))).pixels);
    });
    const decodeRate = n / ((performance.now() - t) / 1000);
    // Embed only: backbone + projection on ready pixels, batches of 16.
    const per = size * size * 3;
    await emb.embedImages(decoded[0]!, 1); // warm-up
    t = performance.now();
    for (let s = 0; s < n; s += 16) {
      const batch = decoded.slice(s, s + 16);
      const px = new Float32Array(batch.length * per);
      batch.forEach((d, i) => px.set(d, i * per));
      await emb.embedImages(px, batch.length);
    }
    const embedRate = n / ((performance.now() - t) / 1000);
    // Full pipeline: the library's indexer on a fresh data dir. With a detector, it runs with its
    // tags and without (the same embedder minus the detector's decoding), off/on/on/off, so the
    // tags' cost is a ratio from one run.
    const full = async (embedder: Embedder, k: number): Promise<number> => {
      const dataDir = join(scratch, `data-${k}`);
      const lib = assembleParts({ store: LibraryStore.open(dataDir), embedder, dataDir });
      const t0 = performance.now();
      const summary = await lib.pipeline.run([photos], { decodeConcurrency });
      lib.dispose();
      lib.store.close();
      return summary.indexed / ((performance.now() - t0) / 1000);
    };
    const untagged: Embedder = { ...emb, embedAndTag: undefined };
    let fullRate: number;
    let tagsOff: number | null = null;
    if (emb.embedAndTag) {
      const off1 = await full(untagged, 0);
      const on1 = await full(emb, 1);
      const on2 = await full(emb, 2);
      const off2 = await full(untagged, 3);
      fullRate = (on1 + on2) / 2;
      tagsOff = (off1 + off2) / 2;
    } else fullRate = await full(emb, 0);
    emb.dispose();
    rmSync(scratch, { recursive: true, force: true });
    const slower = Math.min(decodeRate, embedRate);
    // Both stages use every core, so run together they can at best split them: 1/(1/d + 1/e).
    const shared = 1 / (1 / decodeRate + 1 / embedRate);
    rows.push([
      bb,
      emb.imageRuntime,
      decodeRate,
      embedRate,
      fullRate,
      `${(fullRate / slower).toFixed(2)}x`,
      shared,
      `${(fullRate / shared).toFixed(2)}x`,
      tagsOff ?? '—',
      tagsOff ? `${(fullRate / tagsOff).toFixed(2)}x` : '—',
    ]);
  }
  const facePhotos = Number(arg('faces', n > 0 ? '12' : '0'));
  if (facePhotos > 0) {
    const emb = await speedEmbedder('default', runtime, threads);
    await benchIndexFaces(emb, CACHE, facePhotos, decodeConcurrency);
    emb.dispose();
  }
  if (n > 0) {
    console.log(
      `\nIndexing ${n} 12-MP JPEGs (4000x3000), tfjs ${backend.name}, photos/s; full = decode + embed + thumbnails + SQLite + captions, ${decodeConcurrency} decodes in flight`,
    );
    printTable(
      [
        'backbone',
        'image backbone on',
        'decode-only',
        'embed-only',
        'full pipeline',
        'full / slower stage',
        'shared-core bound',
        'full / bound',
        'full, tags off',
        'tags on / off',
      ],
      rows,
    );
  }
  if (rssPhotos > 0) {
    // Run alone (--photos=0) for a clean peak: the 12-MP decodes above have their own peak.
    const small = join(CACHE, `photos-small-${rssPhotos}`);
    await makePhotos(small, rssPhotos, 640, 480);
    const emb = await speedEmbedder(backbones[backbones.length - 1]!, runtime, threads);
    const dataDir = mkdtempSync(join(tmpdir(), 'glimpse-bench-rss-'));
    const lib = assembleParts({ store: LibraryStore.open(dataDir), embedder: emb, dataDir });
    const samples: { at: number; done: number; rss: number; heap: number; buffers: number; wasm: number }[] = [];
    let done = 0;
    const sample = () => {
      const m = process.memoryUsage();
      samples.push({
        at: performance.now(),
        done,
        rss: m.rss,
        heap: m.heapTotal,
        buffers: m.external,
        wasm: wasmHeapBytes(),
      });
    };
    const timer = setInterval(sample, 1000);
    const t = performance.now();
    const s = await lib.pipeline.run([small], {
      onProgress: (p) => {
        if (p.phase === 'indexing') done = p.done;
      },
    });
    clearInterval(timer);
    sample();
    lib.dispose();
    lib.store.close();
    rmSync(dataDir, { recursive: true, force: true });
    console.log(
      `\nindexed ${s.indexed} photos (640x480) in ${((performance.now() - t) / 1000).toFixed(0)} s; memory (MB) as indexing went on:`,
    );
    const mb = (b: number) => (b / 2 ** 20).toFixed(0);
    const at = (f: number) => samples[Math.min(samples.length - 1, Math.floor(f * (samples.length - 1)))]!;
    const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
    const rows: [string, (typeof samples)[number]][] = [
      ['10%', at(0.1)],
      ['25%', at(0.25)],
      ['50%', at(0.5)],
      ['75%', at(0.75)],
      ['end', at(1)],
      ['peak', peak],
    ];
    // Worker threads' heaps are not in memoryUsage(): they land in "native rest", with libvips,
    // SQLite and malloc's per-thread arenas (MALLOC_ARENA_MAX caps those on glibc).
    console.log(`MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'}, image backbone on ${emb.imageRuntime}`);
    printTable(
      ['when', 'photos done', 'RSS', 'JS heap', 'external (incl. wasm)', 'main-thread wasm heap', 'native rest'],
      rows.map(([w, r]) => [
        w,
        r.done,
        mb(r.rss),
        mb(r.heap),
        mb(r.buffers),
        mb(r.wasm),
        mb(r.rss - r.heap - r.buffers),
      ]),
    );
  }
  console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  if (!existsSync(CACHE)) mkdirSync(CACHE);
}
