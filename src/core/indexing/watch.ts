/**
 * Keeps the index current: chokidar watches each root and a debounced incremental index of that
 * root runs after changes (added, changed, moved and deleted photos alike: the index run tells
 * them apart). Large trees could exhaust inotify watches, so the watcher first counts folders
 * against the system limit; over budget, or when watching fails, it falls back to a periodic rescan.
 */
import chokidar, { type FSWatcher } from 'chokidar';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { isSkippedDir } from './scan.js';
/** What the watcher needs of a library: its roots, and a way to index one of them. */
export interface Watchable {
  roots(): string[];
  index(folders: string[]): Promise<unknown>;
}

export interface WatchOptions {
  /** Quiet time after the last change before indexing. */
  debounceMs?: number;
  /** Rescan period in fallback mode. */
  rescanMs?: number;
  /** Most inotify watches to use; default: half the system's max_user_watches. */
  maxWatches?: number;
  /** A folder whose changes are never the user's photos (the data dir, when it sits in a root). */
  ignore?: string;
  onIndexed?: (root: string) => void;
  onMode?: (mode: 'watching' | 'polling', why: string) => void;
}

function systemWatchBudget(): number {
  try {
    return Math.floor(Number(readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8')) / 2);
  } catch {
    return 4096; // not Linux, or unreadable: stay modest
  }
}

async function countDirs(root: string, stopAt: number): Promise<number> {
  let n = 0;
  const stack = [root];
  while (stack.length && n <= stopAt) {
    const dir = stack.pop()!;
    n++;
    try {
      for (const e of await readdir(dir, { withFileTypes: true }))
        if (e.isDirectory() && !isSkippedDir(e.name)) stack.push(join(dir, e.name));
    } catch {
      /* unreadable folders are the indexer's to report */
    }
  }
  return n;
}

export class LibraryWatcher {
  private watchers: FSWatcher[] = [];
  private timers = new Map<string, NodeJS.Timeout>();
  private poll: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  mode: 'watching' | 'polling' | 'stopped' = 'stopped';
  /** Why the watcher is in its mode ("3 folders", "watching failed: …"), for status. */
  why = '';

  constructor(
    private readonly lib: Watchable,
    private readonly opts: WatchOptions = {},
  ) {}

  async start(): Promise<void> {
    const roots = this.lib.roots();
    const budget = this.opts.maxWatches ?? systemWatchBudget();
    let dirs = 0;
    for (const r of roots) dirs += await countDirs(r, budget + 1);
    if (roots.length === 0) return;
    if (dirs > budget) return this.fallback(`${dirs}+ folders exceed the ${budget} watches budget`);
    this.mode = 'watching';
    this.why = `${dirs} ${dirs === 1 ? 'folder' : 'folders'}`;
    this.opts.onMode?.('watching', this.why);
    for (const root of roots) {
      const w = chokidar.watch(root, {
        ignoreInitial: true,
        followSymlinks: false,
        awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 100 },
        ignored: (p: string) =>
          (p !== root && isSkippedDir(basename(p))) ||
          (this.opts.ignore !== undefined && (p === this.opts.ignore || p.startsWith(this.opts.ignore + sep))),
      });
      w.on('all', () => this.schedule(root));
      w.on('error', (err) => void this.fallback(`watching failed: ${(err as Error).message}`));
      this.watchers.push(w);
      await new Promise<void>((resolve) => w.once('ready', () => resolve()));
    }
  }

  private schedule(root: string): void {
    clearTimeout(this.timers.get(root));
    this.timers.set(
      root,
      setTimeout(() => {
        this.timers.delete(root);
        this.running = this.running.then(async () => {
          try {
            await this.lib.index([root]);
            this.opts.onIndexed?.(root);
          } catch {
            /* the root may have been removed meanwhile; the next change or rescan retries */
          }
        });
      }, this.opts.debounceMs ?? 1000),
    );
  }

  private async fallback(why: string): Promise<void> {
    await this.closeWatchers();
    if (this.mode === 'polling') return;
    this.mode = 'polling';
    this.why = why;
    this.opts.onMode?.('polling', why);
    const tick = () => {
      for (const r of this.lib.roots()) this.schedule(r);
    };
    this.poll = setInterval(tick, this.opts.rescanMs ?? 10 * 60_000);
  }

  private async closeWatchers(): Promise<void> {
    const ws = this.watchers;
    this.watchers = [];
    await Promise.all(ws.map((w) => w.close()));
  }

  /** Watches the roots anew (after one was added or removed). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** What the watcher does, in words, for status. */
  describe(): string {
    const every = Math.round((this.opts.rescanMs ?? 10 * 60_000) / 60_000);
    if (this.mode === 'watching') return `watching ${this.why} for changes`;
    if (this.mode === 'polling') return `checking for changes every ${every || 1} min (${this.why})`;
    return 'off';
  }

  /** Stops watching and waits for an index run in progress. */
  async stop(): Promise<void> {
    this.mode = 'stopped';
    this.why = '';
    if (this.poll) clearInterval(this.poll);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.closeWatchers();
    await this.running;
  }
}
