/**
 * Web mode's security and contract: loopback only, a per-launch token (401 without it), no path
 * traversal out of the renderer, the thumbnail cache or the library roots, malformed input
 * rejected as data, and progress streamed as server-sent events.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { mkdirSync, readdirSync, readlinkSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { startWebServer, type WebServer } from '../src/web/server.js';
import type { GlimpseApi, Result } from '../src/shared/contract.js';
import { createEngineApi } from '../src/core/app/api.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
const staticDir = join(tmp.dir, 'renderer');
const root = join(tmp.dir, 'photos');
let web: WebServer;
let port: number;

function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
const auth = () => ({ authorization: `Bearer ${web.token}` });
let cancelledJobs = 0;
/** An API call as the page makes it: the token as a header, the body declared as JSON. */
const json = () => ({ ...auth(), 'content-type': 'application/json' });

beforeAll(async () => {
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Glimpse</title>');
  writeFileSync(join(tmp.dir, 'secret.txt'), 'do not serve');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'ok.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  symlinkSync(join(tmp.dir, 'secret.txt'), join(root, 'escape.png'));
  const engine = createEngineApi({ dataDir: join(tmp.dir, 'data') });
  // A slow method that reports progress, to check streaming; everything else is the real API.
  const api: GlimpseApi = {
    ...engine,
    backend: async (_i, o) => {
      o?.onProgress?.({ phase: 'testing', done: 1, total: 2, eta: null });
      return engine.backend({});
    },
    // A long job that runs until it is cancelled, to check that a closed stream cancels it.
    index: async (_i, o) => {
      o?.onProgress?.({ phase: 'indexing', done: 0, total: 1, eta: null });
      await new Promise<void>((resolve) => o?.signal?.addEventListener('abort', () => resolve(), { once: true }));
      cancelledJobs++;
      return { ok: false, error: { code: 'cancelled', message: 'cancelled' } };
    },
  };
  web = await startWebServer({ api, dataDir: join(tmp.dir, 'data'), staticDir, roots: async () => [root] });
  port = (web.server.address() as { port: number }).port;
});
afterAll(async () => {
  await web?.close();
  tmp.cleanup();
});

