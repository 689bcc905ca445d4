/**
 * The library roots a media resolver may serve originals from, asked of the API and kept for a
 * moment: roots change rarely, and asking for every thumbnail would be wasteful.
 */
import type { Result, SettingsOutput } from '../../shared/contract.js';

export function cachedRoots(settings: () => Promise<Result<SettingsOutput>>, ttlMs = 2000): () => Promise<string[]> {
  let cache: { at: number; list: string[] } = { at: 0, list: [] };
  return async () => {
    if (Date.now() - cache.at > ttlMs) {
      const r = await settings();
      cache = { at: Date.now(), list: r.ok ? r.value.roots : [] };
    }
    return cache.list;
  };
}
