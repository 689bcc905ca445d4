/**
 * A full disk is said in the user's terms, in a call's answer and in a background job's: the data
 * folder named, what its cache holds (safe to delete), and that nothing was lost. (A real full
 * disk can't be made here without mounting one; the errors are SQLite's and Node's own codes.)
 */
import { it, expect, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainStorage } from '../src/core/app/storage-errors.js';
import { Jobs } from '../src/core/app/jobs.js';
import { GlimpseError } from '../src/core/base/errors.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const full = (code: string) => Object.assign(new Error('database or disk is full'), { code });

it('names the data folder and what its cache holds when the disk is full', () => {
  const dataDir = join(tmp.dir, 'data');
  mkdirSync(join(dataDir, 'cache', 'onnx'), { recursive: true });
  writeFileSync(join(dataDir, 'cache', 'onnx', 'backbone.onnx'), Buffer.alloc(3 * 2 ** 20));
  writeFileSync(join(dataDir, 'cache', 'caption-bank.f32'), Buffer.alloc(2 * 2 ** 20));
  for (const code of ['SQLITE_FULL', 'ENOSPC']) {
    const e = explainStorage(full(code), dataDir, 'index') as GlimpseError;
    expect(e).toBeInstanceOf(GlimpseError);
    expect(e.message).toBe(
      `${dataDir}: the disk holding the data folder is full, so Glimpse can't index. Its cache/ folder holds 5 MB that can be deleted safely. Free some space, then try again: nothing was lost.`,
    );
  }
  // Not about storage: passed through as it was.
  const other = new Error('something else');
  expect(explainStorage(other, dataDir, 'index')).toBe(other);
});

it("a background job's failure on a full disk reads the same", async () => {
  const dataDir = join(tmp.dir, 'empty');
  const jobs = new Jobs((err) => explainStorage(err, dataDir, 'finish this'));
  await expect(
    jobs.run('index', 'Indexing', async () => {
      throw full('SQLITE_FULL');
    }),
  ).rejects.toThrow(`${dataDir}: the disk holding the data folder is full`);
  const [job] = jobs.list();
  expect(job).toMatchObject({ state: 'failed', error: { code: 'unavailable' } });
  expect(job!.error!.message).not.toContain('cache/');
});