describe('web mode', () => {
  it('binds to loopback only and prints a URL with the token', () => {
    expect((web.server.address() as { address: string }).address).toBe('127.0.0.1');
    expect(web.url).toBe(`http://127.0.0.1:${port}/?token=${web.token}`);
    expect(web.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers 401 to any request without the token', async () => {
    for (const path of ['/', '/api/backend', '/thumbs/x.webp', '/photo?path=/etc/passwd', '/assets/a.js']) {
      expect((await raw(path, { method: path.startsWith('/api') ? 'POST' : 'GET' })).status).toBe(401);
    }
    expect((await raw('/api/backend', { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
  });

  it('serves the page with the token and sets a cookie for what follows', async () => {
    const r = await raw(`/?token=${web.token}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Glimpse</title>');
    expect(String(r.headers['set-cookie'])).toMatch(/glimpse_token=.*HttpOnly/);
    expect((await raw('/', { headers: { cookie: `glimpse_token=${web.token}` } })).status).toBe(200);
  });

  it('serves photos and thumbnails only to its own page: another site or port on 127.0.0.1 gets 403', async () => {
    const photo = `/photo?path=${encodeURIComponent(join(root, 'ok.png'))}`;
    const cookie = { cookie: `glimpse_token=${web.token}` };
    expect((await raw(photo, { headers: { ...cookie, 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
    for (const site of ['same-site', 'cross-site']) {
      const r = await raw(photo, { headers: { ...cookie, 'sec-fetch-site': site } });
      expect(r.status).toBe(403);
      expect((await raw('/thumbs/x.webp', { headers: { ...cookie, 'sec-fetch-site': site } })).status).toBe(403);
    }
    expect((await raw(photo, { headers: cookie })).headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('closes a photo file when the client goes away mid-download', async () => {
    const big = join(root, 'big.jpg');
    writeFileSync(big, Buffer.alloc(32 << 20, 1));
    const openOnBig = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === big;
        } catch {
          return false;
        }
      }).length;
    const path = `/photo?path=${encodeURIComponent(big)}`;
    await Promise.all(
      Array.from(
        { length: 40 },
        () =>
          new Promise<void>((resolve) => {
            const req = request({ host: '127.0.0.1', port, path, headers: auth() }, (res) => {
              res.once('data', () => {
                req.destroy();
                resolve();
              });
            });
            req.on('error', () => resolve());
            req.end();
          }),
      ),
    );
    await expect.poll(openOnBig, { timeout: 5000 }).toBe(0);
    rmSync(big);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await raw('/', { headers: { ...auth(), host: 'evil.example:80' } })).status).toBe(421);
  });

  it('refuses path traversal out of the renderer, the thumbnails and the library', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/thumbs/../../secret.txt',
    ]) {
      const r = await raw(path, { headers: auth() });
      expect([403, 404]).toContain(r.status);
      expect(r.body).not.toContain('do not serve');
    }
    expect(
      (await raw(`/photo?path=${encodeURIComponent(join(root, '..', 'secret.txt'))}`, { headers: auth() })).status,
    ).toBe(403);
    expect((await raw(`/photo?path=${encodeURIComponent(join(root, 'escape.png'))}`, { headers: auth() })).status).toBe(
      403,
    );
    expect((await raw(`/photo?path=${encodeURIComponent(join(root, 'ok.png'))}`, { headers: auth() })).status).toBe(
      200,
    );
  });

  it('speaks the contract: results and errors as JSON data', async () => {
    const ok = JSON.parse((await raw('/api/backend', { method: 'POST', headers: json(), body: '{}' })).body) as Result<{
      backend: string;
    }>;
    expect(ok.ok && ok.value.backend).toMatch(/wasm|cpu|node/);
    const bad = await raw('/api/search', { method: 'POST', headers: json(), body: JSON.stringify({ query: 42 }) });
    expect(JSON.parse(bad.body)).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: expect.stringContaining('"query"') },
    });
    const notJson = await raw('/api/search', { method: 'POST', headers: json(), body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).error.message).toMatch(/not valid JSON/);
    expect((await raw('/api/constructor', { method: 'POST', headers: json(), body: '{}' })).status).toBe(404);
    expect((await raw('/api/backend', { headers: auth() })).status).toBe(405);
  });

  it('streams progress as server-sent events, then the result', async () => {
    const r = await raw('/api/backend', {
      method: 'POST',
      headers: { ...json(), accept: 'text/event-stream' },
      body: '{}',
    });
    expect(r.headers['content-type']).toBe('text/event-stream');
    expect(r.body).toMatch(/event: progress\ndata: \{"phase":"testing"/);
    expect(r.body).toMatch(/event: result\ndata: \{"ok":true/);
  });

  it('refuses API calls another page could make: a foreign Origin or site, the cookie alone, a body not sent as JSON', async () => {
    const before = JSON.parse(
      (await raw('/api/albums', { method: 'POST', headers: json(), body: '{}' })).body,
    ) as Result<{
      albums: unknown[];
    }>;
    const create = JSON.stringify({ name: 'csrf', label: '' });
    const other = 'http://127.0.0.1:1';
    for (const [headers, status] of [
      [{ ...json(), origin: other }, 403],
      [{ ...json(), 'sec-fetch-site': 'same-site' }, 403],
      [{ 'content-type': 'application/json', cookie: `glimpse_token=${web.token}` }, 401],
      [{ ...auth(), 'content-type': 'text/plain' }, 415],
      [{ ...auth(), 'content-type': 'application/x-www-form-urlencoded' }, 415],
      [{ 'content-type': 'text/plain', cookie: `glimpse_token=${web.token}`, origin: other }, 403],
    ] as const) {
      const r = await raw('/api/createAlbum', { method: 'POST', headers, body: create });
      expect(r.status, JSON.stringify(headers)).toBe(status);
    }
    const after = JSON.parse(
      (await raw('/api/albums', { method: 'POST', headers: json(), body: '{}' })).body,
    ) as Result<{
      albums: unknown[];
    }>;
    expect(after.ok && before.ok && after.value.albums.length).toBe(before.ok ? before.value.albums.length : -1);
    // The page itself (same origin, as Chromium labels it) is served.
    const same = await raw('/api/albums', {
      method: 'POST',
      headers: { ...json(), origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
      body: '{}',
    });
    expect(same.status).toBe(200);
  });

  it('forbids framing, sniffing and referrers on every response, with a CSP', async () => {
    for (const r of [await raw(`/?token=${web.token}`), await raw('/'), await raw('/api/albums', { method: 'POST' })]) {
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(String(r.headers['content-security-policy'])).toMatch(/frame-ancestors 'none'/);
    }
  });

  it('answers malformed paths and bodies with 400, and keeps serving', async () => {
    for (const p of ['/%', '/%E0%A4%A']) expect((await raw(p, { headers: auth() })).status).toBe(400);
    const deep = '['.repeat(300_000) + ']'.repeat(300_000);
    const r = await raw('/api/search', { method: 'POST', headers: json(), body: deep });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/nests deeper/);
    expect((await raw('/api/albums', { method: 'POST', headers: json(), body: '{}' })).status).toBe(200);
  });

  it('survives photos that vanish while they are served: 403/404s, and the server lives', async () => {
    const p = join(root, 'flicker.png');
    const url = `/photo?path=${encodeURIComponent(p)}`;
    // The file is written and deleted as fast as the loop turns while requests for it are in
    // flight, so some land between the resolver's check and the read (the probe's race).
    let flipping = true;
    const flip = (async () => {
      while (flipping) {
        writeFileSync(p, Buffer.alloc(64 * 1024, 1));
        await new Promise((r) => setImmediate(r));
        rmSync(p, { force: true });
        await new Promise((r) => setImmediate(r));
      }
    })();
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () =>
        raw(url, { headers: auth() }).then(
          (r) => r.status,
          () => 0, // a response cut off mid-file: that request fails, not the server
        ),
      ),
    );
    flipping = false;
    await flip;
    expect(statuses.every((s) => [0, 200, 403, 404].includes(s))).toBe(true);
    expect([403, 404]).toContain((await raw(url, { headers: auth() })).status);
    expect((await raw('/api/albums', { method: 'POST', headers: json(), body: '{}' })).status).toBe(200);
  });

  it('cancels a streamed job when its client goes away', async () => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/api/index',
      method: 'POST',
      headers: { ...json(), accept: 'text/event-stream' },
    });
    req.on('error', () => undefined);
    req.on('response', (res) => res.once('data', () => req.destroy()));
    req.end('{}');
    const until = Date.now() + 5000;
    while (cancelledJobs === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(cancelledJobs).toBe(1);
  });
});
