/**
 * Crash safety: `glimpse index` is killed with SIGKILL at random moments. Every time the database
 * must pass PRAGMA integrity_check, and a final re-run must complete with every photo indexed
 * exactly once — no duplicates, no lost rows.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { trainTinyModel } from './tiny-model.js';
import { ROOT, tempDir, runCli } from './helpers.js';
import { Rng } from '../src/core/base/rng.js';

const tmp = tempDir();
const photos = join(tmp.dir, 'photos');
const dataDir = join(tmp.dir, 'data');
const N = 240;
let model: string;

beforeAll(async () => {
  await initBackend('wasm');
  model = await trainTinyModel(tmp.dir, 0);
  const rng = new Rng(42);
  for (let i = 0; i < N; i++) {
    const dir = join(photos, `album ${i % 6}`, i % 2 ? 'sub' : '');
    mkdirSync(dir, { recursive: true });
    const colour = `#${[0, 0, 0].map(() => rng.int(256).toString(16).padStart(2, '0')).join('')}`;
    // Under 768 px, so finding faces (on by default) runs once a photo, not on tiles as well.
    await sharp({ create: { width: 640, height: 480, channels: 3, background: colour } })
      .composite([
        {
          input: Buffer.from(
            `<svg width="640" height="480"><circle cx="${rng.int(640)}" cy="${rng.int(480)}" r="120" fill="#fff"/></svg>`,
          ),
        },
      ])
      .jpeg()
      .toFile(join(dir, `photo-${i}.jpg`));
  }
}, 240_000);
afterAll(() => tmp.cleanup());

function count(): number {
  try {
    const db = new Database(join(dataDir, 'library.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) n FROM photos').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet, or mid-migration
  }
}

/**
 * Starts `glimpse index` and SIGKILLs it either at a fixed time (start-up, migration, scan) or as
 * soon as the index holds `atPhotos` photos (mid-pipeline), whichever the round asks for.
 */
function indexThenKill(kill: { afterMs: number } | { atPhotos: number }): Promise<{ completed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli/main.ts'),
        'index',
        photos,
        '--model',
        model,
        '--data-dir',
        dataDir,
        '--json',
      ],
      { cwd: ROOT, stdio: 'ignore' },
    );
    let killed = false;
    const doKill = () => {
      if (!killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const timer =
      'afterMs' in kill
        ? setTimeout(doKill, kill.afterMs)
        : setInterval(() => {
            if (count() >= kill.atPhotos) doKill();
          }, 10);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(timer);
      resolve({ completed: code === 0 && !killed });
    });
  });
}

function check(): { integrity: string; photos: number; distinctPaths: number; embedded: number; fts: number } {
  // Killed before the database was created: nothing to check yet.
  if (!existsSync(join(dataDir, 'library.db')))
    return { integrity: 'ok', photos: 0, distinctPaths: 0, embedded: 0, fts: 0 };
  const db = new Database(join(dataDir, 'library.db'));
  try {
    // Killed inside the first migration: its transaction rolled back, leaving an empty database
    // that the next open migrates from scratch.
    if ((db.pragma('user_version', { simple: true }) as number) === 0)
      return {
        integrity: db.pragma('integrity_check', { simple: true }) as string,
        photos: 0,
        distinctPaths: 0,
        embedded: 0,
        fts: 0,
      };
    const one = (sql: string) => Object.values(db.prepare(sql).get() as object)[0] as number;
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      photos: one('SELECT count(*) FROM photos'),
      distinctPaths: one('SELECT count(DISTINCT path) FROM photos'),
      embedded: one('SELECT count(*) FROM embeddings'),
      fts: one('SELECT count(*) FROM photos_fts'),
    };
  } finally {
    db.close();
  }
}

describe('kill -9 during indexing', () => {
  it('leaves a sound database every time, and a re-run completes without duplicates or losses', async () => {
    const rng = new Rng(Date.now() % 100_000);
    let midRun = 0;
    for (let round = 0; round < 6; round++) {
      const before = count();
      const kill =
        round % 2 === 0
          ? { afterMs: 300 + rng.int(1500) }
          : { atPhotos: before + 1 + rng.int(Math.max(1, N - before - 20)) };
      const { completed } = await indexThenKill(kill);
      const c = check();
      if (!completed && c.photos > before && c.photos < N) midRun++;
      expect(c.integrity, `after kill ${JSON.stringify(kill)}`).toBe('ok');
      expect(c.distinctPaths).toBe(c.photos);
      expect(c.embedded).toBe(c.photos);
      expect(c.fts).toBe(c.photos);
      if (c.photos === N) break;
    }
    // At least one kill must have landed while photos were being written.
    expect(midRun).toBeGreaterThan(0);
    const r = runCli(['index', photos, '--model', model, '--data-dir', dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = r.json() as { failed: number; cancelled: boolean };
    expect(summary).toMatchObject({ failed: 0, cancelled: false });
    expect(check()).toEqual({ integrity: 'ok', photos: N, distinctPaths: N, embedded: N, fts: N });
    const again = runCli(['index', photos, '--model', model, '--data-dir', dataDir, '--json']).json() as {
      indexed: number;
      skipped: number;
    };
    expect(again).toMatchObject({ indexed: 0, skipped: N });
  });
});
