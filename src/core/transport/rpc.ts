/**
 * The contract over a message port: Electron's main process talks to the engine, which runs in a
 * utilityProcess so indexing and training never block the window's event loop. Pure message
 * shapes and two small ends (server and client), tested over a worker_threads MessageChannel.
 */
import type { GlimpseApi, MethodName, Progress, Result } from '../../shared/contract.js';

export type RpcRequest =
  { type: 'call'; id: number; method: MethodName; input: unknown } | { type: 'cancel'; id: number };
export type RpcReply =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'result'; id: number; result: Result<unknown> }
  /** The engine asks the main process to show a file in the file manager. */
  | { type: 'reveal'; path: string };

/** The engine's end: runs each call on `api`, streams its progress, and answers its result. */
export function serveRpc(api: GlimpseApi, post: (m: RpcReply) => void): (m: RpcRequest) => void {
  const running = new Map<number, AbortController>();
  return (m) => {
    if (m.type === 'cancel') {
      running.get(m.id)?.abort();
      return;
    }
    const fn = (api as unknown as Record<string, ((i: unknown, o: object) => Promise<Result<unknown>>) | undefined>)[
      m.method
    ];
    if (typeof fn !== 'function') {
      post({
        type: 'result',
        id: m.id,
        result: { ok: false, error: { code: 'invalid-input', message: `no API method "${String(m.method)}"` } },
      });
      return;
    }
    const ac = new AbortController();
    running.set(m.id, ac);
    void fn(m.input, {
      signal: ac.signal,
      onProgress: (progress: Progress) => post({ type: 'progress', id: m.id, progress }),
    })
      .then((result) => post({ type: 'result', id: m.id, result }))
      .finally(() => running.delete(m.id));
  };
}

/** The main process's end: numbered calls, progress routed back to each caller. */
export class RpcClient {
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (r: Result<unknown>) => void; onProgress?: (p: Progress) => void }
  >();

  constructor(private readonly post: (m: RpcRequest) => void) {}

  call(
    method: MethodName,
    input: unknown,
    onProgress?: (p: Progress) => void,
    signal?: AbortSignal,
  ): Promise<Result<unknown>> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, onProgress });
      signal?.addEventListener(
        'abort',
        () => {
          if (this.pending.has(id)) this.post({ type: 'cancel', id });
        },
        { once: true },
      );
      try {
        this.post({ type: 'call', id, method, input });
      } catch (err) {
        this.pending.delete(id);
        resolve({
          ok: false,
          error: { code: 'unavailable', message: `the engine is not running: ${(err as Error).message}` },
        });
      }
    });
  }

  receive(m: RpcReply): void {
    if (m.type === 'progress') this.pending.get(m.id)?.onProgress?.(m.progress);
    else if (m.type === 'result') {
      this.pending.get(m.id)?.resolve(m.result);
      this.pending.delete(m.id);
    }
  }

  /** The engine died: every open call gets an error (as data), not a hang. */
  failAll(message: string): void {
    for (const p of this.pending.values()) p.resolve({ ok: false, error: { code: 'unavailable', message } });
    this.pending.clear();
  }
}
