// Builds the CLI and everything it runs (core, shared, web mode) to plain JavaScript in out/node,
// one file per source file, so `glimpse` starts without compiling TypeScript (bin/glimpse.js uses
// it when it is newer than every source; otherwise it runs the sources through tsx).
import { build } from 'esbuild';
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_SOURCES = ['cli', 'core', 'shared', 'web'];
const entryPoints = CLI_SOURCES.flatMap((d) =>
  readdirSync(join(root, 'src', d), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(root, 'src', d, f)),
);
await build({
  entryPoints,
  outdir: join(root, 'out', 'node'),
  outbase: join(root, 'src'),
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
mkdirSync(join(root, 'out', 'node'), { recursive: true });
writeFileSync(join(root, 'out', 'node', 'BUILT'), `${new Date().toISOString()}\n`);
