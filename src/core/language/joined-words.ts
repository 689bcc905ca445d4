/**
 * OCR sometimes loses the spaces of a line (heavy JPEG, tight paragraphs): "gardenticket345".
 * For search, such runs are split back into dictionary words ("garden ticket 345"), with
 * WordNet's nouns (and a few common words WordNet files elsewhere) as the dictionary: letters
 * and digits are parted first, then a run of letters that is no word itself is cut into the
 * fewest, longest words that cover it exactly, if there is such a cut.
 */
import { WordNet } from './wordnet.js';

const COMMON = new Set(
  `a an and the of to in on at for with by from or no not is are be this that it we you our your
  my his her their open closed close free new old big small hot cold fresh daily best good
  welcome please only all one two three four five six seven eight nine ten`.split(/\s+/),
);

/** Runs shorter than this are left alone: a short run is likelier a name or code than two words. */
const MIN_RUN = 6;

export function splitJoinedWords(line: string, wn = WordNet.open()): string {
  const isWord = (w: string) => COMMON.has(w) || (w.length >= 2 && wn.lemma(w) !== null);
  return line
    .replace(/(\p{L})(\p{N})/gu, '$1 $2')
    .replace(/(\p{N})(\p{L})/gu, '$1 $2')
    .split(/\s+/)
    .map((token) => {
      const w = token.toLowerCase();
      if (w.length < MIN_RUN || !/^\p{L}+$/u.test(w) || isWord(w)) return token;
      const cut = bestCut(w, isWord);
      return cut ? cut.join(' ') : token;
    })
    .join(' ');
}

/** The cut into dictionary words with the fewest pieces (ties: the longest first piece). */
function bestCut(w: string, isWord: (s: string) => boolean): string[] | null {
  const best: (string[] | null)[] = Array.from({ length: w.length + 1 }, () => null);
  best[0] = [];
  for (let end = 1; end <= w.length; end++) {
    for (let start = 0; start < end; start++) {
      const head = best[start];
      const piece = w.slice(start, end);
      if (!head || !isWord(piece)) continue;
      const candidate = [...head, piece];
      const current = best[end];
      if (!current || candidate.length < current.length) best[end] = candidate;
    }
  }
  const cut = best[w.length];
  return cut && cut.length > 1 ? cut : null;
}
