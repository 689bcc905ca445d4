/**
 * The UI end to end, in real Chromium (Debian's, driven by playwright-core) against web mode, with
 * the shipped default model on a generated photo folder:
 * - first run: add folder → index (progress) → search → open photo → captions → find similar;
 * - albums: select photos in the grid → new album → label it → fine-tune → adopt → the labelled
 *   photos rank higher for the label's query;
 * - the model, jobs (with the broken file and its reason) and settings pages show real content;
 * - the grid at 100k photos keeps only the rows in view in the DOM.
 * Screenshots of each main screen go to test/artifacts/ (not committed).
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import type { MethodName, SearchOutput, StatusOutput } from '../src/shared/contract.js';
import { LibraryStore } from '../src/core/store/store.js';
import { tempDir, withRawDb, describeIf } from './helpers.js';
import { makeUiFixture, type UiFixture } from './ui-fixture.js';
import {
  ARTIFACTS,
  CHROMIUM,
  MISFITS,
  apiCall,
  axeViolations,
  buildRenderer,
  launchChromium,
  serve,
  stop,
  idle as waitIdle,
} from './browser.js';

const tmp = tempDir('glimpse-ui-');
const dataDir = join(tmp.dir, 'data');
let fx: UiFixture;
let server: ChildProcess;
let url: URL;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const nameOf = (p: string) => p.split('/').pop()!;

/** The running server's API, called as the renderer does (token as a bearer header here). */
const call = <T>(method: MethodName, input: object): Promise<T> => apiCall<T>(url, method, input);

/** Mean rank (0-based) of `group` in the search results for `query`, and how many of the top 8 it holds. */
async function ranking(query: string, group: string[]): Promise<{ mean: number; top8: number }> {
  const r = await call<SearchOutput>('search', { query, limit: 100 });
  const ranks = r.results.map((x, i) => (group.includes(x.path) ? i : -1)).filter((i) => i >= 0);
  return {
    mean: ranks.reduce((s, x) => s + x, 0) / ranks.length,
    top8: r.results.slice(0, 8).filter((x) => group.includes(x.path)).length,
  };
}

const idle = () => waitIdle(url);

