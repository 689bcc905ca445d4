/**
 * Web mode as a user starts it (glimpse serve) and Debian's Chromium through playwright-core:
 * what the UI tests and the UI benches share.
 */
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { chromium, type Browser } from 'playwright-core';

const ROOT = join(import.meta.dirname, '..');
export const CHROMIUM = process.env.GLIMPSE_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Web mode as a user starts it (glimpse serve), with the shipped default model. */
export async function serve(dir: string): Promise<{ server: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'glimpse.js'), 'serve', '--json', '--data-dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`glimpse serve exited with ${code}`)));
  });
  return { server: child, url: new URL((JSON.parse(first) as { url: string }).url) };
}

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
