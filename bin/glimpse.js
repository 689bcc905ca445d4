#!/usr/bin/env node
// The installed `glimpse` command. It runs the CLI built to JavaScript (out/node, by
// `npm install` / `npm run build`) when that build is newer than every source file, so it starts
// without compiling TypeScript; otherwise (sources edited since) it runs them through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'node', 'BUILT');

function newestSource() {
  let newest = 0;
  for (const d of ['cli', 'core', 'shared', 'web']) {
    for (const f of readdirSync(join(root, 'src', d), { recursive: true })) {
      const m = statSync(join(root, 'src', d, String(f))).mtimeMs;
      if (m > newest) newest = m;
    }
  }
  return newest;
}

let main;
if (existsSync(built) && statSync(built).mtimeMs >= newestSource()) {
  main = join(root, 'out', 'node', 'cli', 'main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  main = join(root, 'src', 'cli', 'main.ts');
}
// tfjs's wasm loader re-throws uncaught errors after printing its own source: catch here, so a
// failure prints one line and its stack.
try {
  const { buildProgram } = await import(pathToFileURL(main).href);
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`glimpse: ${err?.message ?? String(err)}\n${err?.stack ?? ''}\n`);
  process.exit(1);
}
