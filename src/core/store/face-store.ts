/**
 * The SQL for faces and people: faces by content hash and face-model id (with their
 * descriptors), which contents were read, people (groups of faces, named by the user), and the
 * user's verdicts on faces (face_labels), which outlive the faces. Only LibraryStore builds this.
 */
import type { FaceLabel } from '../faces/labels.js';
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
  /** The cover face's crop (the one the user chose, else the largest clear face). */
  cover: string | null;
}

export interface FaceRow {
  id: number;
  hash: string;
  box: [number, number, number, number];
  personId: number | null;
  thumb: string | null;
}

const faceRow = (r: { id: number; hash: string; box: string; person_id: number | null; thumb: string | null }) => ({
  id: r.id,
  hash: r.hash,
  box: JSON.parse(r.box) as FaceRow['box'],
  personId: r.person_id,
  thumb: r.thumb,
});

/** A person the user made nothing of: no name, not hidden, no face placed with them. */
const UNTOUCHED = `name IS NULL AND hidden = 0
  AND NOT EXISTS (SELECT 1 FROM face_labels l WHERE l.person_id = people.id AND l.verdict = 'is')`;

export class FaceStore {
  /** `userChanged` runs after every change the user makes (the rolling backup). */
  constructor(
    private readonly db: Db,
    private readonly userChanged: () => void = () => undefined,
  ) {}

  /** Photos whose content the face models `modelId` have not read yet (one per content), oldest first. */
  unread(modelId: string, limit: number): { id: number; path: string; hash: string }[] {
    return unreadContents(this.db, 'face_reads', modelId, limit);
  }

  /**
   * Stores the faces read in one content (none is a result too), each with the person it joins
   * (null: not grouped), in one transaction. Returns the new faces' ids.
   */
  save(
    hash: string,
    modelId: string,
    faces: (StoredFace & {
      personId: number | null;
      thumb?: string | null;
      quality?: { sharpness: number; yaw: number };
    })[],
  ): number[] {
    return this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM faces WHERE hash = ? AND model_id = ?').run(hash, modelId);
        const insert = this.db.prepare(
          'INSERT INTO faces (hash, model_id, box, landmarks, score, descriptor, person_id, thumb, quality) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
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
              f.thumb ?? null,
              f.quality ? JSON.stringify(f.quality) : null,
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

  /**
   * Deletes every face found (faces turned off). The people the user made something of (named,
   * hid, merged, placed a face with) stay, with their verdicts, for when faces are read again.
   */
  forget(): void {
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM faces').run();
        this.db.prepare('DELETE FROM face_reads').run();
        this.db.prepare(`DELETE FROM people WHERE ${UNTOUCHED}`).run();
      })
      .immediate();
  }

  /** What the user said of the faces in one content. */
  labelsFor(hash: string): FaceLabel[] {
    return (
      this.db.prepare('SELECT box, person_id, verdict FROM face_labels WHERE hash = ?').all(hash) as {
        box: string;
        person_id: number;
        verdict: 'is' | 'not';
      }[]
    ).map((l) => ({ box: JSON.parse(l.box) as number[], personId: l.person_id, verdict: l.verdict }));
  }

  /** Every verdict, by content. */
  labels(): Map<string, FaceLabel[]> {
    const out = new Map<string, FaceLabel[]>();
    for (const l of this.db.prepare('SELECT hash, box, person_id, verdict FROM face_labels').iterate() as Iterable<{
      hash: string;
      box: string;
      person_id: number;
      verdict: 'is' | 'not';
    }>) {
      const list = out.get(l.hash) ?? [];
      list.push({ box: JSON.parse(l.box) as number[], personId: l.person_id, verdict: l.verdict });
      out.set(l.hash, list);
    }
    return out;
  }

