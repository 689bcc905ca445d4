/**
 * The renderer's shared state (Svelte 5 runes): which page shows, the photo viewer, the last error,
 * and the settings every page reads. API results are unwrapped here so an error always becomes a
 * readable message on screen, never an exception and never a blank page.
 */
import type { ApiError, Result, SettingsOutput } from '../../../shared/contract';
import { api } from '../api';

export type Page = 'search' | 'people' | 'places' | 'timeline' | 'albums' | 'finetune' | 'model' | 'jobs' | 'settings';

export interface GridItem {
  id: number;
  path: string;
  thumb: string;
  score?: number;
  keyword?: boolean;
  /** Detected objects a query word named, e.g. "dog". */
  tag?: string;
  /** The photo's own text (OCR) the query's words matched. */
  text?: string;
  /** The photo in words (the user's caption or a confident auto-caption): its alt text. */
  caption?: string | null;
}

export const app = $state({
  page: 'search' as Page,
  error: null as string | null,
  /** The last error said the library database is damaged: the banner offers to rebuild it. */
  damaged: false,
  notice: null as string | null,
  settings: null as SettingsOutput | null,
  /** The open photo: a list to move through with the arrow keys, and where we are in it. */
  viewer: null as { items: GridItem[]; index: number } | null,
  /** "Find similar" from the viewer: the search page shows photos like this one. */
  similarTo: null as string | null,
  /** The person the People page shows (their photos), or null for everyone. */
  person: null as number | null,
  /** Bumped by every navigation: clicking a page's tab again starts that page afresh. */
  visit: 0,
});

export function showError(e: ApiError | string): void {
  app.error = typeof e === 'string' ? e : e.message;
  app.damaged = typeof e !== 'string' && e.code === 'damaged-library';
}

/** The value of a Result, or null after showing its error (cancellations are not errors). */
export async function unwrap<T>(p: Promise<Result<T>>): Promise<T | null> {
  const r = await p;
  if (r.ok) return r.value;
  if (r.error.code !== 'cancelled') showError(r.error);
  return null;
}

export async function loadSettings(): Promise<SettingsOutput | null> {
  const s = await unwrap(api().settings({}));
  if (s) app.settings = s;
  return s;
}

export function go(page: Page, person: number | null = null): void {
  app.page = page;
  app.person = person;
  app.viewer = null;
  // An error belongs to the page it happened on; a damaged library (which offers the rebuild)
  // is news on every page.
  if (!app.damaged) app.error = null;
  app.visit++;
}

/**
 * "Show in folder": Electron opens the file manager. A browser tab can't (web mode's server may
 * not even share the user's screen), so there the path is copied to the clipboard, and the
 * notice says so, or shows the path to copy by hand.
 */
export async function revealFile(path: string): Promise<void> {
  if (window.glimpseDesktop) {
    await unwrap(api().reveal({ path }));
    return;
  }
  try {
    await navigator.clipboard.writeText(path);
    app.notice = `Copied the path (a browser can't open your file manager): ${path}`;
  } catch {
    app.notice = `A browser can't open your file manager. The file is at: ${path}`;
  }
}
