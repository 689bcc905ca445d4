/**
 * One image-embedding worker of the pool (embed-pool.ts): loads the bundle on its own tfjs
 * backend and embeds the pixel batches it is sent (with the detector's tags when asked). Vectors
 * go back as transferred buffers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from './tf/backend.js';
import { loadBundle } from '../vse/bundle.js';
import { bundleEmbedder } from './embedder.js';

const port = parentPort!;
const { bundleDir } = workerData as { bundleDir: string };
try {
  await initBackend();
  const embedder = bundleEmbedder(await loadBundle(bundleDir));
  port.on('message', (m: { id: number; pixels: Float32Array; n: number; tag?: boolean }) => {
    const run =
      m.tag && embedder.embedAndTag
        ? embedder.embedAndTag(m.pixels, m.n)
        : embedder.embedImages(m.pixels, m.n).then((vectors) => ({ vectors, tags: undefined }));
    void run.then(
      (r) => port.postMessage({ id: m.id, vectors: r.vectors, tags: r.tags }, [r.vectors.buffer as ArrayBuffer]),
      (err: Error) => port.postMessage({ id: m.id, error: err.message }),
    );
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: (err as Error).message });
}
