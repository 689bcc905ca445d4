/**
 * Place names read from a search query: "Paris", "beach in Spain", "snow in Bavaria". A name is
 * read only where the reading is plain: it is not an ordinary English word ("Paris", "Norway"),
 * or it is introduced by "in", "at", "from" or "near" ("beach in Nice": "Nice beach" is a nice
 * beach; "Orange", "Mobile" and "Bath" likewise). A country's name is the country; a region's
 * (state, province) is the region, towns of its name in it included ("New York" is the state,
 * New York City with it). Among regions and towns of one name, those the library has photos in
 * are meant; of those, the largest when it is ten times the next ("Paris" is not Paris, Texas),
 * or twice and more prominent (Florence, Italy, a region's seat, over Florence, Alabama); else
 * the reading is said to be ambiguous, and "Springfield, Illinois" or "Springfield, US" settles it.
 */
import { countryList, countryName, regionList, regionName, type Gazetteer } from './gazetteer.js';

export type PlaceReading =
  | { kind: 'city'; label: string; words: string; cityId: number; lat: number; lon: number; km: number }
  | { kind: 'region'; label: string; words: string; region: string }
  | { kind: 'country'; label: string; words: string; country: string };

/** The towns (GeoNames ids) and regions a library has photos in. */
export interface LibraryPlaces {
  towns: Set<number>;
  regions: Set<string>;
}

/** A region or a town a name may mean, and how many people live there (a region: its towns). */
type Candidate = { region: string; people: number; rank: number } | { town: number; people: number; rank: number };

export interface PlacesReading {
  places: PlaceReading[];
  rest: string;
  notes: string[];
}

/** Common English names of countries beside their ISO names. */
const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'US',
  us: 'US',
  america: 'US',
  'united states of america': 'US',
  uk: 'GB',
  britain: 'GB',
  'great britain': 'GB',
  holland: 'NL',
  'the netherlands': 'NL',
  czechia: 'CZ',
  'czech republic': 'CZ',
  russia: 'RU',
  'south korea': 'KR',
  korea: 'KR',
  vietnam: 'VN',
  iran: 'IR',
  syria: 'SY',
  bolivia: 'BO',
  venezuela: 'VE',
  tanzania: 'TZ',
  laos: 'LA',
  moldova: 'MD',
  'ivory coast': 'CI',
};

/**
 * English and local names people say for towns GeoNames calls otherwise. Each adds that town to
 * the towns of its own name (Hanover, New Hampshire stays one), and the usual rules choose.
 */
const TOWN_ALIASES: Record<string, string> = {
  nyc: 'new york city',
  cologne: 'koln',
  nuremberg: 'nurnberg',
  hanover: 'hannover',
  frankfurt: 'frankfurt am main',
  seville: 'sevilla',
  antwerp: 'antwerpen',
  bruges: 'brugge',
  ghent: 'gent',
  marseilles: 'marseille',
  lyons: 'lyon',
  berne: 'bern',
  bombay: 'mumbai',
  calcutta: 'kolkata',
  madras: 'chennai',
  bangalore: 'bengaluru',
  saigon: 'ho chi minh city',
  peking: 'beijing',
  kiev: 'kyiv',
  'st petersburg': 'saint petersburg',
  'st. petersburg': 'saint petersburg',
  rio: 'rio de janeiro',
  roma: 'rome',
  milano: 'milan',
  napoli: 'naples',
  torino: 'turin',
  firenze: 'florence',
  venezia: 'venice',
  munchen: 'munich',
  wien: 'vienna',
  praha: 'prague',
  lisboa: 'lisbon',
};

const INTRODUCED = /^(?:in|at|from|near)$/i;
/** A town read without an introduction must be this large: a rare word is rarely a small town. */
const BARE_POPULATION = 15_000;
/** An introduced ordinary word in lower case ("beach in nice") is read for a town this large. */
const LOWER_POPULATION = 100_000;
/**
 * The largest place of a name is the one meant when it is this many times the next, or
 * PROMINENT times and of a more prominent kind (a capital or a region's seat over a county's:
 * Florence, Italy over Florence, Alabama; a region over a town).
 */
const DOMINANT = 10;
const PROMINENT = 2;
const MAX_WORDS = 4;

