/**
 * The library database: SQLite (better-sqlite3) in WAL mode with sqlite-vec loaded for vector
 * distances. Everything a library holds lives in one data dir, so libraries never mix.
 * Writes are grouped in transactions so a kill at any moment leaves a consistent database.
 */
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { GlimpseError } from '../base/errors.js';
import type { DetectedTag } from '../tags/detect.js';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import { blobToVector, filterSql, underFolder, vectorBlob, type Db, type SearchFilters } from './sql.js';
import { AlbumStore } from './album-store.js';
import { SearchStore } from './search-store.js';
import { FaceStore } from './face-store.js';
import { PlaceStore } from './place-store.js';
import { TextStore } from './text-store.js';
import { exportUserData, importUserData, USER_SETTING_KEYS } from './backup-store.js';
import { readUserBackup, writeUserBackup, type UserData } from './user-backup.js';

export type { Db, SearchFilters };
export { blobToVector, filterSql, underFolder };

export interface PhotoRow {
  id: number;
  root_id: number;
  path: string;
  folder: string;
  name: string;
  size: number;
  mtime_ms: number;
  hash: string;
  format: string | null;
  width: number | null;
  height: number | null;
  taken_at: string | null;
  taken_source: string | null;
  taken_offset: string | null;
  camera_make: string | null;
  camera_model: string | null;
  lat: number | null;
  lon: number | null;
  title: string | null;
  description: string | null;
  keywords: string | null;
  indexed_at: string;
}

export type NewPhoto = Omit<PhotoRow, 'id' | 'indexed_at'>;

/** An object class the detector found in a photo, with its confidence (0…1). */
export type PhotoTag = DetectedTag;

export interface Failure {
  path: string;
  reason: string;
  detail: string | null;
  severity: 'error' | 'warning';
}

/** Databases larger than this skip the integrity check on open: it reads the whole file. */
const QUICK_CHECK_MAX_BYTES = 1 << 30;

/**
 * Opens (or creates) a data dir's library database. Everything that only reads comes first: a
 * database from a newer Glimpse, or a damaged one, is refused by path before anything (WAL mode,
 * a migration) writes to it.
 */
export function openDatabase(dataDir: string): Db {
  const file = join(dataDir, 'library.db');
  let db: Db | undefined;
  try {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(file);
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw futureVersion(file, version);
    if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) <= QUICK_CHECK_MAX_BYTES) {
      const problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check);
      if (problems.length !== 1 || problems[0] !== 'ok') throw new Error(problems.join('; '));
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    sqliteVec.load(db);
    migrate(db, file);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof GlimpseError) throw err;
    if (isNotWritable(err)) throw new NotWritable(file);
    throw new GlimpseError(
      'damaged-library',
      `${file}: the library database is damaged (${(err as Error).message}). Glimpse has not written to it. Rebuild the index (Settings, or \`glimpse rebuild\`): the damaged file is kept aside, and your albums and captions come back from their backup.`,
    );
  }
}

/** The data dir (a read-only mount, another user's folder) can't be written. */
export class NotWritable extends GlimpseError {
  constructor(readonly file: string) {
    super('unavailable', `${file}: Glimpse can't write here (the data folder is read-only)`);
  }
}

/** SQLite's and the file system's ways of saying "you may not write this". */
export function isNotWritable(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return /^SQLITE_(READONLY|CANTOPEN|PERM)/.test(code) || ['EACCES', 'EROFS', 'EPERM'].includes(code);
}

/** SQLite's and the file system's ways of saying "the disk is full". */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code.startsWith('SQLITE_IOERR_WRITE');
}

/**
 * Opens a read-only data dir's database for reading. A WAL database needs its shared-memory
 * file, which a read-only folder can't hold, and this build of better-sqlite3 takes no
 * `immutable=1` URI; so the database (with any WAL) is copied to a private temp folder, switched
 * to a rollback journal there, and opened read-only: writes fail instead of landing in the copy.
 */
