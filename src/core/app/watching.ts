/**
 * Folder watching for the long-lived front ends (the desktop app, web mode): changes on disk in a
 * library folder start an index job of that folder, shown on the Jobs page like any other. A run
 * waits while a full index runs, and the watcher follows the roots as they are added or removed.
 */
import { LibraryWatcher, type WatchOptions } from '../indexing/watch.js';
import type { Outputs } from '../../shared/contract.js';
import type { Glimpse } from './glimpse.js';
import type { Jobs } from './jobs.js';

const WAIT_MS = 250;

export class FolderWatching {
  private readonly watcher: LibraryWatcher;
  /** The index jobs this watcher started, which never pause it. */
  private readonly own = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    app: Glimpse,
    private readonly jobs: Jobs,
    opts: WatchOptions,
    summarise: (s: Outputs['index']) => string,
  ) {
    this.watcher = new LibraryWatcher(
      {
        roots: () => app.roots(),
        index: async (folders) => {
          await this.fullIndexDone();
          if (this.closed) return;
          return jobs.run(
            'index',
            `Updating ${folders.join(', ')} (changed on disk)`,
            (ctx) => {
              this.own.add(ctx.id);
              return app.index({ folders }, ctx);
            },
            {},
            summarise,
          );
        },
      },
      opts,
    );
  }

  /** Watches the current roots (call after roots change); runs after any earlier call. */
  sync(): Promise<void> {
    this.chain = this.chain
      .then(() => (this.closed ? undefined : this.watcher.restart()))
      .catch((err: Error) => console.warn(`glimpse: folder watching failed: ${err.message}`));
    return this.chain;
  }

  describe(): string {
    return this.watcher.describe();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    await this.watcher.stop();
  }

  /** Resolves once no index job other than this watcher's own is running. */
  private async fullIndexDone(): Promise<void> {
    while (!this.closed && this.jobs.running('index').some((j) => !this.own.has(j.id)))
      await new Promise((r) => setTimeout(r, WAIT_MS));
  }
}
