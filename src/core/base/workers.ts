/**
 * Worker threads on a module. A .ts source starts through bin/worker-boot.mjs, which registers
 * tsx's loader first (Node 20 workers can't take tsx through execArgv); a built .js file (the
 * Electron bundle) starts directly.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRoot } from './app-root.js';

export function startModuleWorker(entry: URL, workerData: Record<string, unknown>): Worker {
  if (entry.pathname.endsWith('.ts'))
    return new Worker(join(appRoot(), 'bin', 'worker-boot.mjs'), { workerData: { ...workerData, entry: entry.href } });
  return new Worker(fileURLToPath(entry), { workerData });
}
