/**
 * Trains a multi-head default model's heads in child processes, all at once: each head is an
 * independent single-head run (tfjs on wasm keeps one core busy, about 1.2 GB each), so the cores
 * share the total work and none idles while a lone last head runs (on 2 cores three heads take
 * 1.5 heads' time, not 2). Each child is this script again with --only-head=h,
 * and one failure stops the rest.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export async function trainHeadsInParallel(heads: number, args: string[]): Promise<void> {
  const running = new Set<ChildProcess>();
  const one = (h: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args, `--only-head=${h}`], {
        // Each child names its head on every progress line.
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      running.add(child);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        running.delete(child);
        if (code === 0) resolve();
        else reject(new Error(`head ${h} failed (${signal ?? `exit ${code}`}); rerun with --resume to continue`));
      });
    });
  try {
    await Promise.all(Array.from({ length: heads }, (_, h) => one(h)));
  } catch (err) {
    for (const c of running) c.kill('SIGINT');
    throw err;
  }
}
