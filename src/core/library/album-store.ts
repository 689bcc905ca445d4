/**
 * The SQL for albums, their photos and the user's own captions. Only LibraryStore builds this;
 * `Albums` (albums.ts) holds the rules on top. Membership and captions are keyed by the photo's
 * content hash, so they survive the photo leaving the index (a folder removed, a move, a
 * re-index) and come back with it; the API still names photos by their index ids.
 */
import type { Db } from './sql.js';

export interface AlbumRow {
  id: number;
  name: string;
  label: string;
  created_at: string;
  count: number;
  cover: string | null;
}

export class AlbumStore {
  constructor(
    private readonly db: Db,
    private readonly writeFts: (photoId: number) => void,
  ) {}

  list(): AlbumRow[] {
    return this.db
      .prepare(
        `SELECT a.id, a.name, a.label, a.created_at,
        (SELECT count(*) FROM album_items ai WHERE ai.album_id = a.id
          AND EXISTS (SELECT 1 FROM photos p WHERE p.hash = ai.hash)) AS count,
        (SELECT ai.hash FROM album_items ai WHERE ai.album_id = a.id
          AND EXISTS (SELECT 1 FROM photos p WHERE p.hash = ai.hash) ORDER BY ai.added_at LIMIT 1) AS cover
      FROM albums a ORDER BY a.name COLLATE NOCASE`,
      )
      .all() as AlbumRow[];
  }

  /** The album with this name (case-insensitive), if any. */
  idByName(name: string): number | undefined {
    return (
      this.db.prepare('SELECT id FROM albums WHERE name = ? COLLATE NOCASE').get(name) as { id: number } | undefined
    )?.id;
  }

  insert(name: string, label: string): number {
    return Number(
      this.db
        .prepare('INSERT INTO albums (name, label, created_at) VALUES (?, ?, ?)')
        .run(name, label, new Date().toISOString()).lastInsertRowid,
    );
  }

  rename(id: number, name: string): void {
    this.db.prepare('UPDATE albums SET name = ? WHERE id = ?').run(name, id);
  }

  relabel(id: number, label: string): void {
    this.db.prepare('UPDATE albums SET label = ? WHERE id = ?').run(label, id);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM albums WHERE id = ?').run(id).changes > 0;
  }

  /** Adds photos to an album in one transaction; returns the first id that is not a photo, if any. */
  addPhotos(id: number, photoIds: number[]): number | undefined {
    const now = new Date().toISOString();
    const exists = this.db.prepare('SELECT 1 FROM photos WHERE id = ?');
    const ins = this.db.prepare(
      'INSERT OR IGNORE INTO album_items (album_id, hash, path_hint, added_at) SELECT ?, hash, path, ? FROM photos WHERE id = ?',
    );
    return this.db
      .transaction(() => {
        const missing = photoIds.find((p) => !exists.get(p));
        if (missing !== undefined) return missing;
        for (const p of photoIds) ins.run(id, now, p);
        return undefined;
      })
      .immediate();
  }

  removePhotos(id: number, photoIds: number[]): void {
    const del = this.db.prepare(
      'DELETE FROM album_items WHERE album_id = ? AND hash = (SELECT hash FROM photos WHERE id = ?)',
    );
    this.db.transaction(() => photoIds.forEach((p) => del.run(id, p))).immediate();
  }

  albumsOf(photoId: number): { id: number; name: string }[] {
    return this.db
      .prepare(
        `SELECT a.id, a.name FROM albums a JOIN album_items ai ON ai.album_id = a.id
        WHERE ai.hash = (SELECT hash FROM photos WHERE id = ?) ORDER BY a.name`,
      )
      .all(photoId) as { id: number; name: string }[];
  }

  caption(photoId: number): string | null {
    return (
      (
        this.db
          .prepare('SELECT text FROM user_captions WHERE hash = (SELECT hash FROM photos WHERE id = ?)')
          .get(photoId) as { text: string } | undefined
      )?.text ?? null
    );
  }

  /** Sets (or, with an empty text, removes) the user's caption, and its keyword-search row. */
  setCaption(photoId: number, text: string): void {
    this.db
      .transaction(() => {
        if (text) {
          this.db
            .prepare(
              'INSERT OR REPLACE INTO user_captions (hash, text, path_hint, updated_at) SELECT hash, ?, path, ? FROM photos WHERE id = ?',
            )
            .run(text, new Date().toISOString(), photoId);
        } else
          this.db.prepare('DELETE FROM user_captions WHERE hash = (SELECT hash FROM photos WHERE id = ?)').run(photoId);
        this.writeFts(photoId);
      })
      .immediate();
  }

  /** Album labels (the name where the label is empty) and the user's photo captions. */
  userTexts(): string[] {
    return (
      this.db
        .prepare(
          "SELECT CASE WHEN label != '' THEN label ELSE name END AS t FROM albums UNION SELECT text FROM user_captions",
        )
        .all() as { t: string }[]
    ).map((r) => r.t);
  }

  /** One row per (photo, chosen album): the photo's path, the album's text and the photo's own caption. */
  pairRows(albumIds: number[]): { id: number; path: string; text: string; caption: string | null }[] {
    return this.db
      .prepare(
        `SELECT p.id, p.path, CASE WHEN a.label != '' THEN a.label ELSE a.name END AS text, c.text AS caption
      FROM album_items ai JOIN albums a ON a.id = ai.album_id JOIN photos p ON p.hash = ai.hash
      LEFT JOIN user_captions c ON c.hash = p.hash
      WHERE ai.album_id IN (${albumIds.map(() => '?').join(',')}) ORDER BY p.id, a.id`,
      )
      .all(...albumIds) as { id: number; path: string; text: string; caption: string | null }[];
  }
}
