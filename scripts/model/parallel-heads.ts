/**
 * Trains a multi-head default model's heads in child processes, as many at a time as there are
 * cores: each head is an independent single-head run (tfjs on wasm uses one core), so on 2 cores
 * three heads take about two heads' time. Each child is this script again with --only-head=h;
 * their output is prefixed with the head, and one failure stops the rest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';

export async function trainHeadsInParallel(heads: number, args: string[]): Promise<void> {
  const queue = Array.from({ length: heads }, (_, h) => h);
  const running = new Set<ChildProcess>();
  const one = (h: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args, `--only-head=${h}`], {
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      running.add(child);
      createInterface({ input: child.stderr! }).on('line', (l) => console.error(`[head ${h}] ${l}`));
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        running.delete(child);
        if (code === 0) resolve();
        else reject(new Error(`head ${h} failed (${signal ?? `exit ${code}`}); rerun with --resume to continue`));
      });
    });
  const worker = async () => {
    for (let h = queue.shift(); h !== undefined; h = queue.shift()) await one(h);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(heads, availableParallelism()) }, worker));
  } catch (err) {
    queue.length = 0;
    for (const c of running) c.kill('SIGINT');
    throw err;
  }
}
