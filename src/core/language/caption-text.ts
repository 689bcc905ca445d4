/**
 * Which caption-bank texts read as captions a person would accept. The shipped bank comes from
 * clip-art titles and keywords and emoji names; it holds file-name fragments ("muffin1",
 * "rondelle orange 01"), keyword soups ("bread food breads and carbs"), catalogue titles
 * ("Australia - Tasmania") and real people's names, none of which may describe someone's photo.
 */
import { WordNet } from './wordnet.js';

/** Words that make a phrase read as language rather than a keyword list ("and" alone does not). */
const FUNCTION_WORDS = new Set(
  'a an the of in on at with by for to from over under into onto near beside behind holding wearing riding sitting standing is are'.split(
    ' ',
  ),
);

/** The longest keyword-only phrase still taken as a caption ("red apple", "dog and cat"). */
const MAX_BARE_WORDS = 3;

let personInstances: Map<string, boolean> | null = null;

/** Whether WordNet's first sense of `phrase` is a named instance of a person (a real person). */
function namesRealPerson(wn: WordNet, phrase: string, person: number): boolean {
  personInstances ??= new Map();
  const hit = personInstances.get(phrase);
  if (hit !== undefined) return hit;
  const first = wn.senses(phrase)[0];
  let result = false;
  if (first !== undefined) {
    const s = wn.synset(first);
    result = s.instanceOf.length > 0 && wn.ancestors(first).has(person);
  }
  personInstances.set(phrase, result);
  return result;
}

/** The bank text as shown: emoji names lose their "emoji" tag and skin-tone qualifiers. */
export function cleanCaption(text: string): string {
  return text
    .replace(/,?\s*(light|medium-light|medium|medium-dark|dark) skin tone/gi, '')
    .replace(/\s+emoji$/i, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** True for a text a person would accept as a caption of their photo. */
export function isNaturalCaption(text: string, wn = WordNet.open()): boolean {
  if (!text || /\d/.test(text)) return false; // file-name fragments, numbered variants
  if (/[_()[\]{}|/\\#@*=<>]| - |:/.test(text)) return false; // catalogue titles, paths
  const words = text
    .toLowerCase()
    .replace(/[,.!?]/g, '')
    .split(/\s+/);
  if (words.length > 12 || words.some((w) => w.length > 15)) return false;
  if (words.length > MAX_BARE_WORDS && !words.some((w) => FUNCTION_WORDS.has(w))) return false; // keyword soup
  if (FUNCTION_WORDS.has(words[words.length - 1]!)) return false; // a phrase cut short ("man with")
  // Mostly words WordNet knows as nouns: other languages and run-together keywords are not.
  const content = words.filter((w) => !FUNCTION_WORDS.has(w) && w !== 'and');
  if (content.filter((w) => wn.lemma(w) !== null).length * 2 < content.length) return false;
  const person = wn.senses('person')[0]!;
  for (let n = 3; n >= 1; n--) {
    for (let i = 0; i + n <= words.length; i++) {
      const phrase = words.slice(i, i + n).join(' ');
      // Only phrases WordNet files as a person's name ("martin luther king", "lincoln").
      if (namesRealPerson(wn, phrase, person)) return false;
    }
  }
  return true;
}

/** The bank as captions: cleaned, natural ones only, each once (case-insensitively). */
export function naturalCaptions(bank: string[], wn = WordNet.open()): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of bank) {
    const text = cleanCaption(raw);
    const key = text.toLowerCase();
    if (seen.has(key) || !isNaturalCaption(text, wn)) continue;
    seen.add(key);
    out.push(text);
  }
  return out;
}
