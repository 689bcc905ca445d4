/**
 * Long work (indexing, training, fine-tuning, re-embedding) as jobs: each has an id, streams its
 * progress, can be cancelled from any front end (cancelJob), and stays listed once finished so the
 * Jobs page can show what ran and why it failed. Finished jobs are kept in memory, newest 50.
 */
import { randomUUID } from 'node:crypto';
import type { ApiError, JobInfo, Progress } from '../../shared/contract.js';
import { toApiError } from '../base/errors.js';

const KEEP_FINISHED = 50;

export interface JobContext {
  id: string;
  signal: AbortSignal;
  onProgress: (p: Progress) => void;
}

export class Jobs {
  private readonly jobs = new Map<string, { info: JobInfo; abort: AbortController }>();

  /** `explain`: a failure as the user should read it (a full disk, a read-only folder). */
  constructor(private readonly explain: (err: unknown) => unknown = (err) => err) {}

  /**
   * Runs `fn` as a job. `outer` (the caller's signal and progress sink) is linked in: aborting it
   * cancels the job, and progress goes both to the job record and to the caller.
   */
  async run<T>(
    kind: string,
    title: string,
    fn: (ctx: JobContext) => Promise<T>,
    outer: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
    summarise?: (v: T) => string,
  ): Promise<T> {
    const id = randomUUID();
    const abort = new AbortController();
    const info: JobInfo = {
      id,
      kind,
      title,
      state: 'running',
      progress: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      error: null,
      summary: null,
    };
    this.jobs.set(id, { info, abort });
    const onOuterAbort = () => abort.abort();
    if (outer.signal?.aborted) abort.abort();
    outer.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const onProgress = (p: Progress) => {
      info.progress = { ...p, job: id };
      outer.onProgress?.(info.progress);
    };
    // The caller learns the job id at once, so it can offer Cancel before the first real progress.
    onProgress({ phase: 'starting', done: 0, total: 0, eta: null });
    try {
      const value = await fn({ id, signal: abort.signal, onProgress });
      info.state = abort.signal.aborted ? 'cancelled' : 'done';
      info.summary = summarise?.(value) ?? null;
      return value;
    } catch (thrown) {
      const err = this.explain(thrown);
      const e: ApiError = toApiError(err);
      info.state = e.code === 'cancelled' || abort.signal.aborted ? 'cancelled' : 'failed';
      info.error = e;
      throw err;
    } finally {
      info.endedAt = new Date().toISOString();
      outer.signal?.removeEventListener('abort', onOuterAbort);
      this.prune();
    }
  }

  /** Starts a job without waiting for it (background work); returns its id. */
  start<T>(kind: string, title: string, fn: (ctx: JobContext) => Promise<T>, summarise?: (v: T) => string): string {
    let id = '';
    void this.run(
      kind,
      title,
      (ctx) => {
        id = ctx.id;
        return fn(ctx);
      },
      {},
      summarise,
    ).catch(() => undefined);
    return id;
  }

  /** Drops a finished job from the list (work that turned out to have nothing to do). */
  forget(id: string): void {
    if (this.jobs.get(id)?.info.state !== 'running') this.jobs.delete(id);
  }

  cancel(id: string): boolean {
    const j = this.jobs.get(id);
    if (!j || j.info.state !== 'running') return false;
    j.abort.abort();
    return true;
  }

  running(kind?: string): JobInfo[] {
    return this.list().filter((j) => j.state === 'running' && (!kind || j.kind === kind));
  }

  /** Running jobs first, then finished ones, newest first. */
  list(): JobInfo[] {
    return [...this.jobs.values()]
      .map((j) => ({ ...j.info }))
      .sort(
        (a, b) =>
          Number(b.state === 'running') - Number(a.state === 'running') || b.startedAt.localeCompare(a.startedAt),
      );
  }

  private prune(): void {
    const finished = [...this.jobs.values()]
      .filter((j) => j.info.state !== 'running')
      .sort((a, b) => a.info.startedAt.localeCompare(b.info.startedAt));
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.info.id);
  }
}
