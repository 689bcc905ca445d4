/**
 * Query words the sentence encoder's vocabulary lacks would all become <unk>, so "猫", "кошка"
 * and "🐱" gave one identical ranking. Each such word is replaced by its nearest relative that the
 * vocabulary has, through WordNet: a synonym, then a hypernym, then a hyponym (plurals through the
 * noun morphology); a query word none of those reads is read by the known words of its definition.
 * What was mapped, and what stayed unknown, is reported with the results.
 */
import { WordNet } from './wordnet.js';
import { tokenize } from './tokenizer.js';

export interface WordNote {
  word: string;
  /** The in-vocabulary word it was replaced with (words, read by its definition), and how. */
  mapped?: { to: string; via: 'form' | 'synonym' | 'hypernym' | 'hyponym' | 'definition' };
  /** Neither the vocabulary nor WordNet knows it: it reaches the encoder as <unk>. */
  unknown?: boolean;
}

/** Words that carry no subject: never matched as keywords or tags. */
export const STOP_WORDS = new Set(
  'a an the of in on at to and or with for from by is are was be this that these those it its my our your their some any'.split(
    ' ',
  ),
);

/** Senses of a word tried, most frequent first. */
const SENSES = 2;

/**
 * How many hypernym steps a word may climb to a relative the model knows. A model trained on a
 * few thousand words lacks most species and things ("kangaroo", "sickle", "dam"), but knows
 * their categories ("mammal", "tool", "bird"), which are a few steps up.
 */
const MAX_STEPS = 6;

/**
 * Synsets this close to WordNet's root ("entity" 0, "object" 2, "whole" 3, "artifact" 4) are
 * too general to say anything a photo shows; a word that reaches only those stays unknown.
 */
const MIN_DEPTH = 5;

/** Words of a definition kept as a reading: its first, most telling ones. */
const GLOSS_WORDS = 4;

type Mapped = NonNullable<WordNote['mapped']>;

/**
 * The nearest relative the model knows: the word's base form, a synonym, what a young animal
 * grows into, a hypernym, a hyponym, then hypernyms further up, one step at a time over the
 * commonest senses (`only`: these senses instead).
 */
function relative(wn: WordNet, word: string, knows: (w: string) => boolean, only?: number[]): Mapped | undefined {
  const lemma = wn.lemma(word);
  if (lemma && lemma !== word && knows(lemma)) return { to: lemma, via: 'form' };
  // "plier" is read as "pliers", the tool.
  const plural = wn.pluralMeant(word);
  if (plural) {
    if (knows(plural)) return { to: plural, via: 'form' };
    const read = relative(wn, plural, knows);
    if (read) return read;
  }
  // Only senses the tagged corpus attests, when it attests any: "lake" read through its second
  // sense (a pigment) would be "colour".
  const senses = only ?? wn.likelySenses(word, SENSES);
  const pick = (offsets: number[], via: Mapped['via']): Mapped | undefined => {
    for (const o of offsets) {
      if (via !== 'synonym' && wn.depth(o) < MIN_DEPTH) continue;
      for (const w of wn.synset(o).words) {
        const t = w.toLowerCase();
        // The model learned a word in its common senses: "crown" names a mountain's peak only
        // in a rare one, so it is no reading of "Mount Rushmore".
        if (!t.includes(' ') && t !== word && knows(t) && wn.senses(t).slice(0, SENSES).includes(o))
          return { to: t, via };
      }
    }
    return undefined;
  };
  const found = pick(senses, 'synonym');
  if (found) return found;
  const grown = grownRelative(wn, senses, knows);
  if (grown) return grown;
  let level = senses;
  const seen = new Set(senses);
  for (let step = 1; step <= MAX_STEPS && level.length; step++) {
    level = [...new Set(level.flatMap((s) => wn.synset(s).hypernyms))].filter((s) => !seen.has(s));
    level.forEach((s) => seen.add(s));
    const up = pick(level, 'hypernym');
    if (up) return up;
    // A kind of the word is a closer guess than a category two steps up ("tool" → "hammer").
    if (step === 1) {
      const down = pick(
        senses.flatMap((s) => wn.synset(s).hyponyms),
        'hyponym',
      );
      if (down) return down;
    }
  }
  return undefined;
}

