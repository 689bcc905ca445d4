/**
 * The SQL that search and captions by retrieval run: vectors by model, nearest neighbours with
 * filters (sqlite-vec), FTS5 keyword matches, and the stored retrieval captions. Only LibraryStore
 * builds this; the ranking itself lives in src/core/search.
 */
import { blobToVector, filterSql, vectorBlob, type Db, type SearchFilters } from './sql.js';

/** One search result as the page shows it. */
export interface ScoredPhoto {
  id: number;
  path: string;
  hash: string;
  score: number;
}

export interface CaptionRow {
  text: string;
  score: number;
  source: 'tags' | 'bank';
  /** The model that scored it (its floor says whether the score is confident); set on reads. */
  modelId?: string;
}

export class SearchStore {
  constructor(private readonly db: Db) {}

  /** Every vector from `modelId`, for building the in-memory index. */
  *vectors(modelId: string): Generator<{ id: number; vector: Float32Array }> {
    const rows = this.db
      .prepare('SELECT photo_id AS id, vector FROM embeddings WHERE model_id = ?')
      .iterate(modelId) as Iterable<{ id: number; vector: Buffer }>;
    for (const r of rows) yield { id: r.id, vector: blobToVector(r.vector) };
  }

  /** The candidates' vectors with their path and hash (photos deleted since are left out). */
  candidates(ids: number[], modelId: string): { id: number; path: string; hash: string; vector: Float32Array }[] {
    const get = this.db
      .prepare(`SELECT p.id, p.path, p.hash, e.vector FROM embeddings e JOIN photos p ON p.id = e.photo_id
      WHERE e.photo_id = ? AND e.model_id = ?`);
    const out: { id: number; path: string; hash: string; vector: Float32Array }[] = [];
    for (const id of ids) {
      const r = get.get(id, modelId) as { id: number; path: string; hash: string; vector: Buffer } | undefined;
      if (r) out.push({ id: r.id, path: r.path, hash: r.hash, vector: blobToVector(r.vector) });
    }
    return out;
  }

  /** Exact nearest photos by cosine similarity, with the filters, in one statement. */
  nearest(
    vector: Float32Array,
    modelId: string,
    opts: SearchFilters & { exclude?: number; minScore: number },
    k: number,
  ): ScoredPhoto[] {
    const f = filterSql(opts);
    return this.db
      .prepare(
        `SELECT id, path, hash, score FROM (
        SELECT p.id, p.path, p.hash, 1 - vec_distance_cosine(e.vector, ?) AS score FROM embeddings e JOIN photos p ON p.id = e.photo_id
        WHERE e.model_id = ? AND p.id != ?${f.sql}) WHERE score >= ? ORDER BY score DESC LIMIT ?`,
      )
      .all(vectorBlob(vector), modelId, opts.exclude ?? -1, ...f.params, opts.minScore, k) as ScoredPhoto[];
  }

  /** FTS5 matches for an FTS query expression, best bm25 first, with the filters. */
  keyword(match: string, filters: SearchFilters, k: number): { id: number; path: string; hash: string }[] {
    const f = filterSql(filters);
    return this.db
      .prepare(
        `SELECT p.id, p.path, p.hash FROM photos_fts JOIN photos p ON p.id = photos_fts.rowid
      WHERE photos_fts MATCH ?${f.sql} ORDER BY bm25(photos_fts) LIMIT ?`,
      )
      .all(match, ...f.params, k) as { id: number; path: string; hash: string }[];
  }

  /**
   * Tags from `modelId` among `labels`, most confident first, with the filters: one row per photo
   * and label. With `counts`, the rows whose count a label asks for come first, so the photo with
   * two people is found however many photos hold one.
   */
  tagged(
    labels: string[],
    modelId: string,
    filters: SearchFilters,
    k: number,
    counts: Map<string, { min: number; max?: number }> = new Map(),
  ): { id: number; path: string; hash: string; label: string; confidence: number; count: number }[] {
    if (labels.length === 0) return [];
    const f = filterSql(filters);
    const wanted = [...counts].filter(([label]) => labels.includes(label));
    const first = wanted.length
      ? `CASE WHEN ${wanted.map(() => '(t.label = ? AND t.count >= ? AND t.count <= ?)').join(' OR ')} THEN 0 ELSE 1 END, `
      : '';
    const firstParams = wanted.flatMap(([label, c]) => [label, c.min, c.max ?? Number.MAX_SAFE_INTEGER]);
    return this.db
      .prepare(
        `SELECT p.id, p.path, p.hash, t.label, t.confidence, t.count FROM photo_tags t JOIN photos p ON p.id = t.photo_id
      WHERE t.model_id = ? AND t.label IN (${labels.map(() => '?').join(',')})${f.sql}
      ORDER BY ${first}t.confidence DESC LIMIT ?`,
      )
      .all(modelId, ...labels, ...f.params, ...firstParams, k) as {
      id: number;
      path: string;
      hash: string;
      label: string;
      confidence: number;
      count: number;
    }[];
  }

  /** Cosine similarity of each photo's vector to `vector` (0 for a photo without one). */
  scores(vector: Float32Array, ids: number[], modelId: string): Map<number, number> {
    const get = this.db.prepare(
      'SELECT 1 - vec_distance_cosine(vector, ?) AS s FROM embeddings WHERE photo_id = ? AND model_id = ?',
    );
    const blob = vectorBlob(vector);
    return new Map(ids.map((id) => [id, (get.get(blob, id, modelId) as { s: number } | undefined)?.s ?? 0]));
  }

