#!/usr/bin/env node
// `npm start`: build, then launch the Electron app. Without the Electron binary (an offline
// install skips its download) say so in one line and start web mode instead.
import { spawnSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, writeFileSync } from 'node:fs';
import { serveWeb } from './serve.mjs';

const require = createRequire(import.meta.url);
function findElectron() {
  try {
    return require('electron'); // the binary's path; throws when the download was skipped
  } catch {
    return null;
  }
}
const electronPath = findElectron();

const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

if (typeof electronPath === 'string') {
  // Native modules installed for Node must be rebuilt for Electron's Node ABI once. That makes them
  // Electron-only: the CLI and the tests then need `npm rebuild better-sqlite3 sharp` again.
  const marker = 'node_modules/.glimpse-electron-abi';
  if (!existsSync(marker)) {
    console.error(
      'glimpse: rebuilding native modules for Electron (once; run `npm rebuild better-sqlite3 sharp` to use the CLI again)',
    );
    const r = spawnSync('npx', ['electron-builder', 'install-app-deps'], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
    writeFileSync(marker, new Date().toISOString());
  }
  spawn(electronPath, ['.'], { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 0));
} else {
  console.error('glimpse: the Electron binary is not installed (offline install); starting web mode instead.');
  serveWeb(process.argv.slice(2));
}