function openSnapshot(dataDir: string): { db: Db; dir: string } {
  const file = join(dataDir, 'library.db');
  if (!existsSync(file)) throw new NotWritable(file);
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-readonly-'));
  try {
    const copy = join(dir, 'library.db');
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    // The copies keep the originals' read-only modes; this process owns them and must write them once.
    for (const f of [copy, `${copy}-wal`]) if (existsSync(f)) chmodSync(f, 0o600);
    const rw = new Database(copy);
    const version = rw.pragma('user_version', { simple: true }) as number;
    if (version !== MIGRATIONS.length) {
      rw.close();
      throw new GlimpseError(
        'unavailable',
        `${file}: the data folder is read-only and its library is schema version ${version} (this Glimpse reads ${MIGRATIONS.length})`,
      );
    }
    rw.pragma('journal_mode = DELETE');
    rw.close();
    const db = new Database(copy, { readonly: true, fileMustExist: true });
    sqliteVec.load(db);
    return { db, dir };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (err instanceof GlimpseError) throw err;
    throw new GlimpseError(
      'damaged-library',
      `${file}: the library database can't be read (${(err as Error).message})`,
    );
  }
}

/**
 * Renames a data dir's database (with its WAL and shared-memory files) aside, never deleting it,
 * so a new one can be created; returns the new name, or null when there was no database.
 */
export function moveDatabaseAside(dataDir: string): string | null {
  const file = join(dataDir, 'library.db');
  if (!existsSync(file)) return null;
  // A database from a newer Glimpse is not damaged: keep it in place for that Glimpse. The
  // version is read from the file header, which a damaged body does not hide.
  const version = headerVersion(file);
  if (version !== null && version > MIGRATIONS.length) throw futureVersion(file, version);
  const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  renameSync(file, aside);
  return aside;
}

/** The schema version (SQLite's user_version, bytes 60–63 of the header), or null if unreadable. */
function headerVersion(file: string): number | null {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(100);
      if (readSync(fd, head, 0, 100, 0) < 100 || head.toString('latin1', 0, 16) !== 'SQLite format 3\0') return null;
      return head.readInt32BE(60);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

function futureVersion(file: string, version: number): GlimpseError {
  return new GlimpseError(
    'bad-data',
    `${file}: library database is schema version ${version}; this Glimpse understands up to ${MIGRATIONS.length} (update Glimpse)`,
  );
}

/**
 * Brings the schema up to date under an exclusive lock, re-reading the version inside it: of two
 * processes opening a new data dir at once, the second waits and finds the work done.
 */
export function migrate(db: Db, file = 'library.db'): void {
  if ((db.pragma('user_version', { simple: true }) as number) === MIGRATIONS.length) return;
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw futureVersion(file, version);
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).exclusive();
}

/** Typed access to the library tables; the indexer and search build on this. */
export class LibraryStore {
  /** Albums, their photos and the user's captions. */
  readonly albums: AlbumStore;
  /** What search and captions by retrieval read and write. */
  readonly search: SearchStore;
  /** Text read in photos (OCR). */
  readonly text: TextStore;
  readonly faces: FaceStore;
  readonly places: PlaceStore;

  private backupWarned = false;
  /** A read-only data dir's private snapshot folder (see openSnapshot), removed on close. */
  private snapshotDir: string | null = null;

  /** With a `backupTo` data dir, every change to the user's own work rewrites its backup there. */
  constructor(
    private readonly db: Db,
    private readonly backupTo?: string,
  ) {
    this.albums = new AlbumStore(db, {
      writeFts: (id) => this.writeFts(id),
      userChanged: () => this.userChanged(),
    });
    this.search = new SearchStore(db);
    this.text = new TextStore(db);
    this.faces = new FaceStore(db, () => this.userChanged());
    this.places = new PlaceStore(db);
  }

