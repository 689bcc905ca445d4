/**
 * The Electron side's wiring, without the Electron binary:
 * - the engine RPC (main process ↔ utilityProcess) over a real MessageChannel: results, progress,
 *   cancellation, unknown methods, and a dead engine answered with an error instead of a hang;
 * - the preload bridge: exactly one named function per contract method (no generic send),
 *   forwarding to its own channel with progress routed back to the caller;
 * - the photo protocol's resolver: only thumbnails and photos inside a root, no `..`, no links out.
 */
import { describe, it, expect, vi, afterAll } from 'vitest';
import { MessageChannel } from 'node:worker_threads';
import { join } from 'node:path';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { serveRpc, RpcClient, type RpcReply, type RpcRequest } from '../src/core/transport/rpc.js';
import { resolveMedia } from '../src/core/transport/media.js';
import { createEngineApi } from '../src/core/app/api.js';
import { methods, type GlimpseApi, type Progress } from '../src/shared/contract.js';
import { ipcChannel, PROGRESS_CHANNEL } from '../src/shared/ipc.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('engine RPC over a message port', () => {
  function pair(api: Partial<GlimpseApi>) {
    const { port1, port2 } = new MessageChannel();
    const handle = serveRpc(api as GlimpseApi, (m) => port1.postMessage(m));
    port1.on('message', (m: RpcRequest) => handle(m));
    const client = new RpcClient((m) => port2.postMessage(m));
    port2.on('message', (m: RpcReply) => client.receive(m));
    return {
      client,
      close: () => {
        port1.close();
        port2.close();
      },
    };
  }

  it('answers results, streams progress, and cancels through the signal', async () => {
    let aborted = false;
    const { client, close } = pair({
      status: async () => ({ ok: true, value: { backend: 'wasm' } as never }),
      index: (_i, o) =>
        new Promise((resolve) => {
          o?.onProgress?.({ phase: 'decoding', done: 1, total: 3, eta: 2 });
          o?.signal?.addEventListener('abort', () => {
            aborted = true;
            resolve({ ok: false, error: { code: 'cancelled', message: 'cancelled' } });
          });
        }),
    });
    expect(await client.call('status', {})).toEqual({ ok: true, value: { backend: 'wasm' } });
    const seen: Progress[] = [];
    const ac = new AbortController();
    const running = client.call(
      'index',
      {},
      (p) => {
        seen.push(p);
        ac.abort();
      },
      ac.signal,
    );
    expect(await running).toEqual({ ok: false, error: { code: 'cancelled', message: 'cancelled' } });
    expect(seen).toEqual([{ phase: 'decoding', done: 1, total: 3, eta: 2 }]);
    expect(aborted).toBe(true);
    expect(await client.call('nope' as never, {})).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: 'no API method "nope"' },
    });
    close();
  });

  it('the real engine behind the port rejects malformed input with a message naming the field', async () => {
    const engine = createEngineApi({ dataDir: join(tmp.dir, 'rpc-data') });
    const { client, close } = pair(engine);
    expect(await client.call('search', { query: 42 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: expect.stringMatching(/^search: "query": /) },
    });
    expect(await client.call('addToAlbum', { id: -1, photos: [1] })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: expect.stringContaining('"id"') },
    });
    expect(await client.call('createAlbum', null)).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: expect.stringContaining('"name"') },
    });
    close();
    engine.close();
  });

  it('a dead engine answers every open call with an error', async () => {
    const client = new RpcClient(() => undefined);
    const open = client.call('search', { query: 'x' });
    client.failAll('the Glimpse engine stopped');
    expect(await open).toEqual({ ok: false, error: { code: 'unavailable', message: 'the Glimpse engine stopped' } });
    const throwing = new RpcClient(() => {
      throw new Error('channel closed');
    });
    expect(await throwing.call('status', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });
});

