/**
 * The SQL for places: the town and country each geotagged content was taken in, by content hash
 * and gazetteer version (none found is stored too, as a NULL town). Only LibraryStore builds this.
 */
import { withinBox, type Db, type GeoBox } from './sql.js';

export interface StoredPlace {
  cityId: number | null;
  city: string | null;
  /** GeoNames' region key, e.g. "US.CA". */
  region: string | null;
  country: string | null;
}

export class PlaceStore {
  constructor(private readonly db: Db) {}

  /** Geotagged contents without a place from this gazetteer (one row a content). */
  unplaced(gazetteer: string): { hash: string; lat: number; lon: number }[] {
    return this.db
      .prepare(
        `SELECT p.hash, min(p.lat) AS lat, min(p.lon) AS lon FROM photos p
        WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM places pl WHERE pl.hash = p.hash AND pl.gazetteer = ?)
        GROUP BY p.hash`,
      )
      .all(gazetteer) as { hash: string; lat: number; lon: number }[];
  }

  /** Stores contents' places in one transaction; places from other gazetteer versions go. */
  save(gazetteer: string, rows: ({ hash: string } & StoredPlace)[]): void {
    this.db
      .transaction(() => {
        const put = this.db.prepare(
          'INSERT OR REPLACE INTO places (hash, gazetteer, city_id, city, region, country) VALUES (?, ?, ?, ?, ?, ?)',
        );
        for (const r of rows) put.run(r.hash, gazetteer, r.cityId, r.city, r.region, r.country);
        this.db.prepare('DELETE FROM places WHERE gazetteer <> ?').run(gazetteer);
      })
      .immediate();
  }

  /** Whether any photo of the library has a place (else reading places from queries is moot). */
  any(): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM places pl JOIN photos p ON p.hash = pl.hash WHERE pl.city_id IS NOT NULL LIMIT 1')
        .get() !== undefined
    );
  }

  /** The towns (GeoNames ids) and regions the library's photos were taken in. */
  held(): { towns: Set<number>; regions: Set<string> } {
    const towns = new Set<number>();
    const regions = new Set<string>();
    for (const [town, region] of this.db
      .prepare('SELECT DISTINCT city_id, region FROM places WHERE city_id IS NOT NULL')
      .raw()
      .iterate() as Iterable<[number, string | null]>) {
      towns.add(town);
      if (region) regions.add(region);
    }
    return { towns, regions };
  }

  /** A content's place, from whichever gazetteer placed it. */
  placeOf(hash: string): StoredPlace | null {
    const r = this.db
      .prepare('SELECT city_id, city, region, country FROM places WHERE hash = ? AND city_id IS NOT NULL')
      .get(hash) as { city_id: number; city: string; region: string | null; country: string } | undefined;
    return r ? { cityId: r.city_id, city: r.city, region: r.region, country: r.country } : null;
  }

  /**
   * Where the geotagged photos are, for the map at one zoom: positions gathered into square cells
   * of `cell` degrees, within `box` if given (west > east: across the 180th meridian). Flat
   * septuples per cell: mean latitude and longitude, photos, then the box of its photos (south,
   * west, north, east).
   */
  points(cell: number, box?: GeoBox): number[] {
    const where = ['lat IS NOT NULL', 'lon IS NOT NULL'];
    const args: number[] = [cell, cell];
    if (box) {
      const w = withinBox(box);
      where.push(w.sql);
      args.push(...w.params);
    }
    const out: number[] = [];
    for (const row of this.db
      .prepare(
        `SELECT avg(lat), avg(lon), count(*), min(lat), min(lon), max(lat), max(lon),
          CAST((lat + 90) / ? AS INTEGER) AS y, CAST((lon + 180) / ? AS INTEGER) AS x
        FROM photos WHERE ${where.join(' AND ')} GROUP BY y, x`,
      )
      .raw()
      .iterate(...args) as Iterable<number[]>)
      out.push(...row.slice(0, 7));
    return out;
  }

  /** Photos by country (or in one country, by ISO code), then town, most first. */
  counts(country?: string): { country: string; cityId: number; city: string; region: string | null; photos: number }[] {
    return this.db
      .prepare(
        `SELECT pl.country, pl.city_id AS cityId, pl.city, pl.region, count(*) AS photos FROM places pl JOIN photos p ON p.hash = pl.hash
        WHERE pl.city_id IS NOT NULL ${country ? 'AND pl.country = ?' : ''}
        GROUP BY pl.country, pl.city_id ORDER BY pl.country, photos DESC, pl.city`,
      )
      .all(...(country ? [country] : [])) as {
      country: string;
      cityId: number;
      city: string;
      region: string | null;
      photos: number;
    }[];
  }
}
