/**
 * The renderer's handle on the API contract: the preload bridge in Electron, or in web mode the
 * same contract over loopback HTTP (the per-launch token goes as a header; progress
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

const TOKEN_KEY = 'glimpse-token';

/**
 * Web mode's per-launch token: taken from the URL glimpse serve printed (its query or fragment)
 * on the first load, kept for this tab only, and removed from the address bar so it is neither
 * shown, bookmarked nor sent on as a referrer. API calls carry it as a header, which no other page
 * can set: the server refuses API calls that bring only the cookie (kept for images).
 */
export function takeToken(): string | null {
  const fromUrl =
    new URLSearchParams(location.search).get('token') ?? new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

async function callHttp(name: MethodName, input: unknown, opts?: CallOptions): Promise<Result<unknown>> {
  try {
    const stream = Boolean(opts?.onProgress);
    const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
    const res = await fetch(`/api/${name}`, {
      method: 'POST',
      credentials: 'same-origin',
      signal: opts?.signal,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...(stream ? { accept: 'text/event-stream' } : {}),
      },
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
