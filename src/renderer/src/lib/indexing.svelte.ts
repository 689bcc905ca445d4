/**
 * The one indexing run the UI follows (first run and Settings both start it): its progress, the
 * job id to cancel, and the last summary with its failures.
 */
import type { IndexOutput, Progress } from '../../../shared/contract';
import { api } from '../api';
import { app, loadSettings, unwrap } from './state.svelte';

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

/**
 * Starts a new library database (the old file is kept aside) with the user's albums, captions and
 * folders carried over, then indexes the folders again.
 */
export async function rebuildLibrary(): Promise<void> {
  if (
    !confirm(
      'Rebuild the index? Glimpse starts a new library database and indexes your folders again. The old database file is kept (renamed) in the data folder; your albums, captions and settings are carried over.',
    )
  )
    return;
  const r = await unwrap(api().rebuildIndex({}));
  if (!r) return;
  app.error = null;
  app.damaged = false;
  app.notice = `New index started: ${r.roots.length} folder(s), ${r.albums} album(s) and ${r.captions} caption(s) carried over.`;
  if (r.roots.length) await indexFolders([]);
  else await loadSettings();
}