// Skipped only where Chromium is missing and not required; CI sets GLIMPSE_REQUIRE_UI so it runs there.
describeIf(
  existsSync(CHROMIUM) || !!process.env.GLIMPSE_REQUIRE_UI,
  `the UI: no Chromium at ${CHROMIUM} (apt-get install chromium, or set GLIMPSE_CHROMIUM)`,
)('the UI in Chromium (web mode)', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    buildRenderer();
    fx = await makeUiFixture(join(tmp.dir, 'photos'));
    ({ server, url } = await serve(dataDir));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await stop(server);
    tmp.cleanup();
  });

  it('first run: add a folder, watch it index, search, open a photo with captions, find similar', async () => {
    await page.goto(url.href);
    await page.getByRole('heading', { name: 'Welcome to Glimpse' }).waitFor({ timeout: 60_000 });
    await shot('first-run');

    await page.getByLabel('Folder path').fill(fx.root);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page.getByTestId('progress').waitFor({ state: 'visible' });
    // The sidebar counts the running job, with room between the badge and its label.
    const badge = page.locator('nav .badge');
    await badge.waitFor({ timeout: 10_000 });
    const gap = await badge.evaluate((b) => {
      // The tests are type-checked without the DOM's types: the few members used, by shape.
      type Box = { left: number; right: number };
      const el = b as unknown as {
        parentElement: { firstChild: unknown };
        getBoundingClientRect(): Box;
        ownerDocument: { createRange(): { selectNodeContents(n: unknown): void; getBoundingClientRect(): Box } };
      };
      const label = el.ownerDocument.createRange();
      label.selectNodeContents(el.parentElement.firstChild);
      return el.getBoundingClientRect().left - label.getBoundingClientRect().right;
    });
    expect(gap).toBeGreaterThanOrEqual(5);
    await page.getByText('30 photos').waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-testid=grid] img').count()).toBeGreaterThan(10);
    await shot('browse');

    // "/" focuses the search bar from anywhere.
    await page.locator('body').press('/');
    await page.keyboard.type('a red circle');
    await page.getByText(/\d+\+? results/).waitFor();
    const first = page.locator('[data-testid=grid] .tile').first();
    await first.hover();
    await expect.poll(() => first.locator('.score').textContent(), { timeout: 10_000 }).toMatch(/\d\.\d\d/);
    await shot('search');

    await first.locator('button.open').click();
    const viewer = page.getByTestId('photo-view');
    await viewer.waitFor();
    // Confident captions with their scores, or (the tiny test model scores its bank low and has
    // no detector) the plain statement that there is none yet: never a weak guess shown as fact.
    await viewer.getByTestId('captions').or(viewer.getByTestId('no-caption')).waitFor({ timeout: 30_000 });
    if (await viewer.getByTestId('captions').isVisible()) {
      expect(await viewer.getByTestId('captions').locator('li').first().textContent()).toMatch(/\S+.*\d\.\d\d/);
    } else {
      expect(await viewer.getByTestId('no-caption').textContent()).toMatch(/No confident caption yet/);
    }
    await shot('photo-view');
    await page.keyboard.press('ArrowRight');
    await viewer.getByText(/^2 of \d+/).waitFor();

    await viewer.getByRole('button', { name: 'Find similar' }).click();
    await page.getByText('Photos similar to').waitFor();
    await expect.poll(() => page.locator('[data-testid=grid] img').count(), { timeout: 30_000 }).toBeGreaterThan(5);
    await shot('similar');
    await page.keyboard.press('Escape');
  });

  it('keyboard and screen readers: one tab stop in the grid, arrow keys, a focus-trapping photo view, alt text, axe', async () => {
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('30 photos').waitFor();
    // The user's caption becomes the photo's alt text.
    const firstPath = (await call<{ photos: { path: string }[] }>('browse', { limit: 1 })).photos[0]!.path;
    await call('setCaption', { path: firstPath, caption: 'two red circles on white' });
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('img', { name: 'two red circles on white' }).waitFor();

    const grid = page.getByTestId('grid');
    expect(await grid.locator('[tabindex="0"]').count()).toBe(1);
    expect(await grid.locator('input.pick[tabindex="-1"]').count()).toBeGreaterThan(10);
    await grid.locator('[data-index="0"] button.open').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const cols = new Set(await grid.locator('.tile').evaluateAll((els) => els.map((t) => t.getBoundingClientRect().x)))
      .size;
    // Expressions, not functions: this file is type-checked without the DOM's globals.
    const active = (expr: string) => page.evaluate(`document.activeElement${expr}`);
    const focused = () => active(`?.closest('[data-index]')?.getAttribute('data-index')`);
    const inViewer = () => active(`?.closest('[data-testid=photo-view]') != null`);
    expect(await focused()).toBe(String(1 + cols));
    expect(await grid.locator('[tabindex="0"]').count()).toBe(1);

    // Enter opens the photo; focus moves into the dialog and Tab keeps it there.
    await page.keyboard.press('Enter');
    const viewer = page.getByTestId('photo-view');
    await viewer.waitFor();
    await expect.poll(() => active(`?.getAttribute('aria-label')`)).toBe('Close');
    for (let i = 0; i < 25; i++) await page.keyboard.press('Tab');
    expect(await inViewer()).toBe(true);
    await page.keyboard.press('Shift+Tab');
    expect(await inViewer()).toBe(true);
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    expect(await focused()).toBe(String(1 + cols)); // back on the tile it opened from

    // A word the model lacks is said to be read, and how: here by its WordNet definition.
    await page.getByLabel('Search photos').fill('a dam');
    await page.getByLabel('Search photos').press('Enter');
    await expect
      .poll(() => page.getByTestId('word-notes').textContent(), { timeout: 10_000 })
      .toContain('“dam” read by its definition as “water sea”');
    await shot('search-word-notes');

    // Scores show on keyboard focus, not on hover only.
    await page.getByLabel('Search photos').fill('a red circle');
    await page.getByLabel('Search photos').press('Enter');
    await grid.locator('[tabindex="0"][title*="score"]').waitFor();
    await grid.locator('[tabindex="0"]').focus();
    await expect
      .poll(() => page.evaluate(`getComputedStyle(document.querySelector('.tile:focus-within .score')).opacity`))
      .toBe('1');

    // axe-core on the main screens: no violations.
    const axe = async (where: string) => expect(await axeViolations(page), where).toEqual([]);
    await axe('search results');
    await grid.locator('[tabindex="0"]').press('Enter');
    await viewer.waitFor();
    await axe('photo view');
    await page.keyboard.press('Escape');
    for (const name of ['Albums', 'Settings', 'Jobs', 'Model']) {
      await page.getByRole('button', { name, exact: true }).click();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await axe(name);
    }
  });

  it('albums from the grid, labelled, fine-tuned on, adopted: the labelled photos rank higher', async () => {
    const addAlbum = async (group: string[], name: string) => {
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByLabel('Search photos').fill('');
      await page.getByText('30 photos').waitFor();
      for (const p of group) await page.getByLabel(`Select ${nameOf(p)}`, { exact: true }).check();
      await page.getByText(`${group.length} selected`).waitFor();
      await page.getByLabel('New album name').fill(name);
      await page.getByRole('button', { name: 'Add to album' }).click();
      await page.getByText(`${group.length} photos added to “${name}”`).waitFor();
    };
    await addAlbum(fx.red, 'Sleds');
    await addAlbum(fx.blue, 'Boxes');

    const label = async (name: string, text: string) => {
      await page.getByRole('button', { name: 'Albums', exact: true }).click();
      await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
      await page.getByLabel('Album label').fill(text);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText(`Saved “${name}”`).waitFor();
    };
    await label('Sleds', 'zorblat');
    await label('Boxes', 'quexil');
    await shot('album');
    await page.getByRole('button', { name: '← All albums' }).click();
    await page.getByText('12 photos · “zorblat”').waitFor();
    await shot('albums');

    const before = await ranking('zorblat', fx.red);

    await page.getByRole('button', { name: 'Fine-tune', exact: true }).click();
    const start = page.getByRole('button', { name: 'Start fine-tuning' });
    // One album can't be measured: Start waits for a second, and the page says what it needs.
    await page.getByRole('checkbox', { name: /Sleds/ }).check();
    expect(await start.isDisabled()).toBe(true);
    expect(await page.getByTestId('finetune-minimum').textContent()).toMatch(
      /needs at least 12 labelled photos in 2 or more albums/,
    );
    await page.getByRole('checkbox', { name: /Boxes/ }).check();
    expect(await start.isDisabled()).toBe(false);
    await page.getByLabel('Epochs').fill('10');
    await page.getByRole('button', { name: 'Start fine-tuning' }).click();
    const result = page.getByTestId('finetune-result');
    await result.waitFor({ timeout: 240_000 });
    expect(await page.locator('canvas[aria-label="Training loss"]').count()).toBe(1);
    expect(await result.textContent()).toMatch(/rsum [\d.]+ before → [\d.]+ after/);
    expect(await page.locator('canvas[aria-label="Recall before vs after (%)"]').count()).toBe(1);
    // The gain with its interval; other searches of the library, before and after.
    expect(await result.getByTestId('gain').textContent()).toMatch(
      /Gain [+−][\d.]+, 95% interval [+−][\d.]+ to [+−][\d.]+/,
    );
    await shot('finetune');
    const adoptButton = result.getByRole('button', { name: 'Adopt new model' });
    if (await adoptButton.isDisabled()) {
      // A gain the held-out photos can't show: adopting it is a deliberate, ticked choice.
      expect(await result.textContent()).toMatch(/not distinguishable from no change|worse/);
      await result.getByLabel(/adopt it anyway/).check();
    }
    await adoptButton.click();
    await result.getByText(/Adopted model/).waitFor();
    // Straight after adopting, the pages say what is happening: Jobs lists the re-embedding (never
    // "nothing has run"), and the Model page says search answers with the previous model meanwhile.
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.getByTestId('job').filter({ hasText: 'Re-embedding the library' }).first().waitFor();
    expect(await page.getByText('Nothing has run since Glimpse started.').count()).toBe(0);
    await page.getByRole('button', { name: 'Model', exact: true }).click();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('model-switch').count()) > 0 ||
          (await call<StatusOutput>('status', {})).switching === null,
        { timeout: 10_000 },
      )
      .toBe(true);
    await idle();

    const after = await ranking('zorblat', fx.red);
    // Before, the model had never seen the word: no photo answered it (mean rank of none: NaN).
    expect(before.top8).toBe(0);
    if (!Number.isNaN(before.mean)) expect(after.mean).toBeLessThan(before.mean);
    expect(after.top8).toBeGreaterThanOrEqual(6);
  });

  it('the model, jobs and settings pages show real content; errors are readable', async () => {
    await page.getByRole('button', { name: 'Model', exact: true }).click();
    await page.getByText('Your adopted model').waitFor();
    expect(await page.getByTestId('backend').textContent()).toMatch(/wasm|cpu|tensorflow/);
    await page.getByText(/Fine-tuned from .* pairs: rsum/).waitFor();
    await page.getByRole('cell', { name: 'held-out fine-tuning photos' }).waitFor();
    await shot('model');
    // Importing a released VSE++ model from files that aren't there: a readable message.
    await page.getByLabel('Checkpoint').fill(join(tmp.dir, 'runs', 'model_best.pth.tar'));
    await page.getByLabel('Vocabulary').fill(join(tmp.dir, 'vocab', 'coco_vocab.pkl'));
    await page
      .getByRole('region', { name: 'Import and export' })
      .screenshot({ path: join(ARTIFACTS, 'model-import.png') });
    await page.getByRole('button', { name: 'Import VSE++' }).click();
    await page
      .getByRole('alert')
      .getByText(/model_best\.pth\.tar: no such file/)
      .waitFor();
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.getByText(/Fine-tuning on (Sleds, Boxes|Boxes, Sleds)/).waitFor();
    await page.getByText('Re-embedding the library with the new model').waitFor();
    const failures = page.getByRole('table', { name: 'Files that could not be indexed' });
    await failures.getByText(fx.broken).waitFor();
    expect(await failures.textContent()).toMatch(/truncated/);
    await shot('jobs');

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByText(fx.root, { exact: true }).waitFor();
    await page.getByText(dataDir, { exact: true }).waitFor();
    await shot('settings');

    // A folder that does not exist: a readable message, and the page still works.
    await page.getByLabel('Folder path').fill(join(tmp.dir, 'nope'));
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page
      .getByRole('alert')
      .getByText(/no such folder/)
      .waitFor();
    await page.keyboard.press('Escape');
    expect(await page.getByRole('alert').count()).toBe(0);
    // An error belongs to the page it happened on: going elsewhere leaves it behind.
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page
      .getByRole('alert')
      .getByText(/no such folder/)
      .waitFor();
    await page.getByRole('button', { name: 'Albums', exact: true }).click();
    await page.getByRole('heading', { name: 'Albums', level: 1 }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('the grid stays bounded at 100k photos: only rows in view exist, and pages load where you scroll', async () => {
    const big = join(tmp.dir, 'big');
    const store = LibraryStore.open(big);
    const rootId = store.addRoot('/photos');
    store.close();
    withRawDb(big, (db) => {
      const ins = db.prepare(`INSERT INTO photos (root_id, path, folder, name, size, mtime_ms, hash, indexed_at)
      VALUES (?, ?, '/photos', ?, 1, 0, ?, '2026-01-01')`);
      db.transaction(() => {
        for (let i = 0; i < 100_000; i++) {
          const name = `img${String(i).padStart(6, '0')}.jpg`;
          ins.run(rootId, `/photos/${name}`, name, createHash('sha1').update(name).digest('hex'));
        }
      })();
    });
    const second = await serve(big);
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    try {
      await p.goto(second.url.href);
      await p.getByText('100000 photos').waitFor({ timeout: 60_000 });
      const tiles = () => p.locator('[data-testid=grid] .tile').count();
      expect(await tiles()).toBeLessThan(200);
      // Jump to the end, then to the middle: the tiles there load, and the DOM stays small.
      for (const [to, name] of [
        [1, 'img099999.jpg'],
        [0.5, null],
      ] as const) {
        await p.getByTestId('grid').evaluate((el, f) => {
          el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
        }, to);
        if (name) await p.getByLabel(`Select ${name}`, { exact: true }).waitFor();
        else
          await expect
            .poll(() => p.locator('[data-testid=grid] .tile .placeholder').count(), { timeout: 30_000 })
            .toBe(0);
        expect(await tiles()).toBeLessThan(200);
      }
      await p.screenshot({ path: join(ARTIFACTS, 'grid-100k.png') });
    } finally {
      await p.close();
      await stop(second.server);
    }
  });

  it('a page served by another program on 127.0.0.1 can neither act for the user nor frame the UI', async () => {
    const token = url.searchParams.get('token')!;
    const api = new URL('/api/createAlbum', url).href;
    // The hostile page even knows the token (as if it had leaked): the origin checks must hold alone.
    // Its <img>s would tell it which photos the library holds, if a library photo loaded.
    const media = (path: string) => new URL(`/photo?path=${encodeURIComponent(path)}`, url).href;
    const img = (id: string, src: string) =>
      `<img src="${src}" onload="results.${id}='loaded'" onerror="results.${id}='error'">`;
    const html = `<!doctype html><body><script>window.results = {};</script>
      ${img('library', media(fx.blue[0]!))}${img('other', media(join(fx.root, 'IMG_9999.jpg')))}
      ${img('thumb', new URL('/thumbs/0000000000000000000000000000000000000000.webp', url).href)}
      <iframe id="ui" src="${url.href}"></iframe>
      <iframe name="sink"></iframe>
      <form id="f" method="POST" action="${api}" target="sink" enctype="text/plain">
        <input name='{"name":"form-post","x":"' value='"}'></form>
      <script>
        fetch(${JSON.stringify(api)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ name: 'no-cors-fetch' }) }).then(() => (results.noCors = 'sent'), (e) => (results.noCors = String(e)));
        fetch(${JSON.stringify(api)}, { method: 'POST', headers: { 'content-type': 'application/json',
          authorization: 'Bearer ${token}' }, body: JSON.stringify({ name: 'cors-fetch' }) })
          .then((r) => (results.cors = 'status ' + r.status), (e) => (results.cors = 'blocked'));
        document.getElementById('f').submit();
      </script></body>`;
    const { createServer } = await import('node:http');
    const evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    // In a browser profile where the user opened the UI: it holds the UI's cookie, which pages on
    // other ports of 127.0.0.1 are sent too.
    const profile = await browser.newContext();
    const home = await profile.newPage();
    await home.goto(url.href);
    await home.close();
    const p = await profile.newPage();
    try {
      const port = (evil.address() as { port: number }).port;
      expect(port).not.toBe(Number(url.port));
      await p.goto(`http://127.0.0.1:${port}/`);
      await expect
        .poll(() => p.evaluate(() => (globalThis as unknown as { results: object }).results))
        .toMatchObject({
          noCors: expect.any(String),
          cors: 'blocked',
          library: 'error',
          other: 'error',
          thumb: 'error',
        });
      await p.waitForTimeout(1000); // the form post lands in its frame
      // The framed UI was refused (frame-ancestors 'none'): Chromium shows its error page instead.
      const ui = p.frames().find((f) => f.name() !== 'sink' && f !== p.mainFrame())!;
      expect(ui.url()).not.toBe(url.href);
      const albums = await call<{ albums: { name: string }[] }>('albums', {});
      expect(albums.albums.map((a) => a.name)).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/form-post|no-cors-fetch|cors-fetch/)]),
      );
    } finally {
      await profile.close();
      evil.close();
    }
  });

  it('a photo with a sign: its text is listed, selectable, and outlined on the photo on request', async () => {
    const signs = join(tmp.dir, 'signs');
    mkdirSync(signs);
    const file = join(signs, 'IMG_0001.jpg');
    await sharp(
      Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="900" height="600"><rect width="900" height="600" fill="#2a6"/>
        <rect x="200" y="200" width="500" height="170" fill="#fd0" stroke="#000" stroke-width="8"/>
        <text x="450" y="320" font-family="DejaVu Sans" font-weight="bold" font-size="90" text-anchor="middle">PARKING</text></svg>`),
    )
      .jpeg({ quality: 92 })
      .toFile(file);
    await call('index', { folders: [signs] });
    await idle();
    await page.goto(url.href);
    await page.locator('body').press('/');
    await page.keyboard.type('parking');
    const hit = page.locator('[data-testid=grid] .tile').first();
    await expect.poll(() => hit.textContent(), { timeout: 30_000 }).toMatch(/text: PARKING/);
    await hit.locator('button.open').click();
    const viewer = page.getByTestId('photo-view');
    await viewer.getByTestId('photo-text').waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('photo-text').textContent()).toContain('PARKING');
    expect(
      await viewer
        .getByTestId('photo-text')
        .evaluate((e) => e.ownerDocument.defaultView!.getComputedStyle(e).userSelect),
    ).toBe('text');
    expect(await viewer.getByTestId('text-boxes').count()).toBe(0);
    await viewer.getByLabel('Outline the text on the photo').check();
    const boxes = viewer.getByTestId('text-boxes');
    await boxes.waitFor();
    // The outline lies over the sign: inside the image, around its middle.
    const img = (await viewer.locator('img').first().boundingBox())!;
    const box = (await boxes.locator('polygon').first().boundingBox())!;
    expect(box.x).toBeGreaterThan(img.x + img.width * 0.2);
    expect(box.x + box.width).toBeLessThan(img.x + img.width * 0.8);
    expect(box.y).toBeGreaterThan(img.y + img.height * 0.3);
    expect(box.y + box.height).toBeLessThan(img.y + img.height * 0.7);
    await shot('photo-text-boxes');
    await page.keyboard.press('Escape');
    // "Contains": only photos the detector found that object in; none of these shows a giraffe.
    await page.getByPlaceholder(/Describe a photo/).fill('');
    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByLabel('Contains').fill('giraffe');
    await page.getByTestId('empty').getByText('No photos match these filters.').waitFor();
    await page.getByLabel('Contains').fill('');
    await expect.poll(() => page.locator('p.count').textContent(), { timeout: 30_000 }).toMatch(/\d+ photos?/);
    await page.getByRole('button', { name: 'Filters' }).click();
  });

  it('at phone width (390×844) the sidebar is a top bar, tiles fill the row, the photo view stacks image over details', async () => {
    const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await p.goto(url.href);
      // The token left the address bar once the page had it.
      await expect.poll(() => p.url()).not.toContain('token=');
      // 31 with the sign photo the test before adds.
      await p.getByText(/^3[01] photos/).waitFor({ timeout: 60_000 });
      const nav = await p.locator('nav').boundingBox();
      expect(nav!.width).toBeGreaterThan(380);
      expect(nav!.height).toBeLessThan(80);
      const tiles = await p
        .locator('[data-testid=grid] .tile')
        .evaluateAll((els) =>
          els.slice(0, 2).map((e) => e.getBoundingClientRect().toJSON() as { x: number; width: number }),
        );
      expect(tiles[1]!.x).toBeGreaterThan(tiles[0]!.x); // two a row
      expect(tiles[1]!.x + tiles[1]!.width).toBeGreaterThan(370); // up to the right edge
      await p.screenshot({ path: join(ARTIFACTS, 'phone-search.png') });
      await p.locator('button.open').first().click();
      // The photo is laid out once it has loaded: on a busy machine that can lag the click.
      const photoImg = p.getByTestId('photo-view').locator('img').first();
      await photoImg.evaluate((el) => (el as unknown as { decode(): Promise<void> }).decode().catch(() => undefined));
      const img = await photoImg.boundingBox();
      expect(img!.width).toBeGreaterThan(150);
      const info = await p.getByTestId('photo-view').getByRole('button', { name: 'Find similar' }).boundingBox();
      expect(info!.y).toBeGreaterThan(img!.y + img!.height - 1); // details below the image
      await p.screenshot({ path: join(ARTIFACTS, 'phone-photo.png') });
      // A browser can't open the file manager: web mode copies the path and says so.
      await p.getByTestId('photo-view').getByRole('button', { name: 'Copy path' }).click();
      await p
        .getByRole('status')
        .getByText(/Copied the path|The file is at/)
        .waitFor();
      expect(await p.getByRole('status').textContent()).toContain(fx.root);
      // Notices dismiss themselves.
      await p
        .getByRole('status')
        .getByText(/Copied the path|The file is at/)
        .waitFor({ state: 'detached', timeout: 8000 });
      expect(await p.locator('link[rel=icon]').getAttribute('href')).toMatch(/^data:image\/svg\+xml/);
      // The Model screen's imports fit the width: nothing runs off the right edge.
      await p.keyboard.press('Escape');
      await p.getByRole('button', { name: 'Model', exact: true }).click();
      const imports = p.getByRole('region', { name: 'Import and export' });
      await imports.scrollIntoViewIfNeeded();
      await p.screenshot({ path: join(ARTIFACTS, 'phone-model-import.png'), fullPage: true });
      const widest = await imports
        .locator('input, button')
        .evaluateAll((els) => Math.max(...els.map((e) => e.getBoundingClientRect().right)));
      expect(widest).toBeLessThanOrEqual(390);
    } finally {
      await p.close();
    }
  });

  it('at 390 px every screen fits: nothing past the right edge, every page in the bar, placeholders whole', async () => {
    const misfits = (q: Page) => q.evaluate(MISFITS) as Promise<string[]>;
    const fresh = await serve(join(tmp.dir, 'phone-first-run'));
    const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await p.goto(fresh.url.href);
      await p.getByRole('button', { name: 'Add folder' }).waitFor();
      await p.screenshot({ path: join(ARTIFACTS, 'phone-first-run.png'), fullPage: true });
      expect(await misfits(p)).toEqual([]);
      await p.goto(url.href);
      await p.getByText(/^3[01] photos/).waitFor({ timeout: 60_000 });
      // Every page is in the bar, whole, with no sideways scrolling to find it.
      for (const b of await p.locator('nav button').all()) {
        const box = (await b.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(390);
      }
      // No keyboard hint on a phone.
      expect(await p.getByRole('searchbox').first().getAttribute('placeholder')).not.toContain('press /');
      for (const [page, ready] of [
        ['Search', /^3[01] photos/],
        ['Albums', /album/i],
        ['Fine-tune', /fine-tune/i],
        ['Model', /model/i],
        ['Jobs', /job|nothing has run/i],
        ['Settings', /settings/i],
      ] as const) {
        await p.getByRole('button', { name: page, exact: true }).click();
        await p.locator('main').getByText(ready).first().waitFor();
        await p.screenshot({ path: join(ARTIFACTS, `phone-${page.toLowerCase()}.png`), fullPage: true });
        expect({ page, misfits: await misfits(p) }).toEqual({ page, misfits: [] });
        // Scrolled to the end, as a user reads a long page on a phone.
        await p.locator('main').evaluate((m) => m.scrollTo(0, m.scrollHeight));
        expect({ page, axe: await axeViolations(p) }).toEqual({ page, axe: [] });
      }
    } finally {
      await p.close();
      await stop(fresh.server);
    }
  });
});
