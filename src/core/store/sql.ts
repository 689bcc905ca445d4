/** Small SQL helpers the store files share: the handle's type, vector blobs and the search filters. */
import type Database from 'better-sqlite3';

export type Db = Database.Database;

/** A stored vector blob as a Float32Array (copied: SQLite's buffers need not be 4-byte aligned). */
export function blobToVector(b: Buffer): Float32Array {
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** A vector as a blob to store (the Float32Array's own bytes, not copied). */
export function vectorBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Photos whose content `readsTable` (keyed by content hash and model id) has no row of `modelId`
 * for yet, one per content, oldest first: the work left for a per-photo stage (text, faces).
 */
export function unreadContents(
  db: Db,
  readsTable: 'photo_text' | 'face_reads',
  modelId: string,
  limit: number,
): { id: number; path: string; hash: string }[] {
  return db
    .prepare(
      `SELECT min(p.id) AS id, p.path, p.hash FROM photos p
      WHERE NOT EXISTS (SELECT 1 FROM ${readsTable} r WHERE r.hash = p.hash AND r.model_id = ?)
      GROUP BY p.hash ORDER BY min(p.id) LIMIT ?`,
    )
    .all(modelId, limit) as { id: number; path: string; hash: string }[];
}

/** A LIKE pattern (with \\ as the escape) for every path under `folder`. */
export function underFolder(folder: string): string {
  return `${folder.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/[/\\]+$/, '')}/%`;
}

export interface SearchFilters {
  /** ISO dates (inclusive since, exclusive until), compared with the date taken. */
  since?: string;
  until?: string;
  /** Only photos under this folder (absolute path prefix). */
  folder?: string;
  /** Camera make or model, case-insensitive substring. */
  camera?: string;
  hasGps?: boolean;
  /** Only photos the detector tagged with this class (e.g. "dog"). */
  tag?: string;
  /** Only photos showing every one of these people (their ids). */
  people?: number[];
  /** Days of every year, MM-DD inclusive ("12-24" to "12-26"), by the date taken. */
  days?: [string, string];
  /**
   * Only photos taken in one of these places: a country (ISO code), a region (GeoNames' key,
   * "US.CA"), or a town (its own photos, and any within `km` of its centre).
   */
  places?: ({ country: string } | { region: string } | { cityId: number; lat: number; lon: number; km: number })[];
  /** Only photos within this box (west > east: the box crosses the 180th meridian). */
  within?: GeoBox;
}

export interface GeoBox {
  south: number;
  west: number;
  north: number;
  east: number;
}

/**
 * The condition that a position (`lat`, `lon` columns, after `prefix`) is within the box: a
 * box whose west is east of its east crosses the 180th meridian.
 */
export function withinBox(box: GeoBox, prefix = ''): { sql: string; params: number[] } {
  const [lat, lon] = [`${prefix}lat`, `${prefix}lon`];
  const across = box.west <= box.east ? `${lon} BETWEEN ? AND ?` : `(${lon} >= ? OR ${lon} <= ?)`;
  return { sql: `${lat} BETWEEN ? AND ? AND ${across}`, params: [box.south, box.north, box.west, box.east] };
}

/** SQL conditions (to AND onto a query over `photos p`) for the search filters. */
export function filterSql(f: SearchFilters): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.since) {
    parts.push('p.taken_at >= ?');
    params.push(f.since);
  }
  if (f.until) {
    parts.push('p.taken_at < ?');
    params.push(f.until);
  }
  if (f.folder) {
    parts.push("(p.path = ? OR p.path LIKE ? ESCAPE '\\')");
    params.push(f.folder, underFolder(f.folder));
  }
  if (f.camera) {
    parts.push("(lower(coalesce(p.camera_make,'') || ' ' || coalesce(p.camera_model,'')) LIKE ?)");
    params.push(`%${f.camera.toLowerCase()}%`);
  }
  if (f.hasGps !== undefined) parts.push(f.hasGps ? 'p.lat IS NOT NULL' : 'p.lat IS NULL');
  if (f.tag) {
    parts.push('EXISTS (SELECT 1 FROM photo_tags t WHERE t.photo_id = p.id AND t.label = ?)');
    params.push(f.tag.toLowerCase());
  }
  if (f.days) {
    const [from, to] = f.days;
    parts.push(
      from <= to
        ? "strftime('%m-%d', p.taken_at) BETWEEN ? AND ?"
        : "(strftime('%m-%d', p.taken_at) >= ? OR strftime('%m-%d', p.taken_at) <= ?)",
    );
    params.push(from, to);
  }
  if (f.places?.length) {
    const any = f.places.map((pl) => {
      if ('region' in pl) {
        params.push(pl.region);
        return 'EXISTS (SELECT 1 FROM places x WHERE x.hash = p.hash AND x.region = ?)';
      }
      if ('country' in pl) {
        params.push(pl.country);
        return 'EXISTS (SELECT 1 FROM places x WHERE x.hash = p.hash AND x.country = ?)';
      }
      const dLat = pl.km / 111.2;
      const dLon = pl.km / (111.2 * Math.max(0.05, Math.cos((pl.lat * Math.PI) / 180)));
      params.push(pl.cityId, pl.lat - dLat, pl.lat + dLat, pl.lon - dLon, pl.lon + dLon);
      return '(EXISTS (SELECT 1 FROM places x WHERE x.hash = p.hash AND x.city_id = ?) OR (p.lat BETWEEN ? AND ? AND p.lon BETWEEN ? AND ?))';
    });
    parts.push(`(${any.join(' OR ')})`);
  }
  if (f.within) {
    const w = withinBox(f.within, 'p.');
    parts.push(w.sql);
    params.push(...w.params);
  }
  for (const id of f.people ?? []) {
    parts.push('EXISTS (SELECT 1 FROM faces fa WHERE fa.hash = p.hash AND fa.person_id = ?)');
    params.push(id);
  }
  return { sql: parts.length ? ` AND ${parts.join(' AND ')}` : '', params };
}
