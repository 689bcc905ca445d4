#!/usr/bin/env node
// The installed `glimpse` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

register();
const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.ts');
// tfjs's wasm loader re-throws uncaught errors after printing its own source: catch here, so a
// failure prints one line and its stack.
try {
  const { buildProgram } = await import(pathToFileURL(main).href);
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`glimpse: ${err?.message ?? String(err)}\n${err?.stack ?? ''}\n`);
  process.exit(1);
}
