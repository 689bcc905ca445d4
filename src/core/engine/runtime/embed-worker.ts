/**
 * One image-embedding worker of the pool (embed-pool.ts): loads the bundle on its own tfjs
 * backend and embeds the pixel batches it is sent. Vectors go back as transferred buffers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../tf/backend.js';
import { loadBundle } from '../bundle.js';
import { bundleEmbedder } from './embedder.js';

const port = parentPort!;
const { bundleDir } = workerData as { bundleDir: string };
try {
  await initBackend();
  const embedder = bundleEmbedder(await loadBundle(bundleDir));
  port.on('message', (m: { id: number; pixels: Float32Array; n: number }) => {
    void embedder.embedImages(m.pixels, m.n).then(
      (v) => port.postMessage({ id: m.id, vectors: v }, [v.buffer as ArrayBuffer]),
      (err: Error) => port.postMessage({ id: m.id, error: err.message }),
    );
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: (err as Error).message });
}
