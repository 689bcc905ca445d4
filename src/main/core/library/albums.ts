/**
 * Albums and the user's own captions: the labelled data fine-tuning learns from. An album's label
 * (its name when the label is empty) is the text every photo in it is paired with; a photo's own
 * caption adds a second, more specific text. Both also join the caption bank.
 */
import type { Album } from '../../../shared/contract.js';
import { GlimpseError } from '../errors.js';
import type { LibraryStore } from './store.js';

interface AlbumRow { id: number; name: string; label: string; created_at: string; count: number; cover: string | null }

export class Albums {
  constructor(private readonly store: LibraryStore) {}

  private get db() {
    return this.store.db;
  }

  list(): Album[] {
    const rows = this.db.prepare(`SELECT a.id, a.name, a.label, a.created_at,
        (SELECT count(*) FROM album_photos ap WHERE ap.album_id = a.id) AS count,
        (SELECT p.hash FROM album_photos ap JOIN photos p ON p.id = ap.photo_id WHERE ap.album_id = a.id ORDER BY ap.added_at LIMIT 1) AS cover
      FROM albums a ORDER BY a.name COLLATE NOCASE`).all() as AlbumRow[];
    return rows.map(toAlbum);
  }

  get(id: number): Album {
    const a = this.list().find((x) => x.id === id);
    if (!a) throw new GlimpseError('not-found', `no album with id ${id}`);
    return a;
  }

  create(name: string, label: string): Album {
    this.assertFreeName(name);
    const id = Number(this.db.prepare('INSERT INTO albums (name, label, created_at) VALUES (?, ?, ?)').run(name, label, new Date().toISOString()).lastInsertRowid);
    return this.get(id);
  }

  update(id: number, change: { name?: string; label?: string }): Album {
    this.get(id);
    if (change.name !== undefined) {
      this.assertFreeName(change.name, id);
      this.db.prepare('UPDATE albums SET name = ? WHERE id = ?').run(change.name, id);
    }
    if (change.label !== undefined) this.db.prepare('UPDATE albums SET label = ? WHERE id = ?').run(change.label, id);
    return this.get(id);
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM albums WHERE id = ?').run(id).changes > 0;
  }

  add(id: number, photoIds: number[]): Album {
    this.get(id);
    const now = new Date().toISOString();
    const exists = this.db.prepare('SELECT 1 FROM photos WHERE id = ?');
    const ins = this.db.prepare('INSERT OR IGNORE INTO album_photos (album_id, photo_id, added_at) VALUES (?, ?, ?)');
    this.store.transaction(() => {
      for (const p of photoIds) {
        if (!exists.get(p)) throw new GlimpseError('not-found', `no photo with id ${p} (was it removed from the library?)`);
        ins.run(id, p, now);
      }
    });
    return this.get(id);
  }

  removePhotos(id: number, photoIds: number[]): Album {
    this.get(id);
    const del = this.db.prepare('DELETE FROM album_photos WHERE album_id = ? AND photo_id = ?');
    this.store.transaction(() => photoIds.forEach((p) => del.run(id, p)));
    return this.get(id);
  }

  albumsOf(photoId: number): { id: number; name: string }[] {
    return this.db.prepare('SELECT a.id, a.name FROM albums a JOIN album_photos ap ON ap.album_id = a.id WHERE ap.photo_id = ? ORDER BY a.name')
      .all(photoId) as { id: number; name: string }[];
  }

  caption(photoId: number): string | null {
    return (this.db.prepare('SELECT text FROM photo_captions WHERE photo_id = ?').get(photoId) as { text: string } | undefined)?.text ?? null;
  }

  /** Sets (or, with an empty text, removes) the user's caption, and updates keyword search. */
  setCaption(photoId: number, text: string): void {
    this.store.transaction(() => {
      if (text) this.db.prepare('INSERT OR REPLACE INTO photo_captions (photo_id, text, updated_at) VALUES (?, ?, ?)').run(photoId, text, new Date().toISOString());
      else this.db.prepare('DELETE FROM photo_captions WHERE photo_id = ?').run(photoId);
      this.store.writeFts(photoId);
    });
  }

  /** The user's words for the caption bank: album labels and photo captions. */
  userTexts(): string[] {
    return (this.db.prepare("SELECT CASE WHEN label != '' THEN label ELSE name END AS t FROM albums UNION SELECT text FROM photo_captions").all() as { t: string }[]).map((r) => r.t);
  }

  /**
   * Image–text pairs from the chosen albums: each photo with its albums' labels and its own
   * caption. A photo in two chosen albums gets both labels, once.
   */
  trainingPairs(albumIds: number[]): { image: string; captions: string[] }[] {
    for (const id of albumIds) this.get(id);
    const rows = this.db.prepare(`SELECT p.id, p.path, CASE WHEN a.label != '' THEN a.label ELSE a.name END AS text, c.text AS caption
      FROM album_photos ap JOIN albums a ON a.id = ap.album_id JOIN photos p ON p.id = ap.photo_id
      LEFT JOIN photo_captions c ON c.photo_id = p.id
      WHERE ap.album_id IN (${albumIds.map(() => '?').join(',')}) ORDER BY p.id, a.id`).all(...albumIds) as
      { id: number; path: string; text: string; caption: string | null }[];
    const byPhoto = new Map<number, { image: string; captions: string[] }>();
    for (const r of rows) {
      const e = byPhoto.get(r.id) ?? { image: r.path, captions: r.caption ? [r.caption] : [] };
      if (!e.captions.includes(r.text)) e.captions.push(r.text);
      byPhoto.set(r.id, e);
    }
    return [...byPhoto.values()];
  }

  private assertFreeName(name: string, except?: number): void {
    const other = this.db.prepare('SELECT id FROM albums WHERE name = ? COLLATE NOCASE').get(name) as { id: number } | undefined;
    if (other && other.id !== except) throw new GlimpseError('invalid-input', `an album named "${name}" already exists`);
  }
}

function toAlbum(r: AlbumRow): Album {
  return { id: r.id, name: r.name, label: r.label, count: r.count, cover: r.cover, createdAt: r.created_at };
}