  /**
   * Opens a data dir's library. A data dir Glimpse may not write (a read-only mount, another
   * user's) opens read-only: search, browse and status work, and every write names the folder.
   */
  static open(dataDir: string): LibraryStore {
    let db: Db;
    try {
      db = openDatabase(dataDir);
    } catch (err) {
      if (!(err instanceof NotWritable)) throw err;
      const snap = openSnapshot(dataDir);
      const store = new LibraryStore(snap.db);
      store.snapshotDir = snap.dir;
      return store;
    }
    const store = new LibraryStore(db, dataDir);
    // A library from before backups existed gets its first one now.
    if (!readUserBackup(dataDir)) store.userChanged();
    return store;
  }

  /** Opened from a read-only data dir: nothing can be written. */
  get readOnly(): boolean {
    return this.snapshotDir !== null;
  }

  /** Roots, albums (with photo hashes), the user's captions and settings, as a backup holds them. */
  exportUserData(): UserData {
    return exportUserData(this.db);
  }

  /** Adds a backup's user data (a rebuilt library starts from one). */
  importUserData(data: UserData): void {
    importUserData(this.db, data);
    this.userChanged();
  }

  /**
   * Rewrites the backup of the user's work. A backup that can't be written (a full disk, a
   * read-only data dir) never fails the change itself; it is reported once.
   */
  private userChanged(): void {
    if (!this.backupTo) return;
    try {
      writeUserBackup(this.backupTo, exportUserData(this.db));
    } catch (err) {
      if (!this.backupWarned) console.warn(`glimpse: could not back up albums and captions: ${(err as Error).message}`);
      this.backupWarned = true;
    }
  }

  close(): void {
    this.db.close();
    if (this.snapshotDir) rmSync(this.snapshotDir, { recursive: true, force: true });
    this.snapshotDir = null;
  }

  // Roots
  addRoot(path: string): number {
    const added = this.db
      .prepare('INSERT OR IGNORE INTO roots (path, added_at) VALUES (?, ?)')
      .run(path, new Date().toISOString());
    if (added.changes > 0) this.userChanged();
    return (this.db.prepare('SELECT id FROM roots WHERE path = ?').get(path) as { id: number }).id;
  }

  removeRoot(path: string): boolean {
    const removed = this.db
      .transaction(() => {
        const root = this.db.prepare('SELECT id FROM roots WHERE path = ?').get(path) as { id: number } | undefined;
        if (!root) return false;
        const ids = this.db.prepare('SELECT id FROM photos WHERE root_id = ?').all(root.id) as { id: number }[];
        const delFts = this.db.prepare('DELETE FROM photos_fts WHERE rowid = ?');
        for (const { id } of ids) delFts.run(id);
        this.db.prepare('DELETE FROM roots WHERE id = ?').run(root.id);
        return true;
      })
      .immediate();
    if (removed) this.userChanged();
    return removed;
  }

  roots(): { id: number; path: string }[] {
    return this.db.prepare('SELECT id, path FROM roots ORDER BY path').all() as { id: number; path: string }[];
  }

  // Photos
  photoByPath(path: string): PhotoRow | undefined {
    return this.db.prepare('SELECT * FROM photos WHERE path = ?').get(path) as PhotoRow | undefined;
  }

  photoById(id: number): PhotoRow | undefined {
    return this.db.prepare('SELECT * FROM photos WHERE id = ?').get(id) as PhotoRow | undefined;
  }

  photosInRoot(rootId: number): Pick<PhotoRow, 'id' | 'path' | 'size' | 'mtime_ms' | 'hash'>[] {
    return this.db
      .prepare('SELECT id, path, size, mtime_ms, hash FROM photos WHERE root_id = ?')
      .all(rootId) as PhotoRow[];
  }

  /** A photo with this content that already has a vector from `modelId` (a duplicate or a move). */
  embeddedByHash(hash: string, modelId: string): { id: number; vector: Buffer } | undefined {
    return this.db
      .prepare(
        `SELECT p.id, e.vector FROM photos p JOIN embeddings e ON e.photo_id = p.id
      WHERE p.hash = ? AND e.model_id = ? LIMIT 1`,
      )
      .get(hash, modelId) as { id: number; vector: Buffer } | undefined;
  }

