/**
 * The SQL that copies the user's own work out of the library database and back into a new one:
 * roots, albums with their labels and photos (by content hash), the user's captions and settings,
 * and the people the user named, hid or placed faces with (with their verdicts on faces).
 * Nothing derived (vectors, tags, captions by retrieval) is copied: a re-index recomputes it.
 */
import type { Db } from './sql.js';
import type { UserData } from './user-backup.js';

/** The meta keys the user sets (Settings); the rest of meta is derived bookkeeping. */
export const USER_SETTING_KEYS = ['thumbnailSize', 'ocr', 'faces'] as const;

export function exportUserData(db: Db): UserData {
  const keys = USER_SETTING_KEYS.map(() => '?').join(',');
  return db.transaction(() => ({
    version: 1 as const,
    savedAt: new Date().toISOString(),
    roots: (db.prepare('SELECT path FROM roots ORDER BY path').all() as { path: string }[]).map((r) => r.path),
    albums: (
      db.prepare('SELECT id, name, label, created_at FROM albums ORDER BY id').all() as {
        id: number;
        name: string;
        label: string;
        created_at: string;
      }[]
    ).map((a) => ({
      name: a.name,
      label: a.label,
      createdAt: a.created_at,
      items: (
        db
          .prepare('SELECT hash, path_hint, added_at FROM album_items WHERE album_id = ? ORDER BY added_at, hash')
          .all(a.id) as { hash: string; path_hint: string | null; added_at: string }[]
      ).map((i) => ({ hash: i.hash, pathHint: i.path_hint, addedAt: i.added_at })),
    })),
    captions: (
      db.prepare('SELECT hash, text, path_hint, updated_at FROM user_captions ORDER BY hash').all() as {
        hash: string;
        text: string;
        path_hint: string | null;
        updated_at: string;
      }[]
    ).map((c) => ({ hash: c.hash, text: c.text, pathHint: c.path_hint, updatedAt: c.updated_at })),
    settings: Object.fromEntries(
      (
        db.prepare(`SELECT key, value FROM meta WHERE key IN (${keys})`).all(...USER_SETTING_KEYS) as {
          key: string;
          value: string;
        }[]
      ).map((r) => [r.key, r.value]),
    ),
    people: (
      db
        .prepare(
          `SELECT id, name, hidden, cover, created_at FROM people pe WHERE name IS NOT NULL OR hidden = 1
          OR EXISTS (SELECT 1 FROM face_labels l WHERE l.person_id = pe.id) ORDER BY id`,
        )
        .all() as { id: number; name: string | null; hidden: number; cover: string | null; created_at: string }[]
    ).map((p) => ({
      name: p.name,
      hidden: p.hidden === 1,
      cover: p.cover,
      createdAt: p.created_at,
      labels: db
        .prepare('SELECT hash, box, verdict FROM face_labels WHERE person_id = ? ORDER BY hash, box')
        .all(p.id) as { hash: string; box: string; verdict: 'is' | 'not' }[],
    })),
  }))();
}

/** Writes a backup into a database (a new one: existing rows with the same keys are kept). */
export function importUserData(db: Db, data: UserData): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    const root = db.prepare('INSERT OR IGNORE INTO roots (path, added_at) VALUES (?, ?)');
    for (const r of data.roots) root.run(r, now);
    const album = db.prepare('INSERT OR IGNORE INTO albums (name, label, created_at) VALUES (?, ?, ?)');
    const albumId = db.prepare('SELECT id FROM albums WHERE name = ?');
    const item = db.prepare(
      'INSERT OR IGNORE INTO album_items (album_id, hash, path_hint, added_at) VALUES (?, ?, ?, ?)',
    );
    for (const a of data.albums) {
      album.run(a.name, a.label, a.createdAt);
      const { id } = albumId.get(a.name) as { id: number };
      for (const i of a.items) item.run(id, i.hash, i.pathHint, i.addedAt);
    }
    const caption = db.prepare(
      'INSERT OR IGNORE INTO user_captions (hash, text, path_hint, updated_at) VALUES (?, ?, ?, ?)',
    );
    for (const c of data.captions) caption.run(c.hash, c.text, c.pathHint, c.updatedAt);
    const meta = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
    for (const k of USER_SETTING_KEYS) if (data.settings[k] !== undefined) meta.run(k, data.settings[k]);
    // People come back without faces: their verdicts place the faces when faces are read again.
    const person = db.prepare('INSERT INTO people (name, hidden, cover, created_at) VALUES (?, ?, ?, ?)');
    const named = db.prepare('SELECT id FROM people WHERE name = ? COLLATE NOCASE');
    const label = db.prepare('INSERT OR IGNORE INTO face_labels (hash, box, person_id, verdict) VALUES (?, ?, ?, ?)');
    for (const p of data.people ?? []) {
      const have = p.name ? (named.get(p.name) as { id: number } | undefined) : undefined;
      const id = have?.id ?? Number(person.run(p.name, p.hidden ? 1 : 0, p.cover, p.createdAt).lastInsertRowid);
      for (const l of p.labels) label.run(l.hash, l.box, id, l.verdict);
    }
  }).immediate();
}
