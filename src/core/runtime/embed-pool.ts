/**
 * Image embedding on one worker thread per core: each worker runs the backbone on its own tfjs
 * backend, and every batch is split across them. Text embedding stays with the base embedder.
 * tfjs's wasm backend is single-threaded under Node, so this is how indexing uses both cores.
 */
import { startModuleWorker } from '../base/workers.js';
import type { Embedder } from './embedder.js';
import type { DetectedTag } from '../tags/detect.js';

interface PieceResult {
  vectors: Float32Array;
  tags?: DetectedTag[][];
}

/** Images per message to a worker (see embedImages). */
const MAX_PER_CALL = 4;

interface PoolWorker {
  embed(pixels: Float32Array, n: number, tag: boolean): Promise<PieceResult>;
  stop(): Promise<number>;
}

function startWorker(bundleDir: string): Promise<PoolWorker> {
  // Electron inlines this module into engine-host.js, with the worker built beside it.
  const w = startModuleWorker(
    new URL(import.meta.url.endsWith('.ts') ? './embed-worker.ts' : './embed-worker.js', import.meta.url),
    { bundleDir },
  );
  const pending = new Map<number, { resolve: (v: PieceResult) => void; reject: (e: Error) => void }>();
  let seq = 0;
  return new Promise((resolve, reject) => {
    w.on(
      'message',
      (m: { ready?: boolean; id?: number; vectors?: Float32Array; tags?: DetectedTag[][]; error?: string }) => {
        if (m.ready !== undefined) {
          if (m.ready)
            resolve({
              embed: (pixels, n, tag) =>
                new Promise((res, rej) => {
                  const id = ++seq;
                  pending.set(id, { resolve: res, reject: rej });
                  w.postMessage({ id, pixels, n, tag }, [pixels.buffer as ArrayBuffer]);
                }),
              stop: () => w.terminate(),
            });
          else reject(new Error(`embedding worker: ${m.error}`));
          return;
        }
        const p = pending.get(m.id!);
        pending.delete(m.id!);
        if (m.error) p?.reject(new Error(m.error));
        else p?.resolve({ vectors: m.vectors!, ...(m.tags ? { tags: m.tags } : {}) });
      },
    );
    w.on('error', (err) => {
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
  });
}

/**
 * `base` with its image embedding spread over `workers` threads, each loading `bundleDir`. The
 * threads start with the first image batch, so searching and captioning never pay for them.
 */
export function pooledEmbedder(base: Embedder, bundleDir: string, workers: number): Embedder {
  let started: Promise<PoolWorker[]> | null = null;
  const per = base.preprocess.inputSize * base.preprocess.inputSize * 3;
  const spread = async (pixels: Float32Array, n: number, tag: boolean): Promise<PieceResult> => {
    started ??= Promise.all(Array.from({ length: workers }, () => startWorker(bundleDir)));
    const pool = await started;
    // Small pieces, dealt round-robin: each worker's wasm heap grows to its largest batch and
    // never shrinks, so pieces of a few images keep memory down at the same speed.
    const pieces = Math.max(pool.length, Math.ceil(n / MAX_PER_CALL));
    const size = Math.ceil(n / pieces);
    const queues = pool.map(() => Promise.resolve());
    const parts: Promise<PieceResult>[] = [];
    for (let from = 0, i = 0; from < n; from += size, i++) {
      const count = Math.min(size, n - from);
      const w = i % pool.length;
      // A copy per piece: its buffer is transferred, and the caller's pixels stay usable.
      const part = queues[w]!.then(() => pool[w]!.embed(pixels.slice(from * per, (from + count) * per), count, tag));
      queues[w] = part.then(
        () => undefined,
        () => undefined,
      );
      parts.push(part);
    }
    const out = new Float32Array(n * base.dim);
    const tags: DetectedTag[][] = [];
    let at = 0;
    for (const p of await Promise.all(parts)) {
      out.set(p.vectors, at);
      at += p.vectors.length;
      tags.push(...(p.tags ?? []));
    }
    return { vectors: out, ...(tag ? { tags } : {}) };
  };
  return {
    id: base.id,
    dim: base.dim,
    preprocess: base.preprocess,
    captionBank: base.captionBank,
    imageRuntime: `${base.imageRuntime}, ${workers} worker threads`,
    embedTexts: (texts) => base.embedTexts(texts),
    embedImages: async (pixels, n) => (await spread(pixels, n, false)).vectors,
    // The workers' own bundle embedders decode the detector's tags, so the pool stores what
    // onnxruntime would: the same id must mean the same tags.
    ...(base.embedAndTag
      ? {
          async embedAndTag(pixels: Float32Array, n: number) {
            const r = await spread(pixels, n, true);
            return { vectors: r.vectors, tags: r.tags ?? [] };
          },
        }
      : {}),
    dispose() {
      base.dispose();
      void started?.then(
        (pool) => pool.forEach((w) => void w.stop()),
        () => undefined,
      );
    },
  };
}
