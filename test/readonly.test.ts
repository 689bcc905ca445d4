/**
 * A read-only data dir (a read-only mount, or a folder the user may not write): status, search,
 * similar and caption work from it; a command that writes names the folder it can't write.
 * Root writes anywhere, so under root the reading commands run as `nobody` (setpriv).
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { makePhotoFixture, type PhotoFixture } from './library-fixture.js';
import { trainTinyModel } from './tiny-model.js';
import { ROOT, runCli, tempDir, describeIf } from './helpers.js';

const root = process.getuid?.() === 0;
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
const runnable = process.platform !== 'win32' && (!root || setpriv !== undefined);

const tmp = tempDir();
let fx: PhotoFixture;
let model: string;
const dataDir = join(tmp.dir, 'data');

/** The CLI as a user who may read the data dir but not write it. */
function asReader(args: string[]): { code: number; stdout: string; stderr: string } {
  const cli = [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args];
  const cmd = root ? [setpriv!, '--reuid=65534', '--regid=65534', '--clear-groups', ...cli] : cli;
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, HOME: tmpdir() },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Everyone may read the tree; with `writable` false, nobody may write it (root still can). */
function chmodTree(dir: string, writable: boolean): void {
  // chmod(1), not readdir: the photo fixture holds names that are not valid UTF-8.
  const r = spawnSync('chmod', ['-R', writable ? 'u+w,a+rX' : 'a-w,a+rX', dir]);
  expect(r.status, String(r.stderr)).toBe(0);
}

beforeAll(async () => {
  if (!runnable) return;
  await initBackend('wasm');
  model = await trainTinyModel(tmp.dir);
  fx = await makePhotoFixture(join(tmp.dir, 'photos'));
  const r = runCli(['index', fx.root, '--model', model, '--data-dir', dataDir]);
  expect(r.code, r.stderr).toBe(0);
  // The reader must reach the model, the photos and the data dir: readable, not writable.
  chmodSync(tmp.dir, 0o755);
  chmodTree(model, true);
  chmodTree(fx.root, true);
  chmodTree(dataDir, false);
}, 240_000);
afterAll(() => {
  if (existsSync(dataDir)) chmodTree(dataDir, true);
  tmp.cleanup();
});

describeIf(runnable, 'a read-only data dir: running as root without setpriv, which can write anywhere')(
  'a read-only data dir',
  () => {
    const common = () => ['--model', model, '--data-dir', dataDir];

    it('still answers status, search, similar and caption', () => {
      const status = asReader(['status', ...common()]);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain(`roots: ${fx.root}`);
      const search = asReader(['search', 'red circle', '--limit', '3', ...common()]);
      expect(search.code, search.stderr).toBe(0);
      expect(search.stdout.split('\n').filter((l) => l.includes(fx.root))).toHaveLength(3);
      const photo = fx.good[0]!;
      expect(asReader(['similar', photo, '--limit', '2', ...common()]).code).toBe(0);
      const caption = asReader(['caption', photo, ...common()]);
      expect(caption.code, caption.stderr).toBe(0);
      expect(caption.stdout).toContain(photo);
    });

    it('refuses writes with the folder named, and leaves the files as they were', () => {
      const before = readdirSync(dataDir).sort();
      const index = asReader(['index', fx.root, ...common()]);
      expect(index.code).toBe(1);
      expect(index.stderr).toContain(`${dataDir}: the data folder is read-only`);
      const remove = asReader(['remove', fx.root, '--data-dir', dataDir]);
      expect(remove.code).toBe(1);
      expect(remove.stderr).toContain(`${dataDir}: the data folder is read-only`);
      // Changing the model is refused before anything starts: no re-embedding job is announced.
      const use = asReader(['model', '--use', 'default', '--data-dir', dataDir]);
      expect(use.code).toBe(1);
      expect(use.stderr).toContain(`${dataDir}: the data folder is read-only, so Glimpse can't change the model`);
      expect(use.stdout).not.toMatch(/job|re-embed/i);
      expect(readdirSync(dataDir).sort()).toEqual(before);
    });
  },
);