  /** Inserts or replaces a photo with its vector, tags and search text, atomically. */
  upsertPhoto(p: NewPhoto, vector: Float32Array, modelId: string, tags?: PhotoTag[]): number {
    const now = new Date().toISOString();
    const existing = this.db.prepare('SELECT id FROM photos WHERE path = ?').get(p.path) as { id: number } | undefined;
    let id: number;
    if (existing) {
      id = existing.id;
      this.db
        .prepare(
          `UPDATE photos SET root_id=@root_id, folder=@folder, name=@name, size=@size, mtime_ms=@mtime_ms, hash=@hash,
        format=@format, width=@width, height=@height, taken_at=@taken_at, taken_source=@taken_source, taken_offset=@taken_offset, camera_make=@camera_make, camera_model=@camera_model,
        lat=@lat, lon=@lon, title=@title, description=@description, keywords=@keywords, indexed_at=@now WHERE id=@id`,
        )
        .run({ ...p, now, id });
      this.db.prepare('DELETE FROM photos_fts WHERE rowid = ?').run(id);
      this.db.prepare('DELETE FROM captions WHERE photo_id = ?').run(id);
      // New content: every model's vector of the old content is wrong now, not just this one's.
      this.db.prepare('DELETE FROM embeddings WHERE photo_id = ?').run(id);
    } else {
      id = Number(
        this.db
          .prepare(
            `INSERT INTO photos (root_id, path, folder, name, size, mtime_ms, hash, format, width, height, taken_at, taken_source, taken_offset,
        camera_make, camera_model, lat, lon, title, description, keywords, indexed_at) VALUES (@root_id, @path, @folder, @name, @size, @mtime_ms,
        @hash, @format, @width, @height, @taken_at, @taken_source, @taken_offset, @camera_make, @camera_model, @lat, @lon, @title, @description, @keywords, @now)`,
          )
          .run({ ...p, now }).lastInsertRowid,
      );
    }
    this.writeFts(id);
    this.setVector(id, vector, modelId, tags);
    this.db.prepare('DELETE FROM failures WHERE path = ?').run(p.path);
    return id;
  }

  /** The photo's vector from `modelId`, if it has one. */
  vector(photoId: number, modelId: string): Float32Array | undefined {
    const row = this.db
      .prepare('SELECT vector FROM embeddings WHERE photo_id = ? AND model_id = ?')
      .get(photoId, modelId) as { vector: Buffer } | undefined;
    return row ? blobToVector(row.vector) : undefined;
  }