  /** The user's word that every face person `id` has now is theirs (naming, hiding, merging them). */
  private confirm(id: number): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO face_labels (hash, box, person_id, verdict)
        SELECT hash, box, person_id, 'is' FROM faces WHERE person_id = ?`,
      )
      .run(id);
  }

  face(id: number): FaceRow | undefined {
    const r = this.db.prepare('SELECT id, hash, box, person_id, thumb FROM faces WHERE id = ?').get(id) as
      Parameters<typeof faceRow>[0] | undefined;
    return r && faceRow(r);
  }

  /** The faces found in one content by face models `modelId`, left to right. */
  facesIn(hash: string, modelId: string): (FaceRow & { name: string | null })[] {
    return (
      this.db
        .prepare(
          `SELECT f.id, f.hash, f.box, f.person_id, f.thumb, pe.name FROM faces f
          LEFT JOIN people pe ON pe.id = f.person_id WHERE f.hash = ? AND f.model_id = ?
          ORDER BY json_extract(f.box, '$[0]')`,
        )
        .all(hash, modelId) as (Parameters<typeof faceRow>[0] & { name: string | null })[]
    ).map((r) => ({ ...faceRow(r), name: r.name }));
  }

  /** A person's faces (one a content), largest first, with a photo showing each. */
  facesOf(id: number, limit: number): (FaceRow & { path: string })[] {
    return (
      this.db
        .prepare(
          `SELECT f.id, f.hash, f.box, f.person_id, f.thumb, min(p.path) AS path FROM faces f
          JOIN photos p ON p.hash = f.hash WHERE f.person_id = ?
          GROUP BY f.id ORDER BY json_extract(f.box, '$[2]') DESC, f.id LIMIT ?`,
        )
        .all(id, limit) as (Parameters<typeof faceRow>[0] & { path: string })[]
    ).map((r) => ({ ...faceRow(r), path: r.path }));
  }

  /**
   * The user says face `faceId` is person `to` (null: not the person it is with, and no one
   * known: it becomes a person of its own). Kept as verdicts, so a re-read or a re-group keeps it.
   * Returns the person the face is now with.
   */
  moveFace(faceId: number, to: number | null): number {
    const person = this.db
      .transaction(() => {
        const f = this.face(faceId)!;
        const box = JSON.stringify(f.box);
        const verdict = this.db.prepare(
          'INSERT OR REPLACE INTO face_labels (hash, box, person_id, verdict) VALUES (?, ?, ?, ?)',
        );
        const from = f.personId !== null && f.personId !== to ? f.personId : null;
        if (from !== null) verdict.run(f.hash, box, from, 'not');
        const person = to ?? this.newPerson();
        if (to !== null) verdict.run(f.hash, box, to, 'is');
        this.db.prepare('UPDATE faces SET person_id = ? WHERE id = ?').run(person, faceId);
        // Saying one face is not someone is saying the rest are: a re-group keeps them together.
        if (from !== null) this.confirm(from);
        this.dropEmpty();
        return person;
      })
      .immediate();
    this.userChanged();
    return person;
  }

  /** Face `faceId` (one of theirs) stands for person `id` on the People page. */
  setCover(id: number, faceId: number): void {
    const f = this.face(faceId)!;
    this.db
      .prepare('UPDATE people SET cover = ? WHERE id = ?')
      .run(JSON.stringify({ hash: f.hash, box: JSON.stringify(f.box) }), id);
    this.confirm(id);
    this.userChanged();
  }

  /** Every grouped face of models `modelId` (the ones people are made of), oldest first. */
  *groupedFaces(
    modelId: string,
  ): Generator<{ id: number; hash: string; box: number[]; personId: number; descriptor: Float32Array }> {
    for (const r of this.db
      .prepare(
        'SELECT id, hash, box, person_id, descriptor FROM faces WHERE model_id = ? AND person_id IS NOT NULL ORDER BY id',
      )
      .iterate(modelId) as Iterable<{ id: number; hash: string; box: string; person_id: number; descriptor: Buffer }>)
      yield {
        id: r.id,
        hash: r.hash,
        box: JSON.parse(r.box) as number[],
        personId: r.person_id,
        descriptor: blobToVector(r.descriptor),
      };
  }

  groupedCount(modelId: string): number {
    return (
      this.db.prepare('SELECT count(*) AS n FROM faces WHERE model_id = ? AND person_id IS NOT NULL').get(modelId) as {
        n: number;
      }
    ).n;
  }

  /** The people the user made something of: named, hidden, or with faces the user placed. */
  userPeople(): number[] {
    return (
      this.db.prepare(`SELECT id FROM people WHERE NOT (${UNTOUCHED}) ORDER BY id`).all() as { id: number }[]
    ).map((r) => r.id);
  }

  /**
   * A re-group's result, in one transaction: face `faceIds[i]` goes to person `personOf[i]`, where a
   * negative number is a new person (the same negative number, the same person). A new person
   * keeps the id of the old unnamed person most of its faces had, so the People page stays put.
   */
  regroup(faceIds: number[], personOf: number[]): void {
    this.db
      .transaction(() => {
        const was = this.db.prepare('SELECT person_id FROM faces WHERE id = ?');
        const user = new Set(this.userPeople());
        const votes = new Map<number, Map<number, number>>();
        faceIds.forEach((id, i) => {
          const p = personOf[i]!;
          if (p >= 0) return;
          const old = (was.get(id) as { person_id: number | null } | undefined)?.person_id;
          if (old === null || old === undefined || user.has(old)) return;
          const v = votes.get(p) ?? new Map<number, number>();
          v.set(old, (v.get(old) ?? 0) + 1);
          votes.set(p, v);
        });
        const idOf = new Map<number, number>();
        const taken = new Set<number>();
        for (const [p, v] of [...votes].sort((a, b) => Math.max(...b[1].values()) - Math.max(...a[1].values()))) {
          const old = [...v].sort((a, b) => b[1] - a[1]).find(([o]) => !taken.has(o))?.[0];
          if (old !== undefined) {
            taken.add(old);
            idOf.set(p, old);
          }
        }
        const move = this.db.prepare('UPDATE faces SET person_id = ? WHERE id = ?');
        faceIds.forEach((id, i) => {
          const p = personOf[i]!;
          if (p < 0 && !idOf.has(p)) idOf.set(p, this.newPerson());
          move.run(p < 0 ? idOf.get(p)! : p, id);
        });
        this.dropEmpty();
      })
      .immediate();
  }

  /** People nobody made anything of and no face is with any more. */
  private dropEmpty(): void {
    this.db
      .prepare(`DELETE FROM people WHERE ${UNTOUCHED} AND NOT EXISTS (SELECT 1 FROM faces WHERE person_id = people.id)`)
      .run();
  }

  /** A new, unnamed person. */
  newPerson(): number {
    return Number(
      this.db.prepare('INSERT INTO people (created_at) VALUES (?)').run(new Date().toISOString()).lastInsertRowid,
    );
  }

  /**
   * People with faces in photos of the library (or only person `only`), named ones first, then by
   * how many photos show them, each with a cover: the face the user chose, else their largest
   * clear face. One pass over the faces_people index.
   */
  people(modelId: string, only?: number): PersonRow[] {
    return (
      this.db
        .prepare(
          `WITH f AS (
            SELECT person_id, hash, box, thumb,
              row_number() OVER (PARTITION BY person_id ORDER BY json_extract(box, '$[2]') * score DESC) AS rank
            FROM faces WHERE model_id = ? AND person_id ${only === undefined ? 'IS NOT NULL' : '= ?'}
              AND hash IN (SELECT hash FROM photos)
          )
          SELECT pe.id, pe.name, pe.hidden, count(*) AS faces, count(DISTINCT f.hash) AS photos,
            coalesce(
              max(CASE WHEN f.hash = json_extract(pe.cover, '$.hash') AND f.box = json_extract(pe.cover, '$.box')
                THEN f.thumb END),
              max(CASE WHEN f.rank = 1 THEN f.thumb END)
            ) AS cover
          FROM people pe JOIN f ON f.person_id = pe.id
          GROUP BY pe.id ORDER BY pe.name IS NULL, photos DESC, pe.id`,
        )
        .all(modelId, ...(only === undefined ? [] : [only])) as (Omit<PersonRow, 'hidden'> & { hidden: number })[]
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

  /** Hiding or naming someone is the user's word that their faces are one person. */
  hide(id: number, hidden: boolean): void {
    this.db
      .transaction(() => {
        this.db.prepare('UPDATE people SET hidden = ? WHERE id = ?').run(hidden ? 1 : 0, id);
        this.confirm(id);
      })
      .immediate();
    this.userChanged();
  }

  rename(id: number, name: string | null): void {
    this.db
      .transaction(() => {
        this.db.prepare('UPDATE people SET name = ? WHERE id = ?').run(name, id);
        if (name) this.confirm(id);
      })
      .immediate();
    this.userChanged();
  }

  /**
   * `from`'s faces become `into`'s; `from` goes (its name too, where `into` has one). Its verdicts
   * go with it; where a face was said to be one and not the other, the merge is the newer word.
   */
  merge(into: number, from: number): void {
    this.db
      .transaction(() => {
        const a = this.person(into);
        const b = this.person(from);
        if (a && b && !a.name && b.name) this.db.prepare('UPDATE people SET name = ? WHERE id = ?').run(b.name, into);
        this.db.prepare('UPDATE faces SET person_id = ? WHERE person_id = ?').run(into, from);
        this.db
          .prepare("UPDATE OR REPLACE face_labels SET person_id = ? WHERE person_id = ? AND verdict = 'is'")
          .run(into, from);
        this.db
          .prepare("UPDATE OR IGNORE face_labels SET person_id = ? WHERE person_id = ? AND verdict = 'not'")
          .run(into, from);
        this.db
          .prepare(
            "DELETE FROM face_labels WHERE person_id = ? AND verdict = 'not' AND (hash, box) IN (SELECT hash, box FROM face_labels WHERE person_id = ? AND verdict = 'is')",
          )
          .run(into, into);
        this.db.prepare('DELETE FROM people WHERE id = ?').run(from);
        this.confirm(into);
      })
      .immediate();
    this.userChanged();
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
