/**
 * Captions built from what the detector found in a photo ("a dog and a bicycle", "an animal"):
 * grounded in the photo, so they can be offered where the caption bank has nothing close.
 */
import { WordNet } from '../engine/words/wordnet.js';
import { classSenses } from '../engine/tags/tag-words.js';
import type { DetectedTag } from '../engine/tags/detect.js';

/**
 * The lowest tag confidence a caption names. Above the tag floor (0.2), because a caption is
 * stated as fact: on darknet's photos this keeps every object but the faintest (a dog at 0.25)
 * and drops the painting's false suitcase (0.27) (docs/MODEL.md).
 */
export const CAPTION_TAG_FLOOR = 0.3;

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

/** Candidate captions for a photo's tags, most specific first; none for a photo without tags. */
export function groundedCaptions(tags: DetectedTag[], wn = WordNet.open()): string[] {
  const labels = tags
    .filter((t) => t.confidence >= CAPTION_TAG_FLOOR)
    .sort((a, b) => b.confidence - a.confidence)
    .map((t) => t.label);
  if (labels.length === 0) return [];
  const out: string[] = [];
  for (let n = Math.min(MAX_OBJECTS, labels.length); n >= 1; n--) out.push(join(labels.slice(0, n).map(article)));
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
