/** Where Glimpse keeps its data, per platform, and the models it uses by default. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { appRoot } from '../base/app-root.js';
import { CLIP_MANIFEST } from '../interop/clip-bundle.js';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.GLIMPSE_DATA_DIR) return resolve(env.GLIMPSE_DATA_DIR);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Glimpse');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Glimpse');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'glimpse');
}

/** The model Glimpse ships. */
export function shippedModelDir(): string {
  return join(appRoot(), 'resources', 'models', 'default');
}

/** The model used when none is named: the user's adopted model, else the shipped default. */
export function defaultModelDir(dataDir: string): string {
  const adopted = join(dataDir, 'models', 'current');
  if (existsSync(join(adopted, 'bundle.json')) || existsSync(join(adopted, CLIP_MANIFEST))) return adopted;
  return shippedModelDir();
}
