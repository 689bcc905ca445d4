/**
 * Real photographs for the tests that judge the shipped model (scripts/dev/test-photos.sh unpacks
 * them), copied into a folder under camera names (IMG_0001.jpg …) and indexed, so no file name
 * can be what makes a test pass.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { createEngineApi, type EngineApi } from '../src/core/app/api.js';
import { ROOT, ok } from './helpers.js';

const ARTIFACTS = join(ROOT, 'test', 'artifacts');
export const DARKNET = join(ARTIFACTS, 'darknet', 'usr', 'share', 'darknet', 'data');
export const SKIMAGE = join(ARTIFACTS, 'skimage', 'usr', 'lib', 'python3', 'dist-packages', 'skimage', 'data');

/**
 * Whether the given photos are unpacked. Where CI requires them (GLIMPSE_REQUIRE_PHOTOS=1),
 * missing ones fail the run instead of skipping its tests.
 */
export function havePhotos(...paths: string[]): boolean {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0 && process.env.GLIMPSE_REQUIRE_PHOTOS === '1')
    throw new Error(`${missing.join(', ')}: missing; run scripts/dev/test-photos.sh`);
  return missing.length === 0;
}

/**
 * Copies `sources` into `dir`/DCIM as IMG_0001… (keeping each extension), indexes that folder
 * into `dir`/data, and returns the API with the copies' paths in the order given.
 */
export async function indexCameraFolder(dir: string, sources: string[]): Promise<{ api: EngineApi; paths: string[] }> {
  mkdirSync(join(dir, 'DCIM'));
  const paths = sources.map((src, i) => {
    const dest = join(dir, 'DCIM', `IMG_${String(i + 1).padStart(4, '0')}${extname(src)}`);
    copyFileSync(src, dest);
    return dest;
  });
  const api = createEngineApi({ dataDir: join(dir, 'data') });
  ok(await api.index({ folders: [join(dir, 'DCIM')] }));
  return { api, paths };
}