export const normalise = (s: string) =>
  s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[’']/g, "'").trim();

/** How far from a town's centre its photos may be: grows with the square root of its people. */
export const townKm = (population: number) => Math.max(2, Math.min(30, 0.01 * Math.sqrt(population)));

export class PlaceNames {
  private towns: Map<string, number[]> | null = null;
  private regions: { named: Map<string, string[]>; people: Map<string, number> } | null = null;
  private readonly countries = new Map<string, string>();

  constructor(
    private readonly gazetteer: Gazetteer,
    private readonly commonWord: (word: string) => boolean,
  ) {
    for (const c of countryList()) this.countries.set(normalise(c.name), c.code);
    for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) this.countries.set(alias, code);
  }

  /** Towns of a name and of its alias, largest first ("cologne" is GeoNames' "Köln"). */
  private townsNamed(name: string): number[] {
    const alias = TOWN_ALIASES[name];
    if (alias !== undefined) {
      const g = this.gazetteer;
      return [...this.townsOf(name), ...this.townsOf(alias)].sort((a, b) => g.population[b]! - g.population[a]!);
    }
    return this.townsOf(name);
  }

  private townsOf(name: string): number[] {
    if (!this.towns) {
      const towns = new Map<string, number[]>();
      const g = this.gazetteer;
      for (let i = 0; i < g.size; i++) {
        const key = normalise(g.names[i]!);
        const list = towns.get(key);
        if (list) list.push(i);
        else towns.set(key, [i]);
      }
      for (const list of towns.values()) list.sort((a, b) => g.population[b]! - g.population[a]!);
      this.towns = towns;
    }
    return this.towns.get(name) ?? [];
  }

  /** Regions of a name ("georgia": US.GA), and each region's people (its towns'). */
  private regionsNamed(name: string): string[] {
    if (!this.regions) {
      const named = new Map<string, string[]>();
      for (const [key, region] of regionList()) {
        const k = normalise(region);
        named.set(k, [...(named.get(k) ?? []), key]);
      }
      const people = new Map<string, number>();
      const g = this.gazetteer;
      for (let i = 0; i < g.size; i++) {
        const r = g.regions[i]!;
        if (r) people.set(r, (people.get(r) ?? 0) + g.population[i]!);
      }
      this.regions = { named, people };
    }
    return this.regions.named.get(name) ?? [];
  }

  /**
   * What a name may mean: its regions, and its towns outside them, each that may be read here
   * (see `readable`), largest first; only those the library has photos in, where it has any.
   */
  private candidates(
    key: string,
    readable: (people: number, isRegion: boolean) => boolean,
    library?: () => LibraryPlaces,
  ): Candidate[] {
    const regions = this.regionsNamed(key);
    const g = this.gazetteer;
    const out: Candidate[] = [
      ...regions.map((region) => ({ region, people: this.regions!.people.get(region) ?? 0, rank: 3 })),
      ...this.townsNamed(key)
        .filter((t) => !regions.includes(g.regions[t]!))
        .map((town) => ({ town, people: g.population[town]!, rank: g.rank[town]! })),
    ];
    const options = out.filter((c) => readable(c.people, 'region' in c)).sort((a, b) => b.people - a.people);
    if (options.length < 2 || !library) return options;
    const { towns, regions: held } = library();
    const photographed = options.filter((c) => ('region' in c ? held.has(c.region) : towns.has(g.ids[c.town]!)));
    return photographed.length ? photographed : options;
  }

  private countryOf(c: Candidate): string {
    return 'region' in c ? c.region.split('.')[0]! : this.gazetteer.countries[c.town]!;
  }

  /**
   * The places read from `query`. `library` gives the towns (GeoNames ids) and regions the
   * library has photos in: among places of one name, those are the ones meant ("in Orange" with
   * photos from Orange, France is that Orange). Asked only when a name has several meanings.
   */
  read(query: string, library?: () => LibraryPlaces): PlacesReading {
    const tokens = [...query.matchAll(/[\p{L}\p{N}'’.-]+|,/gu)].map((m) => ({ text: m[0], at: m.index }));
    const places: PlaceReading[] = [];
    const notes: string[] = [];
    /** Character spans of the query that were read (names, their introductions, their countries). */
    const cut: [number, number][] = [];
    const g = this.gazetteer;
    for (let i = 0; i < tokens.length; i++) {
      for (let n = Math.min(MAX_WORDS, tokens.length - i); n >= 1; n--) {
        const words = tokens.slice(i, i + n);
        if (words.some((w) => w.text === ',')) continue;
        const text = query.slice(words[0]!.at, words[n - 1]!.at + words[n - 1]!.text.length);
        const key = normalise(text);
        const country = this.countries.get(key);
        if (!country && this.regionsNamed(key).length === 0 && this.townsNamed(key).length === 0) continue;
        // Only a word sequence that names a place is looked up in WordNet.
        const before = tokens[i - 1];
        const introduced = !!before && INTRODUCED.test(before.text);
        const capitalised = words.every((w) => /^\p{Lu}/u.test(w.text));
        const common = this.commonWord(key);
        // An ordinary word is a place only when introduced, and then capitalised or large (a
        // region, which ordinary words name everywhere ("Central", "Eastern"), only capitalised).
        // Another name is a place when large, or a region, or introduced and capitalised: "in
        // central park" is not Central Park, Washington (2,700 people).
        const readable = (people: number, isRegion: boolean) =>
          !common
            ? people >= BARE_POPULATION || isRegion || (introduced && capitalised)
            : introduced && (capitalised || (!isRegion && people >= LOWER_POPULATION));
        if (country && !readable(Infinity, false)) continue;
        let options = country ? [] : this.candidates(key, readable, library);
        if (!country && options.length === 0) continue;
        let end = i + n;
        const start = introduced ? before!.at : words[0]!.at;
        const said = () => query.slice(start, tokens[end - 1]!.at + tokens[end - 1]!.text.length);
        if (country) places.push({ kind: 'country', label: countryName(country), words: said(), country });
        else {
          // "Springfield, Illinois", "Springfield, US" or "Paris France": the region or country
          // that follows settles which place.
          const next = tokens.slice(end).filter((t) => t.text !== ',');
          for (let k = Math.min(3, next.length); k >= 1; k--) {
            const following = normalise(
              next
                .slice(0, k)
                .map((t) => t.text)
                .join(' '),
            );
            const code = this.countries.get(following);
            const regions = code ? [] : this.regionsNamed(following);
            if (!code && regions.length === 0) continue;
            const within = options.filter((c) =>
              code ? this.countryOf(c) === code : 'town' in c && regions.includes(g.regions[c.town]!),
            );
            if (within.length) {
              options = within;
              end = tokens.indexOf(next[k - 1]!) + 1;
            }
            break;
          }
          const [a, b] = options;
          const clear =
            b === undefined ||
            a!.people >= DOMINANT * b.people ||
            (a!.rank > b.rank && a!.people >= PROMINENT * b.people);
          if (!clear) {
            // Not read: the words are searched as words, and the user is told why.
            const lands = [...new Set(options.map((c) => this.countryOf(c)))];
            const town = options.find((c): c is Extract<Candidate, { town: number }> => 'town' in c);
            const region = town ? regionName(g.regions[town.town] || null) : null;
            notes.push(
              lands.length === 1
                ? region
                  ? `“${text}” could be several places in ${countryName(lands[0]!)}: add the region, as in “${g.names[town!.town]}, ${region}”`
                  : `“${text}” could be several places in ${countryName(lands[0]!)}: not read as a place`
                : `“${text}” could be several places (${lands.slice(0, 3).map(countryName).join(', ')}…): add the country, as in “${text}, ${countryName(lands[0]!)}”`,
            );
            i = end - 1;
            break;
          } else if ('region' in a!) {
            places.push({
              kind: 'region',
              label: `${regionName(a.region)}, ${countryName(this.countryOf(a))}`,
              words: said(),
              region: a.region,
            });
          } else {
            const t = a!.town;
            places.push({
              kind: 'city',
              label: `${g.names[t]}, ${countryName(g.countries[t]!)}`,
              words: said(),
              cityId: g.ids[t]!,
              lat: g.lat[t]!,
              lon: g.lon[t]!,
              km: townKm(g.population[t]!),
            });
          }
        }
        cut.push([start, tokens[end - 1]!.at + tokens[end - 1]!.text.length]);
        i = end - 1;
        break;
      }
    }
    let rest = query;
    for (const [a, b] of [...cut].reverse()) rest = `${rest.slice(0, a)} ${rest.slice(b)}`;
    rest = rest
      .replace(/\s*,\s*/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return { places, rest, notes };
  }
}
