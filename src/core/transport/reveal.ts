/** Shows a file in the system's file manager, for front ends without Electron's shell (web mode). */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';

export function revealInFileManager(path: string, platform = process.platform): void {
  const [cmd, args] =
    platform === 'darwin'
      ? ['open', ['-R', path]]
      : platform === 'win32'
        ? ['explorer', [`/select,${path}`]]
        : ['xdg-open', [dirname(path)]];
  // Detached and ignored: the file manager outlives this call, and a missing one is not fatal.
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}
