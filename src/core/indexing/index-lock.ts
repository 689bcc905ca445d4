/**
 * One indexer per data dir. A second process (another `glimpse index`, the app beside the CLI)
 * waits for the first to finish instead of embedding the same photos again; it then finds them
 * indexed and skips them. The lock is a file holding its owner's pid: a lock left by a process
 * that died (kill -9, a crash) is taken over, never waited on.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const POLL_MS = 250;
/** A lock file that can't be read (being written, or garbage) is stale after this long. */
const UNREADABLE_STALE_MS = 10_000;

interface Holder {
  pid: number;
  host: string;
  since: string;
}

export interface LockWait {
  signal?: AbortSignal;
  /** Called once, when the lock is held by another live process and this one starts waiting. */
  onWait?: (holder: Holder) => void;
}

/** Runs `fn` holding the data dir's index lock, waiting for another holder first. */
export async function withIndexLock<T>(dataDir: string, fn: () => Promise<T>, wait: LockWait = {}): Promise<T> {
  const file = join(dataDir, 'index.lock');
  let told = false;
  for (;;) {
    wait.signal?.throwIfAborted();
    if (tryTake(file)) break;
    const holder = readHolder(file);
    if (holder === 'stale') {
      removeStale(file);
      continue;
    }
    if (holder && !told) {
      wait.onWait?.(holder);
      told = true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // Already gone (the data dir removed): nothing to release.
    }
  }
}

/** Removes a dead holder's lock, unless another waiter replaced it meanwhile (re-read first). */
function removeStale(file: string): void {
  try {
    if (readHolder(file) === 'stale') unlinkSync(file);
  } catch {
    // Another waiter removed it first.
  }
}

function tryTake(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeSync(fd, JSON.stringify(me));
  closeSync(fd);
  return true;
}

/** The live holder, 'stale' for a lock nobody holds any more, or null when it just went away. */
function readHolder(file: string): Holder | 'stale' | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null; // released between our attempt and this read: try again
  }
  let h: Holder | undefined;
  try {
    h = JSON.parse(text) as Holder;
  } catch {
    h = undefined;
  }
  if (!h || typeof h.pid !== 'number') {
    const age = Date.now() - (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    return age > UNREADABLE_STALE_MS ? 'stale' : null;
  }
  // Another machine's process (a shared folder) can't be checked: trust its lock.
  if (h.host !== hostname()) return h;
  return alive(h.pid) ? h : 'stale';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
