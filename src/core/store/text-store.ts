/**
 * The SQL for text read in photos (OCR): lines with boxes and confidences per content hash and
 * OCR model, and their full-text index. Only LibraryStore builds this.
 */
import { filterSql, unreadContents, type Db, type SearchFilters } from './sql.js';

export interface StoredLine {
  text: string;
  confidence: number;
  box: [number, number][];
}

export class TextStore {
  constructor(private readonly db: Db) {}

  /** Photos whose content has no text read by `modelId` yet (one per content), oldest first. */
  unread(modelId: string, limit: number): { id: number; path: string; hash: string }[] {
    return unreadContents(this.db, 'photo_text', modelId, limit);
  }

  /**
   * Stores (or replaces) what OCR read in this content (no lines is a result too); `searchText`
   * is what the full-text index holds for it (the lines, and their words split back apart).
   */
  save(hash: string, modelId: string, lines: StoredLine[], searchText: string): void {
    this.db
      .transaction(() => {
        this.db
          .prepare('INSERT OR REPLACE INTO photo_text (hash, model_id, lines, read_at) VALUES (?, ?, ?, ?)')
          .run(hash, modelId, JSON.stringify(lines), new Date().toISOString());
        this.db.prepare('DELETE FROM photo_text_fts WHERE hash = ?').run(hash);
        if (lines.length)
          this.db.prepare('INSERT INTO photo_text_fts (text, hash) VALUES (?, ?)').run(searchText, hash);
      })
      .immediate();
  }

  lines(hash: string): StoredLine[] {
    const row = this.db.prepare('SELECT lines FROM photo_text WHERE hash = ?').get(hash) as
      { lines: string } | undefined;
    return row ? (JSON.parse(row.lines) as StoredLine[]) : [];
  }

  /**
   * Photos whose text matches an FTS5 query, best first (bm25), with the filters, each with its
   * stored lines (in the same statement: no query per hit).
   */
  matches(
    match: string,
    filters: SearchFilters,
    k: number,
  ): { id: number; path: string; hash: string; lines: StoredLine[] }[] {
    const f = filterSql(filters);
    const rows = this.db
      .prepare(
        `WITH m AS (SELECT hash, bm25(photo_text_fts) AS rank FROM photo_text_fts WHERE photo_text_fts MATCH ?)
        SELECT p.id, p.path, p.hash, t.lines FROM m JOIN photos p ON p.hash = m.hash JOIN photo_text t ON t.hash = m.hash
        WHERE 1${f.sql} ORDER BY m.rank, p.id LIMIT ?`,
      )
      .all(match, ...f.params, k) as { id: number; path: string; hash: string; lines: string }[];
    return rows.map((r) => ({ ...r, lines: JSON.parse(r.lines) as StoredLine[] }));
  }

  /** Photos with at least one line read by `modelId`. */
  countWithText(modelId: string): number {
    return (
      this.db
        .prepare(
          `SELECT count(*) n FROM photos p JOIN photo_text t ON t.hash = p.hash
          WHERE t.model_id = ? AND t.lines != '[]'`,
        )
        .get(modelId) as { n: number }
    ).n;
  }
}
