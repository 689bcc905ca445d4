/**
 * `npm run bench -- ui-scale [--photos=100000]`: the Timeline and the Places map in Chromium
 * (web mode, Debian's chromium through playwright-core) over a library of that many photos,
 * seeded through the store: dates over 20 years, positions over Europe and North America (around
 * 2,000 spots, then spread evenly), each placed by the gazetteer. Times
 * from the click on the page's tab to its first view (the months listed; the map's clusters),
 * the median of 3. Build the renderer first (npm run build).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibraryStore } from '../src/core/store/store.js';
import { Rng } from '../src/core/base/rng.js';
import { Gazetteer } from '../src/core/places/gazetteer.js';
import { newPhoto } from '../tools/photo-row.js';
import { printTable } from '../tools/table.js';
import { launchChromium, serve, stop } from '../tools/web-mode.js';

/**
 * `spots`: as a camera's photos are, taken around 2,000 places (home, trips), within a few hundred
 * metres of each; `uniform`: spread evenly, the map's worst case (every photo its own spot).
 */
type Spread = 'spots' | 'uniform';

function seed(dir: string, n: number, spread: Spread): void {
  const store = LibraryStore.open(dir);
  const rng = new Rng(3);
  const root = store.addRoot('/bench');
  const start = Date.UTC(2006, 0, 1);
  const span = Date.UTC(2026, 0, 1) - start;
  store.transaction(() => {
    const place = () => {
      const europe = rng.next() < 0.6;
      return [
        europe ? rng.uniform(36, 60) : rng.uniform(25, 49),
        europe ? rng.uniform(-9, 25) : rng.uniform(-124, -70),
      ];
    };
    const spots = Array.from({ length: 2000 }, place);
    for (let i = 0; i < n; i++) {
      const [lat, lon] =
        spread === 'uniform' ? place() : spots[rng.int(spots.length)]!.map((v) => v + rng.uniform(-0.003, 0.003));
      store.upsertPhoto(
        newPhoto(root, `/bench/${i}.jpg`, {
          taken_at: new Date(start + rng.next() * span).toISOString(),
          lat,
          lon,
        }),
        new Float32Array(4),
        'bench',
      );
    }
  });
  // Placed as the index's places stage places them.
  const g = Gazetteer.load();
  store.places.save(g.version, g.placeAll(store.places.unplaced(g.version)));
  store.close();
}

export async function benchUiScale(args: string[]): Promise<void> {
  const n = Number(args.find((a) => a.startsWith('--photos='))?.split('=')[1] ?? 100_000);
  const rows: string[][] = [];
  for (const spread of ['spots', 'uniform'] as const) rows.push([spread, ...(await firstViews(n, spread))]);
  console.log(`\nFirst view in Chromium, ${n} photos (click on the tab → drawn, median of 3):`);
  printTable(['positions', 'Timeline (months listed)', 'Places map (clusters drawn)'], rows);
}

async function firstViews(n: number, spread: Spread): Promise<[string, string]> {
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-bench-ui-'));
  const t0 = performance.now();
  seed(dir, n, spread);
  console.error(`bench ui-scale: seeded ${n} photos (${spread}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const { server, url } = await serve(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(url.href);
    const timed = async (tab: string, ready: string): Promise<number> => {
      const runs: number[] = [];
      for (let r = 0; r < 3; r++) {
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        const t = performance.now();
        await page.getByRole('button', { name: tab, exact: true }).click();
        await page.locator(ready).first().waitFor({ timeout: 60_000 });
        runs.push(performance.now() - t);
      }
      return runs.sort((a, b) => a - b)[1]!;
    };
    const timeline = await timed('Timeline', '[data-testid=timeline] h2');
    const map = await timed('Places', '[data-testid=map] button');
    return [`${timeline.toFixed(0)} ms`, `${map.toFixed(0)} ms`];
  } finally {
    await browser.close();
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}
