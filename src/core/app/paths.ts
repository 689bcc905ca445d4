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

/**
 * Where work that any library on this computer can reuse is cached (a model's embedded caption
 * bank), outside every data folder; null if GLIMPSE_CACHE_DIR is set empty (the tests: each
 * library then starts from nothing).
 */
export function sharedCacheDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | null {
  if (env.GLIMPSE_CACHE_DIR !== undefined) return env.GLIMPSE_CACHE_DIR ? resolve(env.GLIMPSE_CACHE_DIR) : null;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'Glimpse');
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Glimpse', 'Cache');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'glimpse');
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
