/**
 * Backbone features for the corpus, computed once and cached (frozen backbone, as the paper's
 * precomputed-feature runs): data/features/<backbone>.npy + .ids.json. Two worker threads, one
 * per core, because tfjs's wasm backend is single-threaded under Node.
 *   npx tsx scripts/model/features.ts <backbone-id> [inputSize] [--sets=a,b] [--limit=N]
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { existsSync, mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, cpus } from 'node:os';
import { startModuleWorker } from '../../src/main/core/workers.js';

interface Job { ids: string[]; images: string[]; backbone: string; inputSize?: number }

async function work(job: Job): Promise<void> {
  const { initBackend } = await import('../../src/main/core/tf/backend.js');
  const { importNsfwjsBackbone } = await import('../../src/main/core/vse/backbones/nsfwjs.js');
  const { Backbone } = await import('../../src/main/core/vse/model/backbone.js');
  const { decodeEval } = await import('../../src/main/core/vse/data/images.js');
  const tf = await import('@tensorflow/tfjs');
  await initBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-feat-'));
  const spec = importNsfwjsBackbone(job.backbone as never, dir, 'backbone', job.inputSize);
  const bb = await Backbone.load(spec, dir);
  rmSync(dir, { recursive: true, force: true });
  const s = spec.inputSize;
  const per = s * s * 3;
  const out = new Float32Array(job.images.length * spec.featureDim);
  const ok = new Uint8Array(job.images.length);
  for (let start = 0; start < job.images.length; start += 32) {
    const n = Math.min(32, job.images.length - start);
    const buf = new Float32Array(n * per);
    await Promise.all(Array.from({ length: n }, async (_, i) => {
      try {
        await decodeEval(job.images[start + i]!, bb.preprocess, buf, i * per);
        ok[start + i] = 1;
      } catch {
        ok[start + i] = 0;
      }
    }));
    const f = bb.features(tf.tensor4d(buf, [n, s, s, 3]));
    out.set(await f.data() as Float32Array, start * spec.featureDim);
    f.dispose();
    parentPort!.postMessage({ type: 'progress', done: start + n });
  }
  parentPort!.postMessage({ type: 'done', features: out, ok, dim: spec.featureDim, id: spec.id }, [out.buffer]);
}

if (!isMainThread) {
  void work(workerData as Job);
} else {
  const { readCorpus, CORPUS_DIR } = await import('./corpus.js');
  const { encodeNpy } = await import('../../src/main/core/vse/data/npy.js');
  const [backbone = 'nsfwjs-mobilenet_v2', sizeArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const inputSize = sizeArg ? Number(sizeArg) : undefined;
  const sets = process.argv.find((a) => a.startsWith('--sets='))?.split('=')[1]?.split(',');
  const limit = Number(process.argv.find((a) => a.startsWith('--limit='))?.split('=')[1] ?? Infinity);
  let items = readCorpus().filter((i) => !sets || sets.includes(i.set));
  if (Number.isFinite(limit)) items = items.filter((i) => i.split !== 'train').concat(items.filter((i) => i.split === 'train').slice(0, limit));
  const outDir = join(CORPUS_DIR, '..', 'features');
  mkdirSync(outDir, { recursive: true });
  const workers = Math.max(1, Math.min(2, cpus().length));
  const shards = Array.from({ length: workers }, (_, w) => items.filter((_, i) => i % workers === w));
  const t0 = performance.now();
  const done = new Array<number>(workers).fill(0);
  const results = await Promise.all(shards.map((shard, w) => new Promise<{ features: Float32Array; ok: Uint8Array; dim: number; id: string }>((resolve, reject) => {
    const worker = startModuleWorker(new URL(import.meta.url), { ids: shard.map((i) => i.id), images: shard.map((i) => i.image), backbone, inputSize });
    worker.on('message', (m: { type: string; done?: number; features?: Float32Array }) => {
      if (m.type === 'progress') {
        done[w] = m.done!;
        const total = done.reduce((a, b) => a + b, 0);
        if (total % 320 < 32 * workers) process.stderr.write(`features ${total}/${items.length} (${(total / ((performance.now() - t0) / 1000)).toFixed(1)} img/s)\n`);
      } else resolve(m as never);
    });
    worker.on('error', reject);
  })));
  const dim = results[0]!.dim;
  const all = new Float32Array(items.length * dim);
  const ids: string[] = [];
  const failed: string[] = [];
  let row = 0;
  // Re-interleave the shards into corpus order, dropping images that failed to decode.
  for (let i = 0; i < items.length; i++) {
    const r = results[i % workers]!;
    const j = Math.floor(i / workers);
    if (!r.ok[j]) { failed.push(items[i]!.id); continue; }
    all.set(r.features.subarray(j * dim, (j + 1) * dim), row * dim);
    ids.push(items[i]!.id);
    row++;
  }
  const name = results[0]!.id.replace(/[^\w@.-]+/g, '_');
  writeFileSync(join(outDir, `${name}.npy`), encodeNpy(all.subarray(0, row * dim), row, dim));
  writeFileSync(join(outDir, `${name}.ids.json`), JSON.stringify({ backbone: results[0]!.id, ids, failed, seconds: (performance.now() - t0) / 1000 }));
  console.log(`${name}: ${row} images (${failed.length} failed) in ${((performance.now() - t0) / 1000).toFixed(0)} s → ${join(outDir, `${name}.npy`)}`);
  if (!existsSync(join(outDir, `${name}.npy`))) process.exit(1);
}
