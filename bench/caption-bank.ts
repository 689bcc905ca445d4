/**
 * `npm run bench -- caption-bank [--photos=10,40] [--bank=100,400]`: `glimpse caption PHOTOS
 * --bank FILE` as the API runs it, for each number of photos × bank lines, in one process with
 * the shipped model (a new data folder per call, so no bank is cached). The bank is embedded once
 * per call, so the time should grow as photos + bank, not photos × bank: the table sets each
 * call beside what the additive model predicts from the smallest calls.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createEngineApi } from '../src/core/app/api.js';
import { printTable } from '../tools/table.js';
import { makePhotos } from './index-bench.js';

const CACHE = join(dirname(fileURLToPath(import.meta.url)), '.cache');
const WORDS = ['red', 'old', 'small', 'wet', 'happy', 'blue', 'dog', 'car', 'boat', 'tree', 'street', 'beach', 'house'];

/** n different plain captions. */
function bank(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++)
    out.push(
      `a ${WORDS[i % 6]} ${WORDS[6 + (Math.floor(i / 6) % 7)]} near the ${WORDS[6 + (Math.floor(i / 42) % 7)]} ${i}`,
    );
  return out;
}

export async function benchCaptionBank(args: string[]): Promise<void> {
  const arg = (k: string, d: string) => args.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const photoCounts = arg('photos', '10,40').split(',').map(Number);
  const bankSizes = arg('bank', '100,400').split(',').map(Number);
  const folder = join(CACHE, 'photos-caption-bank');
  await makePhotos(folder, Math.max(...photoCounts), 640, 480);
  const files = readdirSync(folder)
    .sort()
    .map((f) => join(folder, f));
  const time = async (p: number, b: number): Promise<number> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'glimpse-bench-bank-'));
    const api = createEngineApi({ dataDir, sharedCache: null });
    try {
      // The model loads before the clock starts: only captioning is timed.
      await api.caption({ paths: [files[0]!], bank: ['a photo'] });
      const t = performance.now();
      const r = await api.caption({ paths: files.slice(0, p), bank: bank(b) });
      if (!r.ok) throw new Error(r.error.message);
      return (performance.now() - t) / 1000;
    } finally {
      api.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  const measured = new Map<string, number>();
  for (const p of photoCounts) for (const b of bankSizes) measured.set(`${p}×${b}`, await time(p, b));
  // Additive model from the three smallest corners: t(p, b) ≈ t0 + a·p + c·b.
  const [p0, p1] = [photoCounts[0]!, photoCounts.at(-1)!];
  const [b0, b1] = [bankSizes[0]!, bankSizes.at(-1)!];
  const t00 = measured.get(`${p0}×${b0}`)!;
  const perPhoto = (measured.get(`${p1}×${b0}`)! - t00) / (p1 - p0);
  const perLine = (measured.get(`${p0}×${b1}`)! - t00) / (b1 - b0);
  const rows = [...measured].map(([k, s]) => {
    const [p, b] = k.split('×').map(Number) as [number, number];
    const additive = t00 + perPhoto * (p - p0) + perLine * (b - b0);
    const product = t00 * ((p * b) / (p0 * b0));
    return [String(p), String(b), s.toFixed(2), additive.toFixed(2), product.toFixed(2)];
  });
  console.log('\nglimpse caption PHOTOS --bank FILE, seconds (shipped model, 640×480 JPEGs, one run):');
  printTable(['photos', 'bank lines', 'seconds', 'photos + bank predicts', 'photos × bank would be'], rows);
}
