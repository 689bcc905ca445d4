/** Small display helpers shared by the pages. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '…';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.round((100 * done) / total)) : 0;
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export function date(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : 'unknown';
}

/** "1 photo", "3 photos". */
export function count(n: number, noun = 'photo', plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** A file size people read: "38 KB", "4.2 MB". */
export function fileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