/**
 * A young animal read as what it grows into ("lamb" → sheep, "colt" → horse), not as "young" or
 * "male", its hypernyms; in the grown one's first sense, an animal ("bullock", a young bull, is
 * not read through "bull" the heavyset man).
 */
function grownRelative(wn: WordNet, senses: number[], knows: (w: string) => boolean): Mapped | undefined {
  for (const phrase of senses.flatMap((s) => wn.grownInto(s))) {
    if (knows(phrase)) return { to: phrase, via: 'definition' };
    const first = wn.senses(phrase)[0]!;
    if (wn.grownInto(first).length) continue; // no definition loops back on itself
    const read = relative(wn, phrase, knows, [first]);
    if (read) return { to: read.to, via: 'definition' };
  }
  return undefined;
}

/**
 * A word nothing near it in WordNet's hierarchy reads: the words of its definition that the
 * model knows ("dam": "a barrier constructed to contain the flow of water…" → "water sea").
 * Only a sense the tagged corpus attests as the commonest is read, and only words it attests as
 * nouns at least as often as adjectives are kept, so "canal" (first listed as a feature of Mars),
 * "out" and "small" ("pond": "a small lake") are not read.
 */
function definitionWords(wn: WordNet, word: string, knows: (w: string) => boolean): Mapped | undefined {
  const first = wn.senses(word)[0];
  if (first === undefined || wn.tagged(word) === 0) return undefined;
  // The definition proper: before its examples, without a field label such as "(astronomy)".
  const definition = wn
    .synset(first)
    .gloss.split(';')[0]!
    .replace(/\([^)]*\)/g, ' ');
  const tokens = tokenize(definition);
  // In "a body of water", "a steep face of rock", the word after "of" names the thing.
  const words = tokens.filter((_, i) => tokens[i + 1] !== 'of');
  const kept = words.filter(
    (t) => !STOP_WORDS.has(t) && t !== word && knows(t) && wn.tagged(t) > 0 && wn.tagged(t) >= wn.taggedAdjective(t),
  );
  return kept.length ? { to: [...new Set(kept)].slice(0, GLOSS_WORDS).join(' '), via: 'definition' } : undefined;
}

export interface ReadingOptions {
  wn?: WordNet;
  /**
   * Read a word no relative reads through its definition's words. For queries only: a vague
   * reading is a better guess at what a person asks for than <unk>, but scored as a caption it
   * would claim "dam" of every photo of water.
   */
  definitions?: boolean;
}

/** The query as the encoder should read it, and a note for each word it could not read as typed. */
export function mapQuery(
  query: string,
  knows: (word: string) => boolean,
  { wn = WordNet.open(), definitions = false }: ReadingOptions = {},
): { text: string; notes: WordNote[] } {
  const notes: WordNote[] = [];
  const tokens = tokenize(query);
  const readable = (t: string) => !/[\p{L}\p{N}]/u.test(t) || knows(t) || STOP_WORDS.has(t);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    // A name WordNet has as a phrase ("northern harrier", "polar bear") is read as one.
    const next = tokens[i + 1];
    if (next && !STOP_WORDS.has(t) && !STOP_WORDS.has(next) && !(readable(t) && readable(next))) {
      const phrase = `${t} ${next}`;
      const mapped = wn.senses(phrase).length ? relative(wn, phrase, knows) : undefined;
      if (mapped) {
        notes.push({ word: phrase, mapped });
        out.push(mapped.to);
        i++;
        continue;
      }
    }
    if (readable(t)) {
      out.push(t);
      continue;
    }
    const mapped = relative(wn, t, knows) ?? (definitions ? definitionWords(wn, t, knows) : undefined);
    notes.push(mapped ? { word: t, mapped } : { word: t, unknown: true });
    out.push(mapped ? mapped.to : t);
  }
  return { text: out.join(' '), notes };
}

/**
 * A text as the encoder should read it: unknown words mapped as in a query. Caption-bank and
 * album texts go through this too, so "a kangaroo" is scored as "a mammal", not as <unk>.
 */
export function readableText(text: string, knows: ((word: string) => boolean) | undefined): string {
  return knows ? mapQuery(text, knows).text : text;
}
