/**
 * What the UI tests share: building the renderer, web mode and Chromium (tools/web-mode.ts),
 * axe-core, the phone-width fit check, and the API as the renderer calls it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import type { MethodName, Result } from '../src/shared/contract.js';
import { ROOT } from './helpers.js';
import { launchChromium, serve } from '../tools/web-mode.js';
export { CHROMIUM, launchChromium, serve, stop } from '../tools/web-mode.js';

export const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const STATIC = join(ROOT, 'out', 'renderer');

/** Always build: a stale out/renderer would test yesterday's UI. */
export function buildRenderer(): void {
  const b = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'ignore' });
  if (b.status !== 0 || !existsSync(join(STATIC, 'index.html')))
    throw new Error('building the renderer failed (npm run build)');
}

/**
 * Run in the page: what sticks out past the viewport's right edge (outside any box that clips or
 * scrolls it), whether the page scrolls sideways, and placeholders wider than their field.
 * A string, because the tests are type-checked without the DOM's types.
 */
export const MISFITS = `(() => {
  const W = window.innerWidth;
  const out = [];
  const clipped = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    return false;
  };
  const name = (e) =>
    e.tagName.toLowerCase() + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : '') +
    ' "' + (e.textContent || '').trim().slice(0, 30) + '"';
  for (const e of document.querySelectorAll('main *, nav *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.right > W + 1 && !clipped(e)) out.push(name(e) + ' ends at ' + Math.round(r.right));
  }
  if (document.documentElement.scrollWidth > W + 1)
    out.push('the page scrolls sideways (' + document.documentElement.scrollWidth + ')');
  const ctx = document.createElement('canvas').getContext('2d');
  for (const i of document.querySelectorAll('input[placeholder]')) {
    if (i.offsetParent === null) continue;
    const cs = getComputedStyle(i);
    ctx.font = cs.fontStyle + ' ' + cs.fontWeight + ' ' + cs.fontSize + ' ' + cs.fontFamily;
    const room = i.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    if (ctx.measureText(i.placeholder).width > room + 1)
      out.push('placeholder "' + i.placeholder + '" cut (' + Math.round(room) + ' px)');
  }
  return out;
})()`;

/** axe-core's violations on the page as it is now, one line each. */
export async function axeViolations(q: Page): Promise<string[]> {
  const { source } = (await import('axe-core')).default;
  await q.evaluate(source); // through DevTools: the page's CSP rightly refuses inline scripts
  return q.evaluate(async () => {
    const r = await (
      globalThis as unknown as {
        axe: { run: () => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe.run();
    return r.violations.map(
      (v) =>
        `${v.id}: ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
  });
}

/** The running server's API, called as the renderer does (token as a bearer header here). */
export async function apiCall<T>(url: URL, method: MethodName, input: object): Promise<T> {
  const res = await fetch(new URL(`/api/${method}`, url), {
    method: 'POST',
    body: JSON.stringify(input),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${url.searchParams.get('token')}` },
  });
  const r = (await res.json()) as Result<T>;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Waits until the server runs no job (indexing, re-embedding). */
export async function idle(url: URL): Promise<void> {
  for (;;) {
    const j = await apiCall<{ jobs: { state: string }[] }>(url, 'jobs', {});
    if (!j.jobs.some((x) => x.state === 'running')) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Web mode over `dataDir` with `folder` indexed (after `settings`, if any), and Chromium with a
 * desktop-size page whose script errors go into `errors`.
 */
export async function indexedUi(
  dataDir: string,
  folder: string,
  errors: string[],
  settings?: object,
): Promise<{ server: ChildProcess; url: URL; browser: Browser; page: Page }> {
  mkdirSync(ARTIFACTS, { recursive: true });
  buildRenderer();
  const { server, url } = await serve(dataDir);
  if (settings) await apiCall(url, 'updateSettings', settings);
  await apiCall(url, 'index', { folders: [folder] });
  await idle(url);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (e) => errors.push(e.message));
  return { server, url, browser, page };
}
