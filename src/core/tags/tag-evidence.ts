/**
 * The detector's tags as evidence for a text, shared by search (a query against every photo's
 * tags) and captions (every caption against one photo's tags): which classes a text's words name
 * through WordNet, with the counts it asks for, and how much a photo's tags answer them.
 */
import { tokenize } from '../language/tokenizer.js';
import { tagsForWord, type TagMatch } from './tag-words.js';
import type { DetectedTag } from './detect.js';
import { STOP_WORDS } from '../language/query-words.js';
import { countsInQuery, satisfies, type CountWanted } from '../language/count-words.js';

/** A class a text names, and how many of it the text asks for ("two people"). */
export type NamedTag = TagMatch & { wanted?: CountWanted };

/** The text's content words, once each, in order; with `pairs`, adjacent pairs too ("hot dog"). */
export function contentWords(text: string, pairs = false): string[] {
  const words = tokenize(text).filter((t) => /[\p{L}\p{N}]/u.test(t) && !STOP_WORDS.has(t));
  const joined = pairs ? words.slice(1).map((w, i) => `${words[i]} ${w}`) : [];
  return [...new Set([...words, ...joined])];
}

/** Words' classes, kept: a caption bank of thousands of texts repeats most of its words. */
const wordClasses = new Map<string, TagMatch[]>();
/** Enough for a bank's words and a session's queries; past it the memo starts again. */
const MAX_WORDS = 50_000;

function classesOf(word: string): TagMatch[] {
  let out = wordClasses.get(word);
  if (!out) {
    if (wordClasses.size >= MAX_WORDS) wordClasses.clear();
    wordClasses.set(word, (out = tagsForWord(word)));
  }
  return out;
}

/**
 * The classes the text's words (and word pairs) name, by label. A class one word names directly
 * and another only as a category ("a dog, an animal") counts as named directly.
 */
export function namedTags(text: string): Map<string, NamedTag> {
  const matches = new Map<string, NamedTag>();
  const counts = countsInQuery(text);
  for (const w of contentWords(text, true)) {
    for (const m of classesOf(w)) {
      const wanted = counts.get(w) ?? matches.get(m.label)?.wanted;
      if (!matches.has(m.label) || m.via !== 'category') matches.set(m.label, { ...m, ...(wanted ? { wanted } : {}) });
    }
  }
  return matches;
}

/**
 * One tag's vote: a class the text names counts 2, a category it belongs to ("animal" for a dog)
 * 1. A count the text asks for that the photo has doubles the vote; one it lacks halves it (the
 * photo still holds people, just not two).
 */
export function tagWeight(via: TagMatch['via'], counted?: boolean): number {
  const base = via === 'category' ? 1 : 2;
  return counted === undefined ? base : counted ? base * 2 : base / 2;
}

/** A tag as shown on a hit: "dog", or "person ×2". */
export const shownTag = (label: string, count: number): string => (count > 1 ? `${label} ×${count}` : label);

/**
 * How much a photo's tags answer the classes a text names: the sum of the votes of each named
 * class the photo holds ("a person with a dog" on a photo of both: two votes), each scaled by the
 * detector's confidence (as search ranks tag hits by it), and those tags as shown. Weight 0 and
 * no tags shown when the photo holds none of them.
 */
export function tagVote(
  named: Map<string, NamedTag>,
  tags: readonly DetectedTag[],
): { weight: number; shown: string[] } {
  let weight = 0;
  const shown: string[] = [];
  for (const t of tags) {
    const m = named.get(t.label);
    if (!m) continue;
    weight += tagWeight(m.via, m.wanted ? satisfies(t.count, m.wanted) : undefined) * t.confidence;
    shown.push(shownTag(t.label, t.count));
  }
  return { weight, shown };
}
