/**
 * People in the UI, in real Chromium against web mode with the shipped models: a folder of
 * faces-london photos (neutral names) indexed with faces on (the default); the People page, a
 * person page (name, merge, cover, photos), faces on the photo view with "Who is this?", the
 * search chip for a name, and the faces switch in Settings; axe-clean, at desktop and 390 px.
 * Screenshots go to test/artifacts/ (not committed).
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import type { MethodName, PeopleOutput } from '../src/shared/contract.js';
import { ROOT, describeIf, tempDir } from './helpers.js';
import { ARTIFACTS, CHROMIUM, MISFITS, apiCall, axeViolations, stop, indexedUi } from './browser.js';

const PHOTOS = join(ROOT, '..', 'shared', 'fixtures', 'faces-london', 'photos');
const tmp = tempDir('glimpse-people-ui-');
const folder = join(tmp.dir, 'photos');
let server: ChildProcess;
let url: URL;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const call = <T>(method: MethodName, input: object): Promise<T> => apiCall<T>(url, method, input);
const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describeIf(
  existsSync(PHOTOS) && (existsSync(CHROMIUM) || !!process.env.GLIMPSE_REQUIRE_UI),
  `people in the UI: needs ${PHOTOS} and Chromium at ${CHROMIUM}`,
)('people in the UI (web mode)', () => {
  beforeAll(async () => {
    mkdirSync(folder, { recursive: true });
    // The woman photographed on many occasions, and four people twice each.
    const files = readdirSync(PHOTOS)
      .sort()
      .filter((f) => /^00[1-4]_/.test(f) || /^lisa_lisa/.test(f));
    files.forEach((f, i) => copyFileSync(join(PHOTOS, f), join(folder, `IMG_${String(i + 1).padStart(4, '0')}.jpg`)));
    ({ server, url, browser, page } = await indexedUi(join(tmp.dir, 'data'), folder, pageErrors));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await stop(server);
    tmp.cleanup();
  });

  it('People shows round faces with counts; a person page names, merges and sets the cover', async () => {
    const before = await call<PeopleOutput>('people', {});
    expect(before.faces).toBe(true);
    expect(before.people.length).toBeGreaterThanOrEqual(5);
    const biggest = before.people.reduce((a, b) => (b.photos > a.photos ? b : a));

    await page.goto(url.href);
    await page.getByRole('button', { name: 'People', exact: true }).click();
    const list = page.getByTestId('people');
    await list.waitFor();
    expect(await list.locator('li').count()).toBe(before.people.length);
    expect(await list.locator('img').count()).toBe(before.people.length);
    await shot(page, 'people');
    expect(await axeViolations(page)).toEqual([]);

    // The largest person (unnamed, so listed first among the most photographed) gets a name.
    await list
      .locator('li')
      .filter({ hasText: `${biggest.photos} photos` })
      .first()
      .locator('button')
      .click();
    await page.getByRole('heading', { name: 'Unnamed person' }).waitFor();
    await page.getByLabel('Name').fill('Lisa');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('heading', { name: 'Lisa' }).waitFor();
    await expect.poll(async () => page.locator('[data-testid=grid] img').count()).toBe(biggest.photos);
    // The cover is chosen among her faces.
    const faces = page.getByTestId('person-faces').locator('li');
    expect(await faces.count()).toBe(biggest.faces);
    await faces.last().getByRole('button', { name: 'Make cover' }).click();
    await faces.last().getByRole('button', { name: 'Cover' }).waitFor();
    await shot(page, 'person');
    expect(await axeViolations(page)).toEqual([]);

    // Two others: one is named Ben, and another is merged into him (the user's say-so).
    const [ben, other] = before.people.filter((p) => p.id !== biggest.id);
    await page.getByRole('button', { name: '← People' }).click();
    await list.waitFor();
    await page.evaluate(`window.scrollTo(0, 0)`);
    await call('updatePerson', { id: ben!.id, name: 'Ben' });
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('button', { name: 'People', exact: true }).click();
    await list.getByRole('button', { name: /Ben/ }).click();
    await page.getByRole('heading', { name: 'Ben' }).waitFor();
    await page.getByLabel('Same person as').selectOption(String(other!.id));
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    await page.getByText(`${ben!.photos + other!.photos} photos ·`).waitFor();
    const after = await call<PeopleOutput>('people', {});
    expect(after.people.some((p) => p.id === other!.id)).toBe(false);
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('the photo view outlines the faces with names, and asks "Who is this?" of the rest', async () => {
    await page.getByRole('button', { name: 'People', exact: true }).click();
    await page.getByTestId('people').getByRole('button', { name: /Lisa/ }).click();
    await page.locator('[data-testid=grid] button.open').first().click();
    const viewer = page.getByTestId('photo-view');
    await viewer.getByTestId('face-boxes').waitFor();
    expect(await viewer.locator('[data-testid=face-boxes] rect.line').count()).toBe(1);
    await viewer.getByTestId('photo-faces').getByRole('button', { name: 'Lisa', exact: true }).waitFor();
    await viewer.getByRole('button', { name: 'Not Lisa' }).waitFor();
    await shot(page, 'photo-faces');
    expect(await axeViolations(page)).toEqual([]);
    await viewer.getByRole('button', { name: 'Close' }).click();

    // An unnamed person's photo: the face is named from the photo view.
    await page.getByRole('button', { name: 'People', exact: true }).click();
    await page.getByTestId('people').locator('li').filter({ hasText: 'Unnamed' }).first().locator('button').click();
    await page.getByRole('heading', { name: 'Unnamed person' }).waitFor();
    await page.locator('[data-testid=grid] button.open').first().click();
    await viewer.getByLabel('Who is face 1?').fill('Carol');
    await viewer.getByRole('button', { name: 'Save', exact: true }).last().click();
    await viewer.getByTestId('photo-faces').getByRole('button', { name: 'Carol', exact: true }).waitFor();
    expect((await call<PeopleOutput>('people', {})).people.some((p) => p.name === 'Carol')).toBe(true);
    await viewer.getByRole('button', { name: 'Close' }).click();
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('a name in the search is a chip the user can remove; Settings has the faces switch', async () => {
    const lisa = (await call<PeopleOutput>('people', {})).people.find((p) => p.name === 'Lisa')!;
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByLabel('Search photos').fill('lisa');
    const chips = page.getByTestId('query-chips');
    await chips.getByText('Person: Lisa').waitFor();
    await page.getByText(`${lisa.photos} results`).waitFor();
    await shot(page, 'search-person-chip');
    expect(await axeViolations(page)).toEqual([]);
    await chips.getByRole('button', { name: 'Remove Lisa' }).click();
    await expect.poll(() => page.getByLabel('Search photos').inputValue()).toBe('');
    await expect.poll(() => page.locator('p.count').textContent()).toMatch(/\d+ photos/);

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const faces = page.getByRole('checkbox', { name: /Find faces while indexing/ });
    expect(await faces.isChecked()).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('at 390 px the People and person pages fit and are axe-clean', async () => {
    const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await p.goto(url.href);
      await p.getByRole('button', { name: 'People', exact: true }).click();
      await p.getByTestId('people').waitFor();
      expect(await p.evaluate(MISFITS)).toEqual([]);
      await shot(p, 'phone-people');
      expect(await axeViolations(p)).toEqual([]);
      await p.getByTestId('people').getByRole('button', { name: /Lisa/ }).click();
      await p.getByRole('heading', { name: 'Lisa' }).waitFor();
      await p.locator('[data-testid=grid] img').first().waitFor();
      expect(await p.evaluate(MISFITS)).toEqual([]);
      await shot(p, 'phone-person');
      expect(await axeViolations(p)).toEqual([]);
      await p.locator('[data-testid=grid] button.open').first().click();
      await p.getByTestId('photo-faces').waitFor();
      await shot(p, 'phone-photo-faces');
      expect(await axeViolations(p)).toEqual([]);
    } finally {
      await p.close();
    }
  }, 120_000);
});
