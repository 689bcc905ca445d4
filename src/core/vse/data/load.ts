/** Picks the loader for a --data argument: Karpathy JSON, a vsepp precomp folder, or a plain folder. */
import { statSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadKarpathy } from './karpathy.js';
import { isPrecompDir, loadPrecomp } from './precomp.js';
import { loadFolder } from './folder.js';
import type { PairDataset } from './dataset.js';

export interface LoadOptions {
  split: string;
  /** Images folder for Karpathy JSON (default: the JSON's folder). */
  images?: string;
}

export async function loadDataset(data: string, opts: LoadOptions): Promise<PairDataset> {
  if (!existsSync(data)) throw new Error(`${data}: no such file or folder`);
  if (statSync(data).isFile()) {
    if (!data.toLowerCase().endsWith('.json'))
      throw new Error(`${data}: expected a Karpathy-split .json file, a precomp folder or an image folder`);
    return loadKarpathy(data, opts.images ?? dirname(data), opts.split);
  }
  if (isPrecompDir(data, opts.split)) return loadPrecomp(data, opts.split);
  return loadFolder(data, opts.split);
}
