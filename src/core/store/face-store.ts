/**
 * The SQL for faces and people: faces by content hash and face-model id (with their
 * descriptors), which contents were read, and people (groups of faces, named by the user).
 * Only LibraryStore builds this.
 */
import { blobToVector, unreadContents, vectorBlob, type Db } from './sql.js';

export interface StoredFace {
  box: [number, number, number, number];
  landmarks: [number, number][];
  score: number;
  descriptor: Float32Array;
}

export interface PersonRow {
  id: number;
  name: string | null;
  hidden: boolean;
  faces: number;
  photos: number;
}

export class FaceStore {
  constructor(private readonly db: Db) {}

  /** Photos whose content the face models `modelId` have not read yet (one per content), oldest first. */
  unread(modelId: string, limit: number): { id: number; path: string; hash: string }[] {
    return unreadContents(this.db, 'face_reads', modelId, limit);
  }

  /**
   * Stores the faces read in one content (none is a result too), each with the person it joins
   * (null: not grouped), in one transaction. Returns the new faces' ids.
   */
  save(hash: string, modelId: string, faces: (StoredFace & { personId: number | null })[]): number[] {
    return this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM faces WHERE hash = ? AND model_id = ?').run(hash, modelId);
        const insert = this.db.prepare(
          'INSERT INTO faces (hash, model_id, box, landmarks, score, descriptor, person_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
        );
        const ids = faces.map((f) =>
          Number(
            insert.run(
              hash,
              modelId,
              JSON.stringify(f.box),
              JSON.stringify(f.landmarks),
              f.score,
              vectorBlob(f.descriptor),
              f.personId,
            ).lastInsertRowid,
          ),
        );
        this.db.prepare('INSERT OR REPLACE INTO face_reads (hash, model_id) VALUES (?, ?)').run(hash, modelId);
        return ids;
      })
      .immediate();
  }

  /** The face models whose faces are stored, most faces first. */
  modelIds(): string[] {
    return (
      this.db.prepare('SELECT model_id FROM faces GROUP BY model_id ORDER BY count(*) DESC').all() as {
        model_id: string;
      }[]
    ).map((r) => r.model_id);
  }

  /** Deletes every face found (faces turned off); named people stay, unnamed ones go. */
  forget(): void {
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM faces').run();
        this.db.prepare('DELETE FROM face_reads').run();
        this.db.prepare('DELETE FROM people WHERE name IS NULL').run();
      })
      .immediate();
  }

  /** A new, unnamed person. */
  newPerson(): number {
    return Number(
      this.db.prepare('INSERT INTO people (created_at) VALUES (?)').run(new Date().toISOString()).lastInsertRowid,
    );
  }

  /** Every grouped face's descriptor, by person (the faces new ones are compared with). */
  descriptorsByPerson(modelId: string): Map<number, Float32Array[]> {
    const out = new Map<number, Float32Array[]>();
    for (const r of this.db
      .prepare('SELECT person_id, descriptor FROM faces WHERE model_id = ? AND person_id IS NOT NULL')
      .iterate(modelId) as Iterable<{ person_id: number; descriptor: Buffer }>) {
      const list = out.get(r.person_id) ?? [];
      list.push(blobToVector(r.descriptor));
      out.set(r.person_id, list);
    }
    return out;
  }

  /** People with faces in photos of the library (or only person `only`), named ones first, then by size. */
  people(modelId: string, only?: number): PersonRow[] {
    return (
      this.db
        .prepare(
          `SELECT pe.id, pe.name, pe.hidden, count(DISTINCT f.id) AS faces, count(DISTINCT p.id) AS photos
          FROM people pe JOIN faces f ON f.person_id = pe.id AND f.model_id = ?
          JOIN photos p ON p.hash = f.hash
          ${only === undefined ? '' : 'WHERE pe.id = ?'}
          GROUP BY pe.id ORDER BY pe.name IS NULL, photos DESC, pe.id`,
        )
        .all(modelId, ...(only === undefined ? [] : [only])) as {
        id: number;
        name: string | null;
        hidden: number;
        faces: number;
        photos: number;
      }[]
    ).map((r) => ({ ...r, hidden: r.hidden === 1 }));
  }

  person(id: number): { id: number; name: string | null; hidden: boolean } | undefined {
    const r = this.db.prepare('SELECT id, name, hidden FROM people WHERE id = ?').get(id) as
      { id: number; name: string | null; hidden: number } | undefined;
    return r && { ...r, hidden: r.hidden === 1 };
  }

  personByName(name: string): { id: number; name: string } | undefined {
    return this.db.prepare('SELECT id, name FROM people WHERE name = ? COLLATE NOCASE').get(name) as
      { id: number; name: string } | undefined;
  }

  /** Every person the user named. */
  named(): { id: number; name: string }[] {
    return this.db.prepare('SELECT id, name FROM people WHERE name IS NOT NULL').all() as {
      id: number;
      name: string;
    }[];
  }

  hide(id: number, hidden: boolean): void {
    this.db.prepare('UPDATE people SET hidden = ? WHERE id = ?').run(hidden ? 1 : 0, id);
  }

  rename(id: number, name: string | null): void {
    this.db.prepare('UPDATE people SET name = ? WHERE id = ?').run(name, id);
  }

  /** `from`'s faces become `into`'s; `from` goes (its name too, where `into` has one). */
  merge(into: number, from: number): void {
    this.db
      .transaction(() => {
        const a = this.person(into);
        const b = this.person(from);
        if (a && b && !a.name && b.name) this.rename(into, b.name);
        this.db.prepare('UPDATE faces SET person_id = ? WHERE person_id = ?').run(into, from);
        this.db.prepare('DELETE FROM people WHERE id = ?').run(from);
      })
      .immediate();
  }

  /** The photos showing a person, newest first. */
  photosOf(personId: number): { id: number; path: string }[] {
    return this.db
      .prepare(
        `SELECT DISTINCT p.id, p.path FROM faces f JOIN photos p ON p.hash = f.hash
        WHERE f.person_id = ? ORDER BY p.id DESC`,
      )
      .all(personId) as { id: number; path: string }[];
  }
}
