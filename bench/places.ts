/**
 * `npm run bench -- places`: the gazetteer and the query's reading of places and dates.
 * Loading the gazetteer (ms, added RSS), reverse geocoding (photos a second, once the index is
 * built), and reading queries (p50, p95), in one process.
 */
import { performance } from 'node:perf_hooks';
import { Gazetteer } from '../src/core/places/gazetteer.js';
import { PlaceNames } from '../src/core/places/reading.js';
import { WordNet } from '../src/core/language/wordnet.js';
import { readDates } from '../src/core/language/dates.js';
import { Rng } from '../src/core/base/rng.js';
import { printTable } from '../tools/table.js';

const QUERIES = [
  'Paris',
  'beach in Spain',
  'snow 2019',
  'last summer',
  'kids on a red sled',
  'beach in Nice',
  'Nice beach',
  'a dog in the snow in Norway',
  'Christmas 2019',
  'sunset at the lake',
  'two people at a table',
  'June 2021 in New York',
];

export async function benchPlaces(): Promise<void> {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let t = performance.now();
  const g = Gazetteer.load();
  const loadMs = performance.now() - t;
  t = performance.now();
  g.placeAt(48.85, 2.35); // builds the spatial index
  const indexMs = performance.now() - t;
  const rss1 = process.memoryUsage().rss;
  const rng = new Rng(7);
  const n = 200_000;
  const points = Array.from({ length: n }, () => [rng.uniform(35, 60), rng.uniform(-10, 30)] as const);
  t = performance.now();
  let placed = 0;
  for (const [lat, lon] of points) if (g.placeAt(lat, lon)) placed++;
  const perSecond = n / ((performance.now() - t) / 1000);
  console.log(`\nThe gazetteer (${g.version}, ${g.size} places):`);
  printTable(
    [
      'load (ms)',
      'spatial index (ms)',
      'added RSS (MB)',
      'reverse geocoding (photos/s)',
      'placed (of random points in Europe)',
    ],
    [
      [
        loadMs.toFixed(0),
        indexMs.toFixed(0),
        ((rss1 - rss0) / 2 ** 20).toFixed(0),
        perSecond.toFixed(0),
        `${((100 * placed) / n).toFixed(0)}%`,
      ],
    ],
  );
  const names = new PlaceNames(g, (w) => WordNet.open().commonWord(w));
  t = performance.now();
  names.read('Paris');
  const firstMs = performance.now() - t;
  const times: number[] = [];
  for (let r = 0; r < 20; r++)
    for (const q of QUERIES) {
      const t0 = performance.now();
      names.read(readDates(q).rest);
      times.push(performance.now() - t0);
    }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.floor(p * (times.length - 1))]!.toFixed(2);
  console.log(`\nReading places and dates from ${QUERIES.length} queries × 20:`);
  printTable(
    ['first query (ms, builds the name index)', 'p50 (ms)', 'p95 (ms)'],
    [[firstMs.toFixed(0), at(0.5), at(0.95)]],
  );
}
