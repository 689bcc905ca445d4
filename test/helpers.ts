/** Shared test helpers: the golden fixture, temp dirs, tolerance checks. */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import Database from 'better-sqlite3';
import type { BackendName } from '../src/core/runtime/tf/backend.js';
import type { Result } from '../src/shared/contract.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The golden numbers live outside the repo in the workplace; CI copies keep them in test/fixtures. */
export function loadReference(): Reference {
  const candidates = [
    join(ROOT, 'test', 'fixtures', 'vsepp-reference.json'),
    join(ROOT, '..', 'shared', 'fixtures', 'vsepp-reference.json'),
  ];
  for (const p of candidates) {
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as Reference;
    } catch {
      /* try the next */
    }
  }
  throw new Error(`vsepp-reference.json not found in ${candidates.join(' or ')}`);
}

export interface Reference {
  about: string;
  loss: {
    margin: number;
    max_violation: boolean;
    im: number[][];
    s: number[][];
    loss: number;
    grad_im: number[][];
    grad_s: number[][];
  }[];
  recall: {
    images: number[][];
    captions: number[][];
    i2t: { r1: number; r5: number; r10: number; medr: number; meanr: number; ranks: number[] };
    t2i: { r1: number; r5: number; r10: number; medr: number; meanr: number; ranks: number[] };
  }[];
  gru: GruCase[];
  lngru: (GruCase & {
    eps: number;
    ln_ih_gain: number[];
    ln_ih_bias: number[];
    ln_hh_gain: number[];
    ln_hh_bias: number[];
  })[];
}

export interface GruCase {
  input_size: number;
  hidden_size: number;
  x: number[][][];
  lengths: number[];
  weight_ih: number[][];
  weight_hh: number[][];
  bias_ih: number[];
  bias_hh: number[];
  last_hidden: number[][];
}

/** float32 tolerance: about 1e-4 relative, with an absolute floor for values near zero. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-4, abs = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Math.abs(a - e) > abs + rel * Math.abs(e)) {
      throw new Error(`element ${i}: got ${a}, want ${e} (|diff| ${Math.abs(a - e)})`);
    }
  }
}

export function tempDir(prefix = 'glimpse-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Backends the engine can pick on this machine; the native ones only where they installed. */
export const TEST_BACKENDS: BackendName[] = (process.env.GLIMPSE_TEST_BACKENDS?.split(',') as
  BackendName[] | undefined) ?? ['wasm', 'cpu'];

import { spawn, spawnSync } from 'node:child_process';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: () => unknown;
}

/** Runs the real CLI as a user would (through tsx), with an isolated data dir. */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return {
    code: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    json: () => JSON.parse(r.stdout.trim().split('\n').pop()!),
  };
}

/**
 * Runs the CLI and SIGKILLs it as soon as `when()` holds (polled every few milliseconds): a kill -9
 * in the middle of the work `when` watches for. Resolves whether it was killed (false: it ended first).
 */
export function cliKilledWhen(args: string[], when: () => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    let sent = false;
    const timer = setInterval(() => {
      if (!sent && when()) {
        sent = true;
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('exit', () => {
      clearInterval(timer);
      resolve(sent);
    });
  });
}

/**
 * A second, plain connection to a data dir's library.db, for tests and benches that look at or
 * seed tables directly (the app's own SQL lives in the store files only). Closed after `fn`.
 */
export function withRawDb<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'library.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** An API result's value, or the error it carried as data, thrown with its code. */
export function ok<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/**
 * `describe` when `ok`, else a skipped suite that says why on one line: a skipped test never
 * passes in silence.
 */
export function describeIf(ok: boolean, why: string): typeof describe {
  if (!ok) process.stderr.write(`skipped: ${why}\n`);
  return describe.skipIf(!ok) as typeof describe;
}