describe('the preload bridge', () => {
  it('exposes one named function per contract method and a folder picker, nothing generic', async () => {
    const exposed: Record<string, Record<string, unknown>> = {};
    const listeners: Record<string, (...a: unknown[]) => void> = {};
    const invoke = vi.fn(async (channel: string, _input: unknown, callId: number) => {
      if (channel === ipcChannel('index'))
        listeners[PROGRESS_CHANNEL]!({}, callId, { phase: 'decoding', done: 1, total: 2, eta: null });
      return { ok: true, value: channel };
    });
    vi.doMock('electron', () => ({
      contextBridge: {
        exposeInMainWorld: (k: string, v: Record<string, unknown>) => {
          exposed[k] = v;
        },
      },
      ipcRenderer: {
        invoke,
        on: (ch: string, fn: (...a: unknown[]) => void) => {
          listeners[ch] = fn;
        },
      },
    }));
    await import('../src/preload/index.js');
    expect(Object.keys(exposed).sort()).toEqual(['glimpse', 'glimpseDesktop']);
    expect(Object.keys(exposed.glimpse!).sort()).toEqual(Object.keys(methods).sort());
    expect(Object.keys(exposed.glimpseDesktop!)).toEqual(['pickFolder']);
    const bridge = exposed.glimpse as unknown as GlimpseApi;
    expect(await bridge.search({ query: 'dog' })).toEqual({ ok: true, value: 'glimpse:search' });
    expect(invoke).toHaveBeenCalledWith('glimpse:search', { query: 'dog' }, expect.any(Number));
    const seen: Progress[] = [];
    await bridge.index({ folders: [] }, { onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([{ phase: 'decoding', done: 1, total: 2, eta: null }]);
    vi.doUnmock('electron');
  });
});

describe('the photo protocol resolver', () => {
  const root = join(tmp.dir, 'photos');
  const dataDir = join(tmp.dir, 'data');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(dataDir, 'thumbs', 'ab'), { recursive: true });
  writeFileSync(join(root, 'sub', 'a.jpg'), 'jpeg');
  writeFileSync(join(tmp.dir, 'secret.jpg'), 'secret');
  writeFileSync(join(tmp.dir, 'notes.txt'), 'text');
  symlinkSync(join(tmp.dir, 'secret.jpg'), join(root, 'link.jpg'));
  const thumb = `ab${'0'.repeat(38)}.webp`;
  writeFileSync(join(dataDir, 'thumbs', 'ab', thumb), 'webp');
  const ask = (u: string) => {
    const url = new URL(u, 'glimpse://media');
    return resolveMedia(url.pathname, url.searchParams, { dataDir, roots: [root] });
  };

  it('serves thumbnails from the cache and photos inside a root', () => {
    expect(ask(`/thumbs/${thumb}`)).toMatchObject({ ok: true, type: 'image/webp' });
    expect(ask(`/photo?path=${encodeURIComponent(join(root, 'sub', 'a.jpg'))}`)).toMatchObject({
      ok: true,
      type: 'image/jpeg',
    });
  });

  it('refuses traversal, links out of a root, other files and other routes', () => {
    for (const u of [
      `/photo?path=${encodeURIComponent(join(root, '..', 'secret.jpg'))}`,
      `/photo?path=${encodeURIComponent(join(root, 'sub', '..', '..', 'secret.jpg'))}`,
      `/photo?path=${encodeURIComponent(join(root, 'link.jpg'))}`,
      `/photo?path=${encodeURIComponent(join(tmp.dir, 'notes.txt'))}`,
      '/photo?path=%2Fetc%2Fpasswd',
      '/photo',
    ])
      expect(ask(u)).toMatchObject({ ok: false, status: 403 });
    for (const u of [
      '/thumbs/../../library.db',
      '/thumbs/..%2F..%2Flibrary.db',
      `/thumbs/${thumb.replace('.webp', '.png')}`,
      '/library.db',
    ]) {
      expect(ask(u)).toMatchObject({ ok: false, status: 404 });
    }
  });
});
