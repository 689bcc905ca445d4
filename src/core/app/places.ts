/**
 * Where and when, for the app: the gazetteer (loaded once, on first need), the places list, and
 * a search query's reading of places and dates into filters, with what was read said back.
 */
import type { Outputs, SearchReading } from '../../shared/contract.js';
import { GlimpseError } from '../base/errors.js';
import { readDates } from '../language/dates.js';
import { WordNet } from '../language/wordnet.js';
import { countryName, Gazetteer, regionName } from '../places/gazetteer.js';
import { PlaceNames, townKm, type PlaceReading } from '../places/reading.js';
import type { SearchFilters } from '../store/sql.js';
import type { LibraryStore } from '../store/store.js';

let shared: { gazetteer: Gazetteer; names: PlaceNames | null } | null = null;

/** The gazetteer, read once per process (the index stage and query reading share it). */
export function gazetteer(): Gazetteer {
  shared ??= { gazetteer: Gazetteer.load(), names: null };
  return shared.gazetteer;
}

function placeNames(): PlaceNames {
  const g = gazetteer();
  shared!.names ??= new PlaceNames(g, (w) => WordNet.open().commonWord(w));
  return shared!.names;
}

const toFilter = (p: PlaceReading): NonNullable<SearchFilters['places']>[number] =>
  p.kind === 'country'
    ? { country: p.country }
    : p.kind === 'region'
      ? { region: p.region }
      : { cityId: p.cityId, lat: p.lat, lon: p.lon, km: p.km };

export interface QueryReading {
  filters: Pick<SearchFilters, 'since' | 'until' | 'days' | 'places'>;
  reading: SearchReading;
  rest: string;
}

/**
 * Reads dates from the query, then places (only where words are left and the library has placed
 * photos: else no photo could match, and the words are searched as words). `place` and `year` are the same
 * filters given outright; a place given outright that reads as none is refused, by name.
 */
export function readWhereWhen(
  store: LibraryStore,
  query: string,
  given: { place?: string; year?: number; town?: number; since?: string; until?: string },
  now = new Date(),
): QueryReading {
  const dates = readDates(query, now);
  // Where the library's photos were taken, read once and only if a name has several meanings.
  let library: ReturnType<LibraryStore['places']['held']> | undefined;
  const held = () => (library ??= store.places.held());
  // Nothing left to read (a browse, or a query of dates only), or no placed photo to match: the
  // gazetteer and its name index are not even loaded.
  const places =
    dates.rest && store.places.any()
      ? placeNames().read(dates.rest, held)
      : { places: [], rest: dates.rest, notes: [] };
  const all = [...places.places];
  if (given.place) {
    const r = placeNames().read(`in ${given.place}`, held);
    if (r.places.length === 0)
      throw new GlimpseError(
        'not-found',
        r.notes[0] ?? `“${given.place}” is not a place Glimpse knows (a town, a region or a country)`,
      );
    all.push(...r.places);
  }
  if (given.town) {
    const i = gazetteer().indexOf(given.town);
    if (i === undefined) throw new GlimpseError('not-found', `no town ${given.town} (glimpse places lists them)`);
    const g = gazetteer();
    all.push({
      kind: 'city',
      label: g.place(i).city,
      words: '',
      cityId: given.town,
      lat: g.lat[i]!,
      lon: g.lon[i]!,
      km: townKm(g.population[i]!),
    });
  }
  const spans = [...dates.dates];
  if (given.year)
    spans.push({
      label: String(given.year),
      words: '',
      since: `${given.year}-01-01`,
      until: `${given.year + 1}-01-01`,
    });
  // Every date read must hold: the latest start, the earliest end.
  let since = given.since;
  let until = given.until;
  for (const d of spans) {
    if (d.since && (!since || d.since > since)) since = d.since;
    if (d.until && (!until || d.until < until)) until = d.until;
  }
  const notes = [...dates.notes, ...places.notes];
  if (since && until && since >= until) notes.push('these dates do not overlap: no photo can match');
  return {
    filters: {
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
      ...(spans.find((d) => d.days) ? { days: spans.find((d) => d.days)!.days } : {}),
      ...(all.length ? { places: all.map(toFilter) } : {}),
    },
    reading: {
      places: places.places.map((p) => ({ label: p.label, words: p.words })),
      dates: dates.dates.map((d) => ({ label: d.label, words: d.words })),
      notes,
    },
    rest: places.rest,
  };
}

/**
 * Photos by country and town, most first: every country, or the one `country` names (ISO code);
 * at most `towns` towns each (the most photographed), with how many there are in all.
 */
export function placesList(store: LibraryStore, opts: { country?: string; towns?: number } = {}): Outputs['places'] {
  const byCountry = new Map<string, Outputs['places']['countries'][number]>();
  for (const r of store.places.counts(opts.country)) {
    const c = byCountry.get(r.country) ?? {
      code: r.country,
      name: countryName(r.country),
      photos: 0,
      towns: [],
      townCount: 0,
    };
    c.photos += r.photos;
    c.townCount++;
    if (c.towns.length < (opts.towns ?? Infinity))
      c.towns.push({ id: r.cityId, name: r.city, region: regionName(r.region), photos: r.photos });
    byCountry.set(r.country, c);
  }
  return { countries: [...byCountry.values()].sort((a, b) => b.photos - a.photos || a.name.localeCompare(b.name)) };
}
