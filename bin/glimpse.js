#!/usr/bin/env node
// The installed `glimpse` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

register();
const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.ts');
const { buildProgram } = await import(pathToFileURL(main).href);
await buildProgram().parseAsync(process.argv);
