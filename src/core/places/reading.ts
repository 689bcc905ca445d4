/**
 * Place names read from a search query: "Paris", "beach in Spain", "snow in Norway". A name is
 * read only where the reading is plain: it is not an ordinary English word ("Paris", "Norway"),
 * or it is introduced by "in", "at", "from" or "near" ("beach in Nice": "Nice beach" is a nice
 * beach; "Orange", "Mobile" and "Bath" likewise). Among towns of one name the largest is meant
 * when it is ten times the next ("Paris" is not Paris, Texas); else the reading is said to be
 * ambiguous, and "Springfield, US" settles it.
 */
import { countryList, countryName, type Gazetteer } from './gazetteer.js';

export type PlaceReading =
  | { kind: 'city'; label: string; words: string; cityId: number; lat: number; lon: number; km: number }
  | { kind: 'country'; label: string; words: string; country: string };

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
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
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

/** Names people say for towns GeoNames calls otherwise. */
const TOWN_ALIASES: Record<string, string> = { 'new york': 'new york city', nyc: 'new york city' };

const INTRODUCED = /^(?:in|at|from|near)$/i;
/** A town read without an introduction must be this large: a rare word is rarely a small town. */
const BARE_POPULATION = 15_000;
/** An introduced ordinary word in lower case ("beach in nice") is read for a town this large. */
const LOWER_POPULATION = 100_000;
/** The largest town of a name is the one meant when it is this many times the next. */
const DOMINANT = 10;
const MAX_WORDS = 4;

export const normalise = (s: string) =>
  s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[’']/g, "'").trim();

/** How far from a town's centre its photos may be: grows with the square root of its people. */
export const townKm = (population: number) => Math.max(2, Math.min(30, 0.01 * Math.sqrt(population)));

export class PlaceNames {
  private towns: Map<string, number[]> | null = null;
  private readonly countries = new Map<string, string>();

  constructor(
    private readonly gazetteer: Gazetteer,
    private readonly commonWord: (word: string) => boolean,
  ) {
    for (const c of countryList()) this.countries.set(normalise(c.name), c.code);
    for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) this.countries.set(alias, code);
  }

  /** Towns of a name, largest first ("new york" is GeoNames' "New York City"). */
  private townsNamed(name: string): number[] {
    name = TOWN_ALIASES[name] ?? name;
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

  read(query: string): PlacesReading {
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
        let towns = country ? [] : this.townsNamed(key);
        if (!country && towns.length === 0) continue;
        // Only a word sequence that names a place is looked up in WordNet.
        const before = tokens[i - 1];
        const introduced = !!before && INTRODUCED.test(before.text);
        const capitalised = words.every((w) => /^\p{Lu}/u.test(w.text));
        const common = this.commonWord(key);
        const top = towns[0] === undefined ? 0 : g.population[towns[0]]!;
        const readable = !common
          ? country !== undefined || introduced || top >= BARE_POPULATION
          : introduced && (capitalised || country !== undefined || top >= LOWER_POPULATION);
        if (!readable) continue;
        let end = i + n;
        const start = introduced ? before!.at : words[0]!.at;
        const said = () => query.slice(start, tokens[end - 1]!.at + tokens[end - 1]!.text.length);
        if (country) places.push({ kind: 'country', label: countryName(country), words: said(), country });
        else {
          // "Springfield, US" or "Paris France": the country that follows settles which town.
          const next = tokens.slice(end).filter((t) => t.text !== ',');
          for (let k = Math.min(3, next.length); k >= 1; k--) {
            const code = this.countries.get(
              normalise(
                next
                  .slice(0, k)
                  .map((t) => t.text)
                  .join(' '),
              ),
            );
            if (!code || tokens[end]?.text === undefined) continue;
            const within = towns.filter((t) => g.countries[t] === code);
            if (within.length) {
              towns = within;
              end = tokens.indexOf(next[k - 1]!) + 1;
            }
            break;
          }
          const [a, b] = towns;
          if (b !== undefined && g.population[a!]! < DOMINANT * g.population[b]!) {
            // Not read: the words are searched as words, and the user is told why.
            const lands = [...new Set(towns.map((t) => g.countries[t]!))];
            notes.push(
              lands.length === 1
                ? `“${text}” could be several places in ${countryName(lands[0]!)}: not read as a place`
                : `“${text}” could be several places (${lands.slice(0, 3).map(countryName).join(', ')}…): add the country, as in “${g.names[a!]}, ${countryName(g.countries[a!]!)}”`,
            );
            i = end - 1;
            break;
          } else {
            const t = a!;
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
