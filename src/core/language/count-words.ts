/**
 * How many of a thing a query asks for: "two people", "3 dogs", "a couple of cats", "a group of
 * people", "several horses". Each phrase binds a count to the word after it, which the tag search
 * then matches against how many the detector found.
 */
import { tokenize } from './tokenizer.js';
import { STOP_WORDS } from './query-words.js';

/** A count a query asks for: at least `min`, at most `max` (absent: no upper bound). */
export interface CountWanted {
  min: number;
  max?: number;
}

const NUMBERS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  both: 2,
};
/** Words that ask for a pair or for "more than a couple", before an optional "of". */
const PHRASES: Record<string, CountWanted> = {
  couple: { min: 2, max: 2 },
  pair: { min: 2, max: 2 },
  group: { min: 3 },
  crowd: { min: 3 },
  bunch: { min: 3 },
  herd: { min: 3 },
  flock: { min: 3 },
  several: { min: 3 },
  many: { min: 3 },
  lots: { min: 3 },
  lot: { min: 3 },
};

/** Largest count taken from digits: "1000 people" is not something a detector counts. */
const MAX_COUNT = 50;

/** The counts the query asks for, keyed by the content word each applies to. */
export function countsInQuery(query: string): Map<string, CountWanted> {
  const words = tokenize(query).filter((t) => /[\p{L}\p{N}]/u.test(t));
  const out = new Map<string, CountWanted>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const n = NUMBERS[w] ?? (/^\d+$/.test(w) && Number(w) > 0 && Number(w) <= MAX_COUNT ? Number(w) : undefined);
    const wanted: CountWanted | undefined = n !== undefined ? { min: n, max: n } : PHRASES[w];
    if (!wanted) continue;
    // The thing counted is the next content word: "a group of young people" counts people.
    let j = i + 1;
    while (j < words.length && (STOP_WORDS.has(words[j]!) || isModifier(words[j]!))) j++;
    if (j < words.length) out.set(words[j]!, wanted);
  }
  return out;
}

/** Words between a count and its noun that are not what is counted. */
function isModifier(word: string): boolean {
  return ['small', 'large', 'big', 'little', 'young', 'old', 'other', 'more'].includes(word);
}

export function satisfies(count: number, wanted: CountWanted): boolean {
  return count >= wanted.min && (wanted.max === undefined || count <= wanted.max);
}
