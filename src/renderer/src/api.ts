/**
 * The renderer's handle on the API contract: the preload bridge in Electron, or in web mode the
 * same contract over loopback HTTP (the session cookie carries the per-launch token; progress
 * arrives as server-sent events).
 */
import {
  apiFrom,
  type CallOptions,
  type DesktopBridge,
  type GlimpseApi,
  type MethodName,
  type Result,
} from '../../shared/contract';

declare global {
  interface Window {
    glimpse?: GlimpseApi;
    glimpseDesktop?: DesktopBridge;
  }
}

async function callHttp(name: MethodName, input: unknown, opts?: CallOptions): Promise<Result<unknown>> {
  try {
    const stream = Boolean(opts?.onProgress);
    const res = await fetch(`/api/${name}`, {
      method: 'POST',
      credentials: 'same-origin',
      signal: opts?.signal,
      headers: { 'content-type': 'application/json', ...(stream ? { accept: 'text/event-stream' } : {}) },
      body: JSON.stringify(input ?? {}),
    });
    if (!stream || !res.body) return (await res.json()) as Result<unknown>;
    // Server-sent events: "event: progress" lines until "event: result".
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (!data) continue;
        if (event === 'progress') opts!.onProgress!(JSON.parse(data));
        else if (event === 'result') return JSON.parse(data) as Result<unknown>;
      }
    }
    return { ok: false, error: { code: 'internal', message: 'the server closed the stream without a result' } };
  } catch (err) {
    if ((err as Error).name === 'AbortError') return { ok: false, error: { code: 'cancelled', message: 'cancelled' } };
    return {
      ok: false,
      error: { code: 'unavailable', message: `Glimpse is not reachable: ${(err as Error).message}` },
    };
  }
}

export function getApi(): GlimpseApi {
  return window.glimpse ?? apiFrom(callHttp);
}

let cached: GlimpseApi | null = null;
/** The API, cached: one HTTP client per page in web mode. */
export function api(): GlimpseApi {
  cached ??= getApi();
  return cached;
}

/** Electron's extras (the native folder picker); null in web mode, which shows a path field. */
export function desktop(): DesktopBridge | null {
  return window.glimpseDesktop ?? null;
}

/** Image URLs: the glimpse: protocol in Electron, the web server's own routes in web mode. */
const mediaBase = (): string => (window.glimpse ? 'glimpse://media' : '');
export function thumbUrl(hash: string): string {
  return `${mediaBase()}/thumbs/${hash}.webp`;
}
export function photoUrl(path: string): string {
  return `${mediaBase()}/photo?path=${encodeURIComponent(path)}`;
}
