/**
 * Places and dates in the UI, in real Chromium against web mode: the chips a query's place and
 * date become, removing one (the search updates), a note on what was not read, and the photo
 * view's place; axe-clean at desktop and 390 px. Screenshots go to test/artifacts/.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { describeIf, tempDir } from './helpers.js';
import { SHOTS, writeShot } from './geo-photos.js';
import { ARTIFACTS, CHROMIUM, MISFITS, axeViolations, stop, indexedUi } from './browser.js';

const tmp = tempDir('glimpse-places-ui-');
const folder = join(tmp.dir, 'DCIM');
let server: ChildProcess;
let url: URL;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

describeIf(existsSync(CHROMIUM) || !!process.env.GLIMPSE_REQUIRE_UI, `places in the UI: no Chromium at ${CHROMIUM}`)(
  'places and dates in the UI (web mode)',
  () => {
    beforeAll(async () => {
      mkdirSync(folder, { recursive: true });
      let i = 0;
      for (const [name, shot] of Object.entries(SHOTS)) await writeShot(folder, name, shot, i++);
      ({ server, url, browser, page } = await indexedUi(join(tmp.dir, 'data'), folder, pageErrors, { faces: false }));
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await stop(server);
      tmp.cleanup();
    });

    it('a place and a date read from the query are chips; removing one searches again', async () => {
      await page.goto(url.href);
      await page.getByLabel('Search photos').fill('summer 2019 in France');
      const chips = page.getByTestId('query-chips');
      await chips.getByText('Place: France').waitFor();
      await chips.getByText('Date: summer 2019').waitFor();
      await page.getByText('2 results').waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'search-place-date.png'), fullPage: true });
      expect(await axeViolations(page)).toEqual([]);
      // Without the date: every French photo.
      await chips.getByRole('button', { name: 'Remove the date summer 2019' }).click();
      await expect.poll(() => page.getByLabel('Search photos').inputValue()).toBe('in France');
      await page.getByText('3 results').waitFor();
      expect(await chips.getByText(/^Date:/).count()).toBe(0);
      // What was not read is said.
      await page.getByLabel('Search photos').fill('Springfield');
      await chips.getByText(/could be several places/).waitFor();
      // The photo view says where a photo was taken.
      await page.getByLabel('Search photos').fill('Paris');
      await page.getByText('1 results').or(page.getByText('1 result')).first().waitFor();
      await page.locator('[data-testid=grid] button.open').first().click();
      await expect.poll(() => page.getByTestId('photo-place').textContent()).toBe('Paris, Île-de-France, France');
      // …and when, by the camera's clock with its offset, and how that is known.
      expect(await page.getByTestId('photo-taken').textContent()).toMatch(/2019.*UTC\+02:00.*the camera's clock/s);
      await page.screenshot({ path: join(ARTIFACTS, 'photo-place-time.png') });
      await page.getByRole('button', { name: 'Close' }).click();
      expect(pageErrors).toEqual([]);
    }, 120_000);

    it('Places lists countries, then towns, with counts; a town opens its photos', async () => {
      await page.getByRole('button', { name: 'Places', exact: true }).click();
      const list = page.getByTestId('places');
      await list.waitFor();
      expect(await list.getByRole('heading', { level: 2 }).allTextContents()).toEqual(
        expect.arrayContaining([expect.stringMatching(/^France\s*· 3 photos$/)]),
      );
      await page.screenshot({ path: join(ARTIFACTS, 'places.png'), fullPage: true });
      expect(await axeViolations(page)).toEqual([]);
      await list.getByRole('button', { name: /^Paris/ }).click();
      await page.getByRole('heading', { name: 'Paris, Île-de-France, France' }).waitFor();
      await expect.poll(() => page.locator('[data-testid=grid] img').count()).toBe(1);
      await page.getByRole('button', { name: '← All places' }).click();
      await list.getByRole('button', { name: 'France', exact: true }).click();
      await expect.poll(() => page.locator('[data-testid=grid] img').count()).toBe(3);
      expect(pageErrors).toEqual([]);
    }, 60_000);

    it('the map clusters photo positions; a cluster opens its photos in the grid', async () => {
      await page.getByRole('button', { name: 'Places', exact: true }).click();
      const map = page.getByTestId('map');
      await map.locator('svg path').first().waitFor();
      const clusters = map.getByRole('button');
      const sizes = (await clusters.allTextContents()).map(Number);
      // Every geotagged photo, the one far out at sea too, is on the map.
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(8);
      await page.screenshot({ path: join(ARTIFACTS, 'map.png') });
      expect(await axeViolations(page)).toEqual([]);
      const biggest = sizes.indexOf(Math.max(...sizes));
      await clusters.nth(biggest).click();
      await page.getByRole('heading', { name: `${sizes[biggest]} photos on the map` }).waitFor();
      await expect.poll(() => page.locator('[data-testid=grid] img').count()).toBe(sizes[biggest]);
      await page.getByRole('button', { name: '← All places' }).click();
      // Zoomed in, the view's cells are fetched at a finer size: the clusters hold every photo in
      // view (all but Sydney's, from New York to Oslo and the one at sea).
      await page.getByRole('button', { name: 'Zoom in' }).click();
      await page.getByRole('button', { name: 'Zoom out' }).waitFor();
      await expect.poll(async () => (await clusters.allTextContents()).map(Number).reduce((a, b) => a + b, 0)).toBe(7);
      expect(pageErrors).toEqual([]);
    }, 60_000);

    it('Timeline shows years and months with counts; a month, or a month jumped to, opens its photos', async () => {
      await page.getByRole('button', { name: 'Timeline', exact: true }).click();
      const timeline = page.getByTestId('timeline');
      await timeline.waitFor();
      expect(await timeline.getByRole('heading', { level: 2 }).allTextContents()).toEqual([
        '2021 · 1 photo',
        '2020 · 2 photos',
        '2019 · 4 photos',
        '2018 · 1 photo',
      ]);
      await page.screenshot({ path: join(ARTIFACTS, 'timeline.png'), fullPage: true });
      expect(await axeViolations(page)).toEqual([]);
      // The scrubber steps through the months, newest first, by keyboard too.
      const scrub = page.getByRole('slider', { name: 'Scrub through the months' });
      await expect.poll(() => scrub.getAttribute('aria-valuetext')).toBe('June 2021');
      await scrub.focus();
      await page.keyboard.press('End');
      await expect.poll(() => scrub.getAttribute('aria-valuetext')).toBe('December 2018');
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => scrub.getAttribute('aria-valuetext')).toBe('January 2019');
      await page.getByRole('navigation', { name: 'Years' }).getByRole('button', { name: '2019' }).click();
      await timeline.getByRole('region', { name: /2019/ }).getByRole('button', { name: /July/ }).click();
      await page.getByRole('heading', { name: 'July 2019' }).waitFor();
      await expect.poll(() => page.locator('[data-testid=grid] img').count()).toBe(1);
      await page.getByRole('button', { name: '← All months' }).click();
      await page.getByLabel('Go to').fill('2020-05');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByRole('heading', { name: 'May 2020' }).waitFor();
      await expect.poll(() => page.locator('[data-testid=grid] img').count()).toBe(2);
      expect(pageErrors).toEqual([]);
    }, 60_000);

    it('at 390 px the chips wrap and fit, and Places and Timeline fit', async () => {
      const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
      try {
        await p.goto(url.href);
        await p.getByLabel('Search photos').fill('beach in Nice 2019');
        await p.getByTestId('query-chips').getByText('Place: Nice, France').waitFor();
        expect(await p.evaluate(MISFITS)).toEqual([]);
        await p.screenshot({ path: join(ARTIFACTS, 'phone-search-place-date.png'), fullPage: true });
        expect(await axeViolations(p)).toEqual([]);
        for (const [name, shot] of [
          ['Places', 'phone-places'],
          ['Timeline', 'phone-timeline'],
        ] as const) {
          await p.getByRole('button', { name, exact: true }).click();
          await p.getByTestId(name === 'Places' ? 'places' : 'timeline').waitFor();
          expect(await p.evaluate(MISFITS), name).toEqual([]);
          await p.screenshot({ path: join(ARTIFACTS, `${shot}.png`), fullPage: true });
          expect(await axeViolations(p), name).toEqual([]);
        }
      } finally {
        await p.close();
      }
    }, 60_000);
  },
);
