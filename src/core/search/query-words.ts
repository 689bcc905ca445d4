/**
 * Query words the sentence encoder's vocabulary lacks would all become <unk>, so "猫", "кошка"
 * and "🐱" gave one identical ranking. Each such word is replaced by its nearest relative that the
 * vocabulary has, through WordNet: a synonym, then a hypernym, then a hyponym (plurals through the
 * noun morphology). What was mapped, and what stayed unknown, is reported with the results.
 */
import { WordNet } from '../engine/words/wordnet.js';
import { tokenize } from '../engine/data/tokenizer.js';

export interface WordNote {
  word: string;
  /** The in-vocabulary word it was replaced with, and how they are related. */
  mapped?: { to: string; via: 'form' | 'synonym' | 'hypernym' | 'hyponym' };
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

function relative(wn: WordNet, word: string, knows: (w: string) => boolean): WordNote['mapped'] {
  const lemma = wn.lemma(word);
  if (lemma && lemma !== word && knows(lemma)) return { to: lemma, via: 'form' };
  const senses = wn.senses(word).slice(0, SENSES);
  const pick = (offsets: number[], via: 'synonym' | 'hypernym' | 'hyponym') => {
    for (const o of offsets)
      for (const w of wn.synset(o).words) {
        const t = w.toLowerCase();
        if (!t.includes(' ') && knows(t)) return { to: t, via };
      }
    return undefined;
  };
  return (
    pick(senses, 'synonym') ??
    pick(
      senses.flatMap((s) => wn.synset(s).hypernyms),
      'hypernym',
    ) ??
    pick(
      senses.flatMap((s) => wn.synset(s).hyponyms),
      'hyponym',
    )
  );
}

/** The query as the encoder should read it, and a note for each word it could not read as typed. */
export function mapQuery(
  query: string,
  knows: (word: string) => boolean,
  wn = WordNet.open(),
): { text: string; notes: WordNote[] } {
  const notes: WordNote[] = [];
  const out = tokenize(query).map((t) => {
    if (!/[\p{L}\p{N}]/u.test(t) || knows(t) || STOP_WORDS.has(t)) return t;
    const mapped = relative(wn, t, knows);
    notes.push(mapped ? { word: t, mapped } : { word: t, unknown: true });
    return mapped ? mapped.to : t;
  });
  return { text: out.join(' '), notes };
}
