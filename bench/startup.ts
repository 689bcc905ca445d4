/**
 * `npm run bench -- startup [--photos=10000] [--model=DIR]`: how soon Glimpse answers a search on an indexed
 * library of that size (random vectors under the shipped model's id, so no photo is decoded):
 * - `glimpse search` from a shell, first run and again, through the built CLI (out/node) and
 *   through tsx on the sources;
 * - a running engine (the app, web mode): its first search (loading the model) and later ones;
 * - web mode from launch: when its URL is printed (the window can open) and when the first
 *   search answer arrives.
 * Goals (issue 13): CLI ≤ 2 s cold, ≤ 0.5 s warm; first result ≤ 2 s after the window opens.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { printTable } from '../tools/table.js';
import { jointDim } from '../src/core/vse/config.js';
import { newPhoto } from '../tools/photo-row.js';
import { Rng } from '../src/core/base/rng.js';
import { readManifest } from '../src/core/vse/bundle.js';
import { LibraryStore } from '../src/core/store/store.js';
import { createEngineApi } from '../src/core/app/api.js';
import { defaultModelDir } from '../src/core/app/paths.js';
import { appRoot } from '../src/core/base/app-root.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const QUERY = 'a dog on the beach';

function seed(dataDir: string, n: number): void {
  const m = readManifest(defaultModelDir(dataDir));
  const dim = jointDim(m.config);
  const rng = new Rng(1);
  const store = LibraryStore.open(dataDir);
  const root = store.addRoot('/photos');
  store.transaction(() => {
    for (let i = 0; i < n; i++) {
      const v = Float32Array.from({ length: dim }, () => rng.uniform(-1, 1));
      const norm = Math.hypot(...v);
      const name = `IMG_${String(i).padStart(5, '0')}.jpg`;
      store.upsertPhoto(
        newPhoto(root, `/photos/${name}`, { hash: `h${i}`, width: 4000, height: 3000 }),
        v.map((x) => x / norm),
        m.id,
      );
    }
  });
  store.close();
}

function timeCli(args: string[], command = process.execPath): number {
  const t = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: appRoot() });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return (performance.now() - t) / 1000;
}

async function webFirstSearch(dataDir: string): Promise<{ ready: number; answered: number }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [join(appRoot(), 'bin', 'glimpse.js'), 'serve', '--json', '--data-dir', dataDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`glimpse serve exited with ${code}`)));
    });
    const ready = performance.now();
    const url = new URL((JSON.parse(line) as { url: string }).url);
    const res = await fetch(new URL('/api/search', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${url.searchParams.get('token')}` },
      body: JSON.stringify({ query: QUERY }),
    });
    if (!((await res.json()) as { ok: boolean }).ok) throw new Error('web mode: the search failed');
    return { ready: (ready - t0) / 1000, answered: (performance.now() - ready) / 1000 };
  } finally {
    child.kill('SIGTERM');
  }
}

export async function benchStartup(args: string[]): Promise<void> {
  process.argv.push(...args);
  const n = Number(arg('photos', '10000'));
  const dataDir = mkdtempSync(join(tmpdir(), 'glimpse-bench-startup-'));
  try {
    // --model=DIR: that bundle instead of the shipped one, adopted as the user would adopt it.
    const model = arg('model', '');
    if (model) cpSync(model, join(dataDir, 'models', 'current'), { recursive: true });
    seed(dataDir, n);
    const built = spawnSync(process.execPath, [join(appRoot(), 'scripts', 'dev', 'build-cli.mjs')]);
    if (built.status !== 0) throw new Error(`building the CLI failed: ${String(built.stderr)}`);
    const bin = [join(appRoot(), 'bin', 'glimpse.js'), 'search', QUERY, '--data-dir', dataDir];
    const tsx = ['--import', 'tsx', join(appRoot(), 'src', 'cli', 'main.ts'), 'search', QUERY, '--data-dir', dataDir];
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const cliFirst = timeCli(bin);
    const cliAgain = median([timeCli(bin), timeCli(bin), timeCli(bin)]);
    // The README's way: `npm run glimpse -- search …` (npm itself, then bin/glimpse.js).
    const readme = ['run', '--silent', 'glimpse', '--', 'search', QUERY, '--data-dir', dataDir];
    const npmFirst = timeCli(readme, 'npm');
    const npmAgain = median([timeCli(readme, 'npm'), timeCli(readme, 'npm'), timeCli(readme, 'npm')]);
    const tsxFirst = timeCli(tsx);
    const tsxAgain = median([timeCli(tsx), timeCli(tsx)]);

    const api = createEngineApi({ dataDir });
    let t = performance.now();
    const first = await api.search({ query: QUERY });
    if (!first.ok) throw new Error(first.error.message);
    const engineFirst = (performance.now() - t) / 1000;
    const later: number[] = [];
    for (const q of ['kids on a red sled', 'a cat', 'people at a party', 'a bowl of fruit', 'mountains']) {
      t = performance.now();
      await api.search({ query: q });
      later.push((performance.now() - t) / 1000);
    }
    api.close();
    const web = await webFirstSearch(dataDir);

    console.log(`\nstartup with ${n} indexed photos (${model || 'the shipped model'}), seconds, one run:`);
    printTable(
      ['what', 'seconds', 'goal'],
      [
        ['glimpse search, built CLI, first run', cliFirst, '≤ 2'],
        ['glimpse search, built CLI, again (median of 3)', cliAgain, '≤ 2'],
        ["README's npm run glimpse -- search, first run", npmFirst, '≤ 2'],
        ["README's npm run glimpse -- search, again (median of 3)", npmAgain, '≤ 2'],
        ['glimpse search through tsx, first run', tsxFirst, ''],
        ['glimpse search through tsx, again (median of 2)', tsxAgain, ''],
        ['running engine: first search (loads the model)', engineFirst, ''],
        ['running engine: later searches (median of 5)', median(later), '≤ 0.5'],
        ['web mode: launch → URL printed (window can open)', web.ready, ''],
        ['web mode: URL printed → first search answered', web.answered, '≤ 2'],
      ],
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