  /** The photos' own titles and descriptions, for the caption bank. */
  ownTexts(): string[] {
    return (
      this.db
        .prepare(
          "SELECT title AS t FROM photos WHERE title IS NOT NULL AND title != '' UNION SELECT description FROM photos WHERE description IS NOT NULL AND description != ''",
        )
        .all() as { t: string }[]
    ).map((r) => r.t);
  }

  /** Vectors from `modelId` whose stored captions are missing or came from another bank or model. */
  uncaptioned(modelId: string, bankId: string): { id: number; vector: Float32Array }[] {
    const rows = this.db
      .prepare(
        `SELECT e.photo_id AS id, e.vector FROM embeddings e
      WHERE e.model_id = ? AND NOT EXISTS (SELECT 1 FROM captions c WHERE c.photo_id = e.photo_id AND c.bank_id = ? AND c.model_id = ?)`,
      )
      .all(modelId, bankId, modelId) as { id: number; vector: Buffer }[];
    return rows.map((r) => ({ id: r.id, vector: blobToVector(r.vector) }));
  }

  /** Replaces the retrieval captions of several photos in one transaction. */
  replaceCaptions(rows: { photoId: number; captions: CaptionRow[] }[], modelId: string, bankId: string): void {
    const del = this.db.prepare('DELETE FROM captions WHERE photo_id = ?');
    const ins = this.db.prepare(
      'INSERT INTO captions (photo_id, rank, text, score, model_id, bank_id, source) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.db
      .transaction(() => {
        for (const r of rows) {
          del.run(r.photoId);
          r.captions.forEach((c, rank) => ins.run(r.photoId, rank, c.text, c.score, modelId, bankId, c.source));
        }
      })
      .immediate();
  }

  storedCaptions(photoId: number): CaptionRow[] {
    return this.db
      .prepare('SELECT text, score, source, model_id AS modelId FROM captions WHERE photo_id = ? ORDER BY rank')
      .all(photoId) as CaptionRow[];
  }

  /**
   * Each photo's best stored captions (the user's own first, then up to `per` auto-captions in
   * rank order), for alt text: one query for a page of photos.
   */
  captionsFor(photoIds: number[], per = 3): Map<number, { user: string | null; auto: CaptionRow[] }> {
    const out = new Map<number, { user: string | null; auto: CaptionRow[] }>();
    for (const id of photoIds) out.set(id, { user: null, auto: [] });
    for (const ids of chunks(photoIds)) {
      const marks = ids.map(() => '?').join(',');
      const users = this.db
        .prepare(`SELECT p.id, u.text FROM photos p JOIN user_captions u ON u.hash = p.hash WHERE p.id IN (${marks})`)
        .all(...ids) as { id: number; text: string }[];
      for (const u of users) out.get(u.id)!.user = u.text;
      const autos = this.db
        .prepare(
          `SELECT photo_id, text, score, source, model_id AS modelId FROM captions WHERE photo_id IN (${marks}) AND rank < ? ORDER BY photo_id, rank`,
        )
        .all(...ids, per) as (CaptionRow & { photo_id: number })[];
      for (const { photo_id, ...a } of autos) out.get(photo_id)!.auto.push(a);
    }
    return out;
  }

  /**
   * Up to `limit` photos outside the given albums with their confidently detected objects: the
   * library's other searches ("a dog"), to check a fine-tune on those albums doesn't spoil them.
   */
  taggedOutside(albumIds: number[], minConfidence: number, limit: number): { path: string; labels: string[] }[] {
    const marks = albumIds.map(() => '?').join(',');
    const rows = this.db
      .prepare(
        `SELECT p.path, group_concat(t.label, ',') AS labels FROM photos p JOIN photo_tags t ON t.photo_id = p.id
        WHERE t.confidence >= ? AND p.hash NOT IN (SELECT hash FROM album_items WHERE album_id IN (${marks}))
        GROUP BY p.id ORDER BY p.id LIMIT ?`,
      )
      .all(minConfidence, ...albumIds, limit) as { path: string; labels: string }[];
    return rows.map((r) => ({ path: r.path, labels: r.labels.split(',') }));
  }

  /** The bank each photo's stored captions came from (photos without captions are absent). */
  captionBankOf(photoIds: number[]): Map<number, string> {
    const out = new Map<number, string>();
    for (const ids of chunks(photoIds)) {
      const rows = this.db
        .prepare(
          `SELECT photo_id, max(bank_id) AS bank FROM captions WHERE photo_id IN (${ids.map(() => '?').join(',')}) GROUP BY photo_id`,
        )
        .all(...ids) as { photo_id: number; bank: string }[];
      for (const r of rows) out.set(r.photo_id, r.bank);
    }
    return out;
  }

  /** Marks photos' stored captions as current for `bankId`: a bank edit that doesn't change them. */
  relabelCaptions(photoIds: number[], bankId: string): void {
    const up = this.db.prepare('UPDATE captions SET bank_id = ? WHERE photo_id = ?');
    this.db.transaction(() => photoIds.forEach((id) => up.run(bankId, id))).immediate();
  }
}

/** Ids in slices small enough for one statement's `IN (…)` (SQLite caps bound parameters). */
function chunks(ids: number[], size = 500): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}
