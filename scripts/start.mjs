#!/usr/bin/env node
// `npm start`: build, then launch the Electron app. Without the Electron binary (an offline
// install skips its download) say so in one line and start web mode instead.
import { spawnSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';

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
  spawn(electronPath, ['.'], { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 0));
} else {
  console.error('glimpse: the Electron binary is not installed (offline install); starting web mode instead.');
  spawn('npx', ['tsx', 'src/cli/main.ts', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 0));
}
