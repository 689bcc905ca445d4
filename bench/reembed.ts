/**
 * `npm run bench -- reembed [--photos=10000] [--after=8]`: a model switch's re-embedding of a
 * large library, cancelled and resumed. A library of small JPEGs is seeded as if another model
 * had embedded it; the current model (the shipped one) re-embeds it through the app, is
 * cancelled after --after seconds, started again and cancelled again. Prints how long each
 * cancel took to stop the run and how many photos the second run redid (the goal: none).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Glimpse } from '../src/core/app/glimpse.js';
import { LibraryStore } from '../src/core/store/store.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { newPhoto } from '../tools/photo-row.js';
import { printTable } from '../tools/table.js';
import { makePhotos } from './index-bench.js';

const CACHE = join(dirname(fileURLToPath(import.meta.url)), '.cache');

export async function benchReembed(args: string[]): Promise<void> {
  const arg = (k: string, d: string) => args.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const n = Number(arg('photos', '10000'));
  const after = Number(arg('after', '8'));
  await initBackend();
  const photos = join(CACHE, `photos-tiny-${n}`);
  await makePhotos(photos, n, 160, 120);
  const files = readdirSync(photos)
    .filter((f) => f.endsWith('.jpg'))
    .slice(0, n)
    .map((f) => join(photos, f));
  const dataDir = mkdtempSync(join(tmpdir(), 'glimpse-bench-reembed-'));
  try {
    // The library as the previous model left it: every photo indexed, with that model's vectors.
    const store = LibraryStore.open(dataDir);
    const root = store.addRoot(photos);
    const old = new Float32Array(8).fill(0.5);
    store.transaction(() => {
      for (const f of files) {
        const st = statSync(f);
        store.upsertPhoto(newPhoto(root, f, { size: st.size, mtime_ms: Math.floor(st.mtimeMs) }), old, 'previous');
      }
    });
    store.close();

    const app = new Glimpse({ dataDir, ocr: null });
    const rows: (string | number)[][] = [];
    let total = 0;
    const modelId = await app.currentModelId();
    const embedded = () => {
      const s = LibraryStore.open(dataDir);
      const c = s.embeddedCount(modelId);
      s.close();
      return c;
    };
    for (const run of [1, 2]) {
      const abort = new AbortController();
      const before = embedded();
      let cancelledAt = 0;
      const started = performance.now();
      const timer = setTimeout(() => {
        cancelledAt = performance.now();
        abort.abort();
      }, after * 1000);
      const s = await app.index({ folders: [] }, { signal: abort.signal });
      const ended = performance.now();
      clearTimeout(timer);
      total += s.reembedded;
      const now = embedded();
      rows.push([
        String(run),
        before,
        s.reembedded,
        s.reembedded / ((cancelledAt || ended) / 1000 - started / 1000),
        cancelledAt ? ((ended - cancelledAt) / 1000).toFixed(2) : 'not cancelled (done)',
        now,
        before + s.reembedded - now,
      ]);
    }
    app.close();
    console.log(
      `\nRe-embedding ${n} photos (160x120 JPEGs) with the shipped model, cancelled after ${after} s, twice; ${total} re-embedded in all`,
    );
    printTable(
      ['run', 'had the new vectors', 're-embedded', 'photos/s', 'cancel to stopped (s)', 'has them after', 'redone'],
      rows,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
