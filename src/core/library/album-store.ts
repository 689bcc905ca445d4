/**
 * The SQL for albums, their photos and the user's own captions. Only LibraryStore builds this;
 * `Albums` (albums.ts) holds the rules on top.
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
        (SELECT count(*) FROM album_photos ap WHERE ap.album_id = a.id) AS count,
        (SELECT p.hash FROM album_photos ap JOIN photos p ON p.id = ap.photo_id WHERE ap.album_id = a.id ORDER BY ap.added_at LIMIT 1) AS cover
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
    const ins = this.db.prepare('INSERT OR IGNORE INTO album_photos (album_id, photo_id, added_at) VALUES (?, ?, ?)');
    return this.db.transaction(() => {
      const missing = photoIds.find((p) => !exists.get(p));
      if (missing !== undefined) return missing;
      for (const p of photoIds) ins.run(id, p, now);
      return undefined;
    })();
  }

  removePhotos(id: number, photoIds: number[]): void {
    const del = this.db.prepare('DELETE FROM album_photos WHERE album_id = ? AND photo_id = ?');
    this.db.transaction(() => photoIds.forEach((p) => del.run(id, p)))();
  }

  albumsOf(photoId: number): { id: number; name: string }[] {
    return this.db
      .prepare(
        'SELECT a.id, a.name FROM albums a JOIN album_photos ap ON ap.album_id = a.id WHERE ap.photo_id = ? ORDER BY a.name',
      )
      .all(photoId) as { id: number; name: string }[];
  }

  caption(photoId: number): string | null {
    return (
      (
        this.db.prepare('SELECT text FROM photo_captions WHERE photo_id = ?').get(photoId) as
          { text: string } | undefined
      )?.text ?? null
    );
  }

  /** Sets (or, with an empty text, removes) the user's caption, and its keyword-search row. */
  setCaption(photoId: number, text: string): void {
    this.db.transaction(() => {
      if (text) {
        this.db
          .prepare('INSERT OR REPLACE INTO photo_captions (photo_id, text, updated_at) VALUES (?, ?, ?)')
          .run(photoId, text, new Date().toISOString());
      } else this.db.prepare('DELETE FROM photo_captions WHERE photo_id = ?').run(photoId);
      this.writeFts(photoId);
    })();
  }

  /** Album labels (the name where the label is empty) and the user's photo captions. */
  userTexts(): string[] {
    return (
      this.db
        .prepare(
          "SELECT CASE WHEN label != '' THEN label ELSE name END AS t FROM albums UNION SELECT text FROM photo_captions",
        )
        .all() as { t: string }[]
    ).map((r) => r.t);
  }

  /** One row per (photo, chosen album): the photo's path, the album's text and the photo's own caption. */
  pairRows(albumIds: number[]): { id: number; path: string; text: string; caption: string | null }[] {
    return this.db
      .prepare(
        `SELECT p.id, p.path, CASE WHEN a.label != '' THEN a.label ELSE a.name END AS text, c.text AS caption
      FROM album_photos ap JOIN albums a ON a.id = ap.album_id JOIN photos p ON p.id = ap.photo_id
      LEFT JOIN photo_captions c ON c.photo_id = p.id
      WHERE ap.album_id IN (${albumIds.map(() => '?').join(',')}) ORDER BY p.id, a.id`,
      )
      .all(...albumIds) as { id: number; path: string; text: string; caption: string | null }[];
  }
}
