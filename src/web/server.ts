/**
 * Web mode: the same renderer and the same API contract over loopback HTTP, for machines without
 * the Electron binary and for home servers reached through an SSH tunnel.
 * - Binds 127.0.0.1 only, and refuses requests whose Host header is not this server (DNS rebinding).
 * - A random per-launch token: the printed URL carries it. The page keeps it for its API calls,
 *   which must send it as an Authorization header (no other page can set one); a cookie carries it
 *   only for the page's own files, thumbnails and photos. Any request without it gets 401.
 * - API calls, photos and thumbnails from another origin are refused: a foreign Origin or
 *   Sec-Fetch-Site gets 403, and so does an API body not declared as JSON (what a plain form or a
 *   no-cors fetch sends: 415). Every response also says Cross-Origin-Resource-Policy: same-origin.
 * - Every response forbids framing, sniffing and referrers, and carries the page's CSP.
 * - POST /api/<method> takes the method's input as JSON and answers its Result as JSON; with
 *   Accept: text/event-stream it streams `progress` events and ends with a `result` event.
 * - Static files come only from the built renderer; thumbnails only from the data dir's cache;
 *   originals only from inside a library root (no `..`, no symlinks out).
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
/** Deepest nesting of a request body: contract inputs are a few levels deep. */
const MAX_JSON_DEPTH = 32;

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

/** How deeply `text` nests arrays and objects, outside strings (JSON.parse would overflow far later). */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

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

/**
 * Streams a file, opened first so that a file that vanished or may not be read answers 404 or
 * 403; a read error mid-way ends this response only, never the server.
 */
async function sendFile(
  res: ServerResponse,
  path: string,
  type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const denied = ['EACCES', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '');
    return send(res, denied ? 403 : 404, denied ? 'this file may not be read' : 'not found');
  }
  res.writeHead(200, { 'content-type': type });
  const stream = handle.createReadStream();
  stream.on('error', () => res.destroy());
  // A client that goes away mid-download (a scrolled-past photo) must not leave the file open.
  res.on('close', () => stream.destroy());
  stream.pipe(res);
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
  if (jsonDepth(text) > MAX_JSON_DEPTH)
    throw Object.assign(new Error(`the request body nests deeper than ${MAX_JSON_DEPTH} levels`), { status: 400 });
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
  const matches = (given: string | null | undefined): boolean => {
    if (!given) return false;
    const g = Buffer.from(given);
    return g.length === tokenBuf.length && timingSafeEqual(g, tokenBuf);
  };
  const bearer = (req: IncomingMessage) => /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  /** Page files and media also take the token from the URL or the cookie; the API only from the header. */
  const authorised = (req: IncomingMessage, url: URL, api: boolean): boolean => {
    if (api) return matches(bearer(req));
    const fromCookie = /(?:^|;\s*)glimpse_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    return matches(bearer(req) ?? url.searchParams.get('token') ?? fromCookie);
  };
  /** Why a request to the API looks like another site acting for the user, or null. */
  const crossSite = (req: IncomingMessage): string | null => {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`)
      return `requests from ${origin} are refused`;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return `${site} requests are refused`;
    return null;
  };

  const server = createServer((req, res) => {
    void (async () => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      const host = req.headers.host ?? '';
      if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
        return send(res, 421, { ok: false, error: { code: 'invalid-input', message: 'wrong Host header' } });
      const url = new URL(req.url ?? '/', `http://${host}`);
      const isApi = url.pathname.startsWith('/api/');
      // Photos and thumbnails too: another page on 127.0.0.1 (same site, other port) sends the
      // cookie, and an <img> that loads or fails would tell it which photos the library holds.
      const isMedia = url.pathname.startsWith('/thumbs/') || url.pathname === '/photo';
      const foreign = isApi || isMedia ? crossSite(req) : null;
      if (foreign) return send(res, 403, { ok: false, error: { code: 'invalid-input', message: foreign } });
      if (!authorised(req, url, isApi))
        return send(res, 401, {
          ok: false,
          error: {
            code: 'invalid-input',
            message: isApi
              ? 'missing or wrong token: API calls send it as an Authorization: Bearer header'
              : 'missing or wrong token: open the URL glimpse serve printed',
          },
        });
      const cookie: Record<string, string> = url.searchParams.has('token')
        ? { 'set-cookie': `glimpse_token=${token}; HttpOnly; SameSite=Strict; Path=/` }
        : {};

      if (isApi) {
        if (req.method !== 'POST')
          return send(res, 405, { ok: false, error: { code: 'invalid-input', message: 'use POST' } });
        if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
          return send(res, 415, {
            ok: false,
            error: { code: 'invalid-input', message: 'send the input as Content-Type: application/json' },
          });
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
          // The response's close is the connection's: a client that goes away cancels its job.
          res.on('close', () => {
            if (!res.writableFinished) ac.abort();
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
      if (isMedia) {
        const m = resolveMedia(url.pathname, url.searchParams, { dataDir: opts.dataDir, roots: await opts.roots() });
        return m.ok ? sendFile(res, m.file, m.type) : send(res, m.status, m.message);
      }
      // The renderer: "/" is index.html; everything else must resolve inside the static folder.
      let rel: string;
      try {
        rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
      } catch {
        return send(res, 400, 'malformed percent-encoding in the path');
      }
      const file = resolve(opts.staticDir, `.${rel}`);
      if (!isInside(opts.staticDir, file) || !statSync(file, { throwIfNoEntry: false })?.isFile())
        return send(res, 404, 'not found');
      if (Object.keys(cookie).length) res.setHeader('set-cookie', cookie['set-cookie']!);
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
