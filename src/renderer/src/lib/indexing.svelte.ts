/**
 * The one indexing run the UI follows (first run and Settings both start it): its progress, the
 * job id to cancel, and the last summary with its failures.
 */
import type { IndexOutput, Progress } from '../../../shared/contract';
import { api } from '../api';
import { loadSettings, unwrap } from './state.svelte';

export const indexing = $state({
  running: false,
  progress: null as Progress | null,
  last: null as IndexOutput | null,
});

export async function indexFolders(folders: string[]): Promise<IndexOutput | null> {
  indexing.running = true;
  indexing.progress = null;
  try {
    const r = await unwrap(
      api().index(
        { folders },
        {
          onProgress: (p) => {
            indexing.progress = p;
          },
        },
      ),
    );
    if (r) indexing.last = r;
    return r;
  } finally {
    indexing.running = false;
    await loadSettings();
  }
}

export async function cancelIndexing(): Promise<void> {
  const id = indexing.progress?.job;
  if (id) await api().cancelJob({ id });
}
