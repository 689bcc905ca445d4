/**
 * The SQL for albums, their photos and the user's own captions. Only LibraryStore builds this;
 * `Albums` (albums.ts) holds the rules on top. Membership and captions are keyed by the photo's
 * content hash, so they survive the photo leaving the index (a folder removed, a move, a
 * re-index) and come back with it; the API still names photos by their index ids.
 */
import { underFolder, type Db } from './sql.js';

/**
 * The content hashes of the photos under a folder that no photo outside it shares (a duplicate
 * elsewhere keeps its albums and caption); `@folder` is the folder, `@like` its LIKE pattern.
 */
const FOLDER_HASHES = `
  SELECT hash FROM photos WHERE (path = @folder OR path LIKE @like ESCAPE '\\')
    AND hash NOT IN (SELECT hash FROM photos WHERE NOT (path = @folder OR path LIKE @like ESCAPE '\\'))`;

export interface AlbumRow {
  id: number;
  name: string;
  label: string;
  created_at: string;
  count: number;
  cover: string | null;
}

export class AlbumStore {
  /** `writeFts` rewrites a photo's keyword row; `userChanged` runs after every change (the backup). */
  constructor(
    private readonly db: Db,
    private readonly hooks: { writeFts: (photoId: number) => void; userChanged: () => void },
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
    const id = Number(
      this.db
        .prepare('INSERT INTO albums (name, label, created_at) VALUES (?, ?, ?)')
        .run(name, label, new Date().toISOString()).lastInsertRowid,
    );
    this.hooks.userChanged();
    return id;
  }

  rename(id: number, name: string): void {
    this.db.prepare('UPDATE albums SET name = ? WHERE id = ?').run(name, id);
    this.hooks.userChanged();
  }

  relabel(id: number, label: string): void {
    this.db.prepare('UPDATE albums SET label = ? WHERE id = ?').run(label, id);
    this.hooks.userChanged();
  }

  delete(id: number): boolean {
    const deleted = this.db.prepare('DELETE FROM albums WHERE id = ?').run(id).changes > 0;
    if (deleted) this.hooks.userChanged();
    return deleted;
  }

  /** Adds photos to an album in one transaction; returns the first id that is not a photo, if any. */
  addPhotos(id: number, photoIds: number[]): number | undefined {
    const now = new Date().toISOString();
    const exists = this.db.prepare('SELECT 1 FROM photos WHERE id = ?');
    const ins = this.db.prepare(
      'INSERT OR IGNORE INTO album_items (album_id, hash, path_hint, added_at) SELECT ?, hash, path, ? FROM photos WHERE id = ?',
    );
    const missing = this.db
      .transaction(() => {
        const missing = photoIds.find((p) => !exists.get(p));
        if (missing !== undefined) return missing;
        for (const p of photoIds) ins.run(id, now, p);
        return undefined;
      })
      .immediate();
    if (missing === undefined) this.hooks.userChanged();
    return missing;
  }

  removePhotos(id: number, photoIds: number[]): void {
    const del = this.db.prepare(
      'DELETE FROM album_items WHERE album_id = ? AND hash = (SELECT hash FROM photos WHERE id = ?)',
    );
    this.db.transaction(() => photoIds.forEach((p) => del.run(id, p))).immediate();
    this.hooks.userChanged();
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
        this.hooks.writeFts(photoId);
      })
      .immediate();
    this.hooks.userChanged();
  }

  /** How many album memberships and captions belong to the photos under `folder`. */
  countUnder(folder: string): { albumPhotos: number; captions: number } {
    const args = { folder, like: underFolder(folder) };
    const n = (sql: string) => (this.db.prepare(sql).get(args) as { n: number }).n;
    return {
      albumPhotos: n(`SELECT count(*) n FROM album_items WHERE hash IN (${FOLDER_HASHES})
        OR (path_hint LIKE @like ESCAPE '\\' AND hash NOT IN (SELECT hash FROM photos))`),
      captions: n(`SELECT count(*) n FROM user_captions WHERE hash IN (${FOLDER_HASHES})
        OR (path_hint LIKE @like ESCAPE '\\' AND hash NOT IN (SELECT hash FROM photos))`),
    };
  }

  /** Deletes what `countUnder` counts: the user asked, after seeing the counts. */
  forgetUnder(folder: string): { albumPhotos: number; captions: number } {
    const args = { folder, like: underFolder(folder) };
    const gone = this.db
      .transaction(() => {
        const del = (table: string) =>
          this.db
            .prepare(
              `DELETE FROM ${table} WHERE hash IN (${FOLDER_HASHES})
              OR (path_hint LIKE @like ESCAPE '\\' AND hash NOT IN (SELECT hash FROM photos))`,
            )
            .run(args).changes;
        return { albumPhotos: del('album_items'), captions: del('user_captions') };
      })
      .immediate();
    this.hooks.userChanged();
    return gone;
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
