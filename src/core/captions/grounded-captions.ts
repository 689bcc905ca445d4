/**
 * Captions built from what the detector found in a photo ("a dog and a bicycle", "two people and
 * a horse", "an animal"):
 * grounded in the photo, so they can be offered where the caption bank has nothing close.
 */
import { WordNet } from '../language/wordnet.js';
import { classSenses } from '../tags/tag-words.js';
import type { DetectedTag } from '../tags/detect.js';

/**
 * The lowest tag confidence a caption names. Well above the tag floor, because a caption is stated
 * as fact: a faint true object is worth a search hit, not a sentence. Chosen for precision on the
 * hand-counted real photos (`npm run bench -- detect`, docs/MODEL.md): every wrong class there
 * ("a clock" on coins, "an umbrella" on a retina) scored below 0.45.
 */
export const CAPTION_TAG_FLOOR = 0.5;

/** Most objects named in one caption: more reads as a list, not a description. */
const MAX_OBJECTS = 3;
/** Categories a caption may name instead of the objects (WordNet lemma, as said), in this order. */
const CATEGORIES: [string, string][] = [
  ['animal', 'an animal'],
  ['vehicle', 'a vehicle'],
  ['food', 'food'],
  ['furniture', 'furniture'],
  ['kitchen_utensil', 'a kitchen utensil'],
];

const article = (label: string) => `${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label}`;

/** Plurals English does not make by rule, and names already plural. */
const PLURALS: Record<string, string> = {
  person: 'people',
  knife: 'knives',
  mouse: 'mice',
  sheep: 'sheep',
  skis: 'pairs of skis',
  scissors: 'pairs of scissors',
  tv: 'TVs',
};
const NUMBER_WORDS = ['zero', 'one', 'two'];
/** The most a caption counts in words. */
export const MAX_COUNTED = 2;

export function plural(label: string): string {
  if (PLURALS[label]) return PLURALS[label];
  if (/(s|sh|ch|x)$/.test(label)) return `${label}es`;
  if (/[^aeiou]y$/.test(label)) return `${label.slice(0, -1)}ies`;
  return `${label}s`;
}

/**
 * How a caption says "this many": one or two are counted ("two people"), more are "a group of":
 * the detector undercounts crowds (three of five horses, four of five kites), so a number above
 * two would often be wrong.
 */
export function counted(label: string, count: number): string {
  if (count <= 1) return label === 'skis' || label === 'scissors' ? `a pair of ${label}` : article(label);
  if (count <= MAX_COUNTED) return `${NUMBER_WORDS[count]} ${plural(label)}`;
  return `a group of ${plural(label)}`;
}

function join(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The category phrase (e.g. "an animal") for a class WordNet puts under one of CATEGORIES. */
export function categoryOf(label: string, wn = WordNet.open()): string | null {
  const ancestors = classSenses(wn).find((c) => c.label === label)?.ancestors;
  if (!ancestors) return null;
  for (const [lemma, phrase] of CATEGORIES) if (ancestors.has(wn.senses(lemma)[0]!)) return phrase;
  return null;
}

/** The tags a caption may name, most confident first (at most MAX_OBJECTS of them are named). */
export function captionedTags(tags: readonly DetectedTag[], floor = CAPTION_TAG_FLOOR): DetectedTag[] {
  return tags.filter((t) => t.confidence >= floor).sort((a, b) => b.confidence - a.confidence);
}

/** Candidate captions for a photo's tags, most specific first; none for a photo without tags. */
export function groundedCaptions(tags: DetectedTag[], wn = WordNet.open(), floor = CAPTION_TAG_FLOOR): string[] {
  const kept = captionedTags(tags, floor);
  const labels = kept.map((t) => t.label);
  if (labels.length === 0) return [];
  const out: string[] = [];
  for (let n = Math.min(MAX_OBJECTS, kept.length); n >= 1; n--)
    out.push(join(kept.slice(0, n).map((t) => counted(t.label, t.count))));
  const cats = [
    ...new Set(
      labels
        .slice(0, MAX_OBJECTS)
        .map((l) => categoryOf(l, wn))
        .filter((c) => c !== null),
    ),
  ];
  if (cats.length === 1) out.push(cats[0]!);
  return [...new Set(out)];
}
