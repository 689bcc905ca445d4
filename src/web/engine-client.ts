/**
 * The contract backed by an engine in a worker thread (see engine-worker.ts). If the worker dies,
 * open calls are answered with an error and a new worker starts for the next call.
 */
import type { Worker } from 'node:worker_threads';
import { apiFrom, type GlimpseApi } from '../shared/contract.js';
import { RpcClient, type RpcReply } from '../core/transport/rpc.js';
import { startModuleWorker } from '../core/base/workers.js';

export function workerApi(dataDir: string): GlimpseApi & { close: () => Promise<void> } {
  let worker: Worker | null = null;
  let closing = false;
  const client = new RpcClient((m) => ensure().postMessage(m));
  function ensure(): Worker {
    if (worker) return worker;
    // The sources run engine-worker.ts (through tsx); the built CLI (out/node) its .js twin.
    const file = import.meta.url.endsWith('.ts') ? './engine-worker.ts' : './engine-worker.js';
    const w = startModuleWorker(new URL(file, import.meta.url), { dataDir });
    w.on('message', (m: RpcReply) => {
      if (m.type !== 'reveal') client.receive(m);
    });
    w.on('error', (err) => client.failAll(`the Glimpse engine failed: ${err.message}`));
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      if (!closing) client.failAll(`the Glimpse engine stopped (exit code ${code}); try again`);
    });
    worker = w;
    return w;
  }
  return {
    ...apiFrom((name, input, opts) => client.call(name, input, opts?.onProgress, opts?.signal)),
    close: async () => {
      closing = true;
      if (!worker) return;
      const w = worker;
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      w.postMessage({ type: 'close' });
      // The worker ends once its port closes; a busy one is terminated after a grace period.
      const t = setTimeout(() => void w.terminate(), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
