/**
 * Web mode: the same renderer and the same API contract over loopback HTTP, for machines without
 * the Electron binary and for home servers reached through an SSH tunnel.
 * - Binds 127.0.0.1 only, and refuses requests whose Host header is not this server (DNS rebinding).
 * - A random per-launch token: the printed URL carries it; the page then keeps it in a cookie.
 *   Any request without it gets 401.
 * - POST /api/<method> takes the method's input as JSON and answers its Result as JSON; with
 *   Accept: text/event-stream it streams `progress` events and ends with a `result` event.
 * - Static files come only from the built renderer; thumbnails only from the data dir's cache;
 *   originals only from inside a library root (no `..`, no symlinks out).
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { isInside, MEDIA_TYPES, resolveMedia } from '../core/transport/media.js';
import { methods, type GlimpseApi, type MethodName, type Result } from '../shared/contract.js';

/** The renderer's own files; photos and thumbnails take their type from the media resolver. */
const TYPES: Record<string, string> = {
  ...MEDIA_TYPES,
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};
const MAX_BODY = 1 << 20;

export interface WebServerOptions {
  api: GlimpseApi;
  dataDir: string;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Library roots, for serving originals. */
  roots: () => Promise<string[]>;
  port?: number;
  token?: string;
}

export interface WebServer {
  server: Server;
  url: string;
  token: string;
  close: () => Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(data);
}

function sendFile(
  res: ServerResponse,
  path: string,
  type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
): void {
  res.writeHead(200, { 'content-type': type, 'x-content-type-options': 'nosniff' });
  createReadStream(path).pipe(res);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw Object.assign(new Error('request body over 1 MB'), { status: 413 });
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw Object.assign(new Error('the request body is not valid JSON'), { status: 400 });
  }
}

export function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  let port = opts.port ?? 0;
  const authorised = (req: IncomingMessage, url: URL): boolean => {
    const fromHeader = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const fromCookie = /(?:^|;\s*)glimpse_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given = fromHeader ?? url.searchParams.get('token') ?? fromCookie;
    if (!given) return false;
    const g = Buffer.from(given);
    return g.length === tokenBuf.length && timingSafeEqual(g, tokenBuf);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const host = req.headers.host ?? '';
      if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
        return send(res, 421, { ok: false, error: { code: 'invalid-input', message: 'wrong Host header' } });
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (!authorised(req, url))
        return send(res, 401, {
          ok: false,
          error: { code: 'invalid-input', message: 'missing or wrong token: open the URL glimpse serve printed' },
        });
      const cookie: Record<string, string> = url.searchParams.has('token')
        ? { 'set-cookie': `glimpse_token=${token}; HttpOnly; SameSite=Strict; Path=/` }
        : {};

      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST')
          return send(res, 405, { ok: false, error: { code: 'invalid-input', message: 'use POST' } });
        const name = url.pathname.slice(5) as MethodName;
        if (!Object.hasOwn(methods, name))
          return send(res, 404, { ok: false, error: { code: 'not-found', message: `no API method "${name}"` } });
        let input: unknown;
        try {
          input = await readBody(req);
        } catch (err) {
          return send(res, (err as { status?: number }).status ?? 400, {
            ok: false,
            error: { code: 'invalid-input', message: (err as Error).message },
          });
        }
        const call = opts.api[name] as (i: unknown, o?: object) => Promise<Result<unknown>>;
        if ((req.headers.accept ?? '').includes('text/event-stream')) {
          const ac = new AbortController();
          req.on('close', () => {
            if (!res.writableEnded) ac.abort();
          });
          res.writeHead(200, {
            'content-type': 'text/event-stream',
            'cache-control': 'no-store',
            connection: 'keep-alive',
          });
          const result = await call(input, {
            signal: ac.signal,
            onProgress: (p: unknown) => res.write(`event: progress\ndata: ${JSON.stringify(p)}\n\n`),
          });
          res.end(`event: result\ndata: ${JSON.stringify(result)}\n\n`);
          return;
        }
        return send(res, 200, await call(input), cookie);
      }

      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
      if (url.pathname.startsWith('/thumbs/') || url.pathname === '/photo') {
        const m = resolveMedia(url.pathname, url.searchParams, { dataDir: opts.dataDir, roots: await opts.roots() });
        return m.ok ? sendFile(res, m.file, m.type) : send(res, m.status, m.message);
      }
      // The renderer: "/" is index.html; everything else must resolve inside the static folder.
      const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
      const file = resolve(opts.staticDir, `.${rel}`);
      if (!isInside(opts.staticDir, file) || !statSync(file, { throwIfNoEntry: false })?.isFile())
        return send(res, 404, 'not found');
      if (Object.keys(cookie).length) res.setHeader('set-cookie', cookie['set-cookie']!);
      res.setHeader(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'",
      );
      return sendFile(res, file);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: { code: 'internal', message: (err as Error).message } });
      else res.end();
    });
  });

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      port = (server.address() as { port: number }).port;
      resolvePromise({
        server,
        token,
        url: `http://127.0.0.1:${port}/?token=${token}`,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
