/**
 * The Node version package.json declares is true of every package Glimpse runs with: no runtime
 * dependency (or one of theirs) asks for a newer Node than the lowest one declared, so `npm
 * install` on that Node prints no engine warning for them. Electron's build tooling (dev only)
 * is not checked: it runs on the developer's Node, not the user's.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import semver from 'semver';
import { ROOT } from './helpers.js';

interface Pkg {
  name: string;
  version: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Pkg;

/** Where Node would find `name` from `from`: the nearest node_modules up the tree. */
function resolveDir(name: string, from: string): string | null {
  for (let d = from; ; d = dirname(d)) {
    const dir = join(d, 'node_modules', name);
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(d) === d) return null;
  }
}

describe('declared engines', () => {
  it('every runtime dependency runs on the lowest Node that package.json declares', () => {
    const pkg = read(ROOT);
    const lowest = semver.minVersion(pkg.engines!.node!)!.version;
    const seen = new Map<string, Pkg>();
    const visit = (name: string, from: string) => {
      const dir = resolveDir(name, from);
      if (!dir || seen.has(dir)) return;
      const p = read(dir);
      seen.set(dir, p);
      for (const d of Object.keys({ ...p.dependencies })) visit(d, dir);
    };
    for (const d of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(d, ROOT);
    expect(seen.size).toBeGreaterThan(50);
    const newer = [...seen.values()]
      .filter((p) => p.engines?.node && !semver.satisfies(lowest, p.engines.node, { includePrerelease: true }))
      .map((p) => `${p.name}@${p.version} needs Node ${p.engines!.node}`);
    expect(newer).toEqual([]);
  });
});
