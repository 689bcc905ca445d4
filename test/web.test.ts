/**
 * Web mode's security and contract: loopback only, a per-launch token (401 without it), no path
 * traversal out of the renderer, the thumbnail cache or the library roots, malformed input
 * rejected as data, and progress streamed as server-sent events.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
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
    const ok = JSON.parse((await raw('/api/backend', { method: 'POST', headers: auth(), body: '{}' })).body) as Result<{
      backend: string;
    }>;
    expect(ok.ok && ok.value.backend).toMatch(/wasm|cpu|node/);
    const bad = await raw('/api/search', { method: 'POST', headers: auth(), body: JSON.stringify({ query: 42 }) });
    expect(JSON.parse(bad.body)).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: expect.stringContaining('"query"') },
    });
    const notJson = await raw('/api/search', { method: 'POST', headers: auth(), body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).error.message).toMatch(/not valid JSON/);
    expect((await raw('/api/constructor', { method: 'POST', headers: auth(), body: '{}' })).status).toBe(404);
    expect((await raw('/api/backend', { headers: auth() })).status).toBe(405);
  });

  it('streams progress as server-sent events, then the result', async () => {
    const r = await raw('/api/backend', {
      method: 'POST',
      headers: { ...auth(), accept: 'text/event-stream' },
      body: '{}',
    });
    expect(r.headers['content-type']).toBe('text/event-stream');
    expect(r.body).toMatch(/event: progress\ndata: \{"phase":"testing"/);
    expect(r.body).toMatch(/event: result\ndata: \{"ok":true/);
  });
});