  /**
   * Stores the photo's vector from `modelId`; its tags are replaced with `tags` (the same model's
   * detections), or dropped when the model gives none, so no tag outlives the model that made it.
   */
  setVector(photoId: number, vector: Float32Array, modelId: string, tags: PhotoTag[] = []): void {
    this.db
      .prepare('INSERT OR REPLACE INTO embeddings (photo_id, model_id, vector) VALUES (?, ?, ?)')
      .run(photoId, modelId, vectorBlob(vector));
    this.db.prepare('DELETE FROM photo_tags WHERE photo_id = ?').run(photoId);
    const ins = this.db.prepare(
      'INSERT INTO photo_tags (photo_id, model_id, label, confidence, count, area) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const t of tags) ins.run(photoId, modelId, t.label, t.confidence, t.count, t.area ?? null);
  }

  /** Drops every vector not made by `modelId` (a model switch is complete); returns how many. */
  dropVectorsExcept(modelId: string): number {
    return this.db.prepare('DELETE FROM embeddings WHERE model_id != ?').run(modelId).changes;
  }

  /** How many photos have a vector from `modelId`. */
  embeddedCount(modelId: string): number {
    return (this.db.prepare('SELECT count(*) n FROM embeddings WHERE model_id = ?').get(modelId) as { n: number }).n;
  }

  /** The photo's tags from `modelId`, most confident first. */
  tags(photoId: number, modelId?: string): PhotoTag[] {
    const rows = this.db
      .prepare(
        'SELECT label, confidence, count, area FROM photo_tags WHERE photo_id = ? AND (? IS NULL OR model_id = ?) ORDER BY confidence DESC',
      )
      .all(photoId, modelId ?? null, modelId ?? null) as (Omit<PhotoTag, 'area'> & { area: number | null })[];
    return rows.map(({ area, ...t }) => (area === null ? t : { ...t, area }));
  }

  /** A moved or renamed file: same content, new path; its vector and captions stay. */
  movePhoto(id: number, p: Pick<NewPhoto, 'root_id' | 'path' | 'folder' | 'name' | 'size' | 'mtime_ms'>): void {
    this.db
      .prepare('UPDATE photos SET root_id=?, path=?, folder=?, name=?, size=?, mtime_ms=? WHERE id=?')
      .run(p.root_id, p.path, p.folder, p.name, p.size, p.mtime_ms, id);
    this.writeFts(id);
    this.db.prepare('DELETE FROM failures WHERE path = ?').run(p.path);
  }

  /**
   * (Re)writes a photo's keyword-search row: its name, folder and its own words (title,
   * description, keywords and the user's caption), so typing any of them finds it.
   */
  writeFts(id: number): void {
    const r = this.db
      .prepare(
        `SELECT p.name, p.folder, p.title, p.description, p.keywords, c.text AS caption
      FROM photos p LEFT JOIN user_captions c ON c.hash = p.hash WHERE p.id = ?`,
      )
      .get(id) as
      | {
          name: string;
          folder: string;
          title: string | null;
          description: string | null;
          keywords: string | null;
          caption: string | null;
        }
      | undefined;
    this.db.prepare('DELETE FROM photos_fts WHERE rowid = ?').run(id);
    if (!r) return;
    this.db
      .prepare('INSERT INTO photos_fts (rowid, name, folder, text) VALUES (?, ?, ?, ?)')
      .run(id, r.name, r.folder, [r.title, r.description, r.keywords, r.caption].filter(Boolean).join(' '));
  }

  /** Photos by month taken (YYYY-MM), newest first, and how many have no date. */
  timeline(): { months: { month: string; photos: number }[]; undated: number } {
    const months = this.db
      .prepare(
        `SELECT substr(taken_at, 1, 7) AS month, count(*) AS photos FROM photos
        WHERE taken_at IS NOT NULL GROUP BY month ORDER BY month DESC`,
      )
      .all() as { month: string; photos: number }[];
    const { n } = this.db.prepare('SELECT count(*) AS n FROM photos WHERE taken_at IS NULL').get() as { n: number };
    return { months, undated: n };
  }

  /** Photos newest first (by date taken, then by path), with the search filters, optionally in one album. */
  browse(opts: SearchFilters & { album?: number; limit: number; offset: number }): { total: number; rows: PhotoRow[] } {
    const f = filterSql(opts);
    const params: unknown[] = [...f.params];
    let w = `WHERE 1${f.sql}`;
    if (opts.album) {
      w += ' AND p.hash IN (SELECT hash FROM album_items WHERE album_id = ?)';
      params.push(opts.album);
    }
    const total = (this.db.prepare(`SELECT count(*) n FROM photos p ${w}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT p.* FROM photos p ${w} ORDER BY p.taken_at IS NULL, p.taken_at DESC, p.path LIMIT ? OFFSET ?`)
      .all(...params, opts.limit, opts.offset) as PhotoRow[];
    return { total, rows };
  }

  deletePhoto(id: number): void {
    this.db.prepare('DELETE FROM photos_fts WHERE rowid = ?').run(id);
    this.db.prepare('DELETE FROM photos WHERE id = ?').run(id);
  }

  recordFailure(
    rootId: number | null,
    path: string,
    reason: string,
    detail: string | null,
    severity: 'error' | 'warning' = 'error',
    stat?: { size: number; mtimeMs: number },
  ): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO failures (path, root_id, reason, detail, severity, size, mtime_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        path,
        rootId,
        reason,
        detail,
        severity,
        stat?.size ?? null,
        stat ? Math.floor(stat.mtimeMs) : null,
        new Date().toISOString(),
      );
  }

  /** A failure already recorded for this exact file version: skip it until it changes. */
  knownFailure(path: string, size: number, mtimeMs: number): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM failures WHERE path = ? AND size = ? AND mtime_ms = ? AND severity = 'error'")
        .get(path, size, Math.floor(mtimeMs)) !== undefined
    );
  }

  clearFailuresUnder(rootId: number, seen: Set<string>): void {
    const rows = this.db.prepare('SELECT path FROM failures WHERE root_id = ?').all(rootId) as { path: string }[];
    const del = this.db.prepare('DELETE FROM failures WHERE path = ?');
    for (const r of rows) if (!seen.has(r.path)) del.run(r.path);
  }

  /**
   * Marks a file as being decoded (an 'in-progress' note, with this file version); returns how
   * many earlier runs left the same mark, i.e. died while decoding it.
   */
  beginDecode(rootId: number, path: string, size: number, mtimeMs: number): number {
    const row = this.db
      .prepare("SELECT detail FROM failures WHERE path = ? AND reason = 'in-progress' AND size = ? AND mtime_ms = ?")
      .get(path, size, Math.floor(mtimeMs)) as { detail: string | null } | undefined;
    const attempts = row ? Number(row.detail) || 1 : 0;
    this.recordFailure(rootId, path, 'in-progress', String(attempts + 1), 'warning', { size, mtimeMs });
    return attempts;
  }

  /** Clears the decode mark once the decoder came back (with a photo or with an error). */
  endDecode(path: string): void {
    this.db.prepare("DELETE FROM failures WHERE path = ? AND reason = 'in-progress'").run(path);
  }

  /** A failure or note is recorded for this path. */
  hasFailure(path: string): boolean {
    return this.db.prepare('SELECT 1 FROM failures WHERE path = ?').get(path) !== undefined;
  }

  failures(limit = 1000): Failure[] {
    return this.db
      .prepare('SELECT path, reason, detail, severity FROM failures ORDER BY reason, path LIMIT ?')
      .all(limit) as Failure[];
  }

  counts(modelId: string | null): {
    photos: number;
    embedded: number;
    stale: number;
    failures: number;
    warnings: number;
    /** Photos with at least one tag from this model. */
    tagged: number;
  } {
    const one = (sql: string, ...args: unknown[]) => (this.db.prepare(sql).get(...args) as { n: number }).n;
    const photos = one('SELECT count(*) n FROM photos');
    const embedded = modelId ? this.embeddedCount(modelId) : 0;
    return {
      photos,
      embedded,
      stale: photos - embedded,
      failures: one("SELECT count(*) n FROM failures WHERE severity = 'error'"),
      warnings: one("SELECT count(*) n FROM failures WHERE severity = 'warning'"),
      tagged: modelId ? one('SELECT count(DISTINCT photo_id) n FROM photo_tags WHERE model_id = ?', modelId) : 0,
    };
  }

  /** Photos without a vector from `modelId`: re-embedded in the background after a model change. */
  staleForModel(modelId: string, limit: number): PhotoRow[] {
    return this.db
      .prepare(
        `SELECT p.* FROM photos p
      WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.photo_id = p.id AND e.model_id = ?) ORDER BY p.id LIMIT ?`,
      )
      .all(modelId, limit) as PhotoRow[];
  }

  getMeta(key: string): string | null {
    return (
      (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null
    );
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
    if ((USER_SETTING_KEYS as readonly string[]).includes(key)) this.userChanged();
  }

  deleteMeta(key: string): void {
    this.db.prepare('DELETE FROM meta WHERE key = ?').run(key);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
