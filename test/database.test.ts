/**
 * The library database refuses what it must not touch, and two processes can open one data dir:
 * a damaged file is named and never written to; a newer schema is refused before WAL mode is set;
 * two processes opening a fresh data dir at once both succeed (migrations under one lock).
 */
import { describe, it, expect, afterAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { openSync, readFileSync, writeSync, closeSync, statSync, mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LibraryStore } from '../src/core/store/store.js';
import { MIGRATIONS } from '../src/core/store/migrations.js';
import { ROOT, tempDir, withRawDb } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const digest = (f: string) => createHash('sha1').update(readFileSync(f)).digest('hex');

describe('the library database', () => {
  it('names a damaged file, refuses it, and writes nothing to it', () => {
    const dir = join(tmp.dir, 'damaged');
    const store = LibraryStore.open(dir);
    const root = store.addRoot('/photos');
    store.close();
    withRawDb(dir, (db) => {
      const ins = db.prepare(
        "INSERT INTO photos (root_id, path, folder, name, size, mtime_ms, hash, indexed_at) VALUES (?, ?, '.', ?, 1, 0, ?, 'now')",
      );
      db.transaction(() => {
        for (let i = 0; i < 3000; i++) ins.run(root, `/photos/IMG_${i}.jpg`, `IMG_${i}.jpg`, `h${i}`);
      })();
      db.pragma('wal_checkpoint(TRUNCATE)');
    });
    const file = join(dir, 'library.db');
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(4096), 0, 4096, Math.floor(statSync(file).size / 2 / 4096) * 4096);
    closeSync(fd);
    const before = digest(file);
    expect(() => LibraryStore.open(dir)).toThrow(
      new RegExp(`${file.replace(/[/.]/g, '\\$&')}: the library database is damaged`),
    );
    expect(digest(file)).toBe(before);
  });

  it('moves a version-6 library forward: its tags count one and have no area until re-tagged', () => {
    const dir = join(tmp.dir, 'v6');
    mkdirSync(dir);
    const raw = new Database(join(dir, 'library.db'));
    for (const m of MIGRATIONS.slice(0, 6)) raw.exec(m);
    raw.pragma('user_version = 6');
    raw.exec(`INSERT INTO roots (id, path, added_at) VALUES (1, '/photos', 'now');
      INSERT INTO photos (id, root_id, path, folder, name, size, mtime_ms, hash, indexed_at)
        VALUES (1, 1, '/photos/IMG_0001.jpg', '.', 'IMG_0001.jpg', 1, 0, 'h1', 'now');
      INSERT INTO photo_tags (photo_id, model_id, label, confidence) VALUES (1, 'old', 'dog', 0.6);`);
    raw.close();
    const store = LibraryStore.open(dir);
    expect(store.tags(1)).toEqual([{ label: 'dog', confidence: 0.6, count: 1 }]);
    store.close();
  });

  it('moves a version-7 library forward: its vectors stay, and a photo may now hold one per model', () => {
    const dir = join(tmp.dir, 'v7');
    mkdirSync(dir);
    const raw = new Database(join(dir, 'library.db'));
    for (const m of MIGRATIONS.slice(0, 7)) raw.exec(m);
    raw.pragma('user_version = 7');
    raw.exec(`INSERT INTO roots (id, path, added_at) VALUES (1, '/photos', 'now');
      INSERT INTO photos (id, root_id, path, folder, name, size, mtime_ms, hash, indexed_at)
        VALUES (1, 1, '/photos/IMG_0001.jpg', '.', 'IMG_0001.jpg', 1, 0, 'h1', 'now');`);
    raw
      .prepare('INSERT INTO embeddings (photo_id, model_id, vector) VALUES (1, ?, ?)')
      .run('old', Buffer.from(new Float32Array([1, 0]).buffer));
    raw.close();
    const store = LibraryStore.open(dir);
    expect(store.vector(1, 'old')).toEqual(new Float32Array([1, 0]));
    store.setVector(1, new Float32Array([0, 1]), 'new');
    expect(store.vector(1, 'old')).toEqual(new Float32Array([1, 0]));
    expect(store.counts('new')).toMatchObject({ embedded: 1, stale: 0 });
    expect(store.staleForModel('newer', 10).map((p) => p.id)).toEqual([1]);
    expect(store.dropVectorsExcept('new')).toBe(1);
    expect(store.vector(1, 'old')).toBeUndefined();
    store.close();
  });

  it('refuses a newer schema before switching a rollback-journal database to WAL', () => {
    const dir = join(tmp.dir, 'future');
    LibraryStore.open(dir).close();
    withRawDb(dir, (raw) => {
      raw.pragma('journal_mode = DELETE');
      raw.pragma('user_version = 99');
    });
    expect(() => LibraryStore.open(dir)).toThrow(/schema version 99/);
    expect(withRawDb(dir, (raw) => raw.pragma('journal_mode', { simple: true }))).toBe('delete');
  });

  it('lets two processes open a fresh data dir at once: both migrate-or-wait, neither fails', async () => {
    const open = (dir: string) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            '-e',
            `import('./src/core/store/store.ts').then((m) => m.LibraryStore.open(${JSON.stringify(dir)}).close())`,
          ],
          { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => resolve({ code, err }));
      });
    for (let trial = 0; trial < 4; trial++) {
      const dir = join(tmp.dir, `race-${trial}`);
      const runs = await Promise.all([open(dir), open(dir)]);
      for (const r of runs) expect(r.code, r.err).toBe(0);
      expect(withRawDb(dir, (raw) => raw.pragma('user_version', { simple: true }))).toBeGreaterThan(0);
    }
  });
});
