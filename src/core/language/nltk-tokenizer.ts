/**
 * NLTK's `word_tokenize(text, preserve_line=True)` (its NLTKWordTokenizer, NLTK 3.8), which the
 * released VSE++ models' vocabularies were built with: a model only knows its words as NLTK cut
 * them ("man's" → "man", "'s"; "can't" → "ca", "n't"; quotes → `` and ''). The rules are NLTK's
 * regular expressions, in NLTK's order. A port, because the npm tokenizers that follow the
 * Treebank rules differ from it (quotes) and come with database clients as dependencies.
 */

/** Python's `\w` and `\b` for ASCII text, the vocabularies' alphabet. */
const STARTING_QUOTES: [RegExp, string][] = [
  [/([«“‘„]|[`]+)/gu, ' $1 '],
  [/^"/u, '``'],
  [/(``)/gu, ' $1 '],
  [/([ ([{<])("|'{2})/gu, '$1 `` '],
  [/(')(?!re|ve|ll|m|t|s|d|n)(\w)\b/giu, '$1 $2'],
];

const PUNCTUATION: [RegExp, string][] = [
  [/([^.])(\.)([\])}>"'»”’ ]*)\s*$/u, '$1 $2 $3 '],
  [/([:,])([^\d])/gu, ' $1 $2'],
  [/([:,])$/u, ' $1 '],
  [/\.{2,}/gu, ' $& '],
  [/[;@#$%&]/gu, ' $& '],
  [/([^.])(\.)([\])}>"']*)\s*$/u, '$1 $2$3 '],
  [/[?!]/gu, ' $& '],
  [/([^'])' /gu, "$1 ' "],
  [/[*]/gu, ' $& '],
];

const PARENS_BRACKETS: [RegExp, string] = [/[\][(){}<>]/gu, ' $& '];
const DOUBLE_DASHES: [RegExp, string] = [/--/gu, ' -- '];

const ENDING_QUOTES: [RegExp, string][] = [
  [/([»”’])/gu, ' $1 '],
  [/''/gu, " '' "],
  [/"/gu, " '' "],
  [/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 '],
  [/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 '],
];

/** Robert MacIntyre's contractions, as NLTK lists them. */
const CONTRACTIONS: RegExp[] = [
  /\b(can)(not)\b/giu,
  /\b(d)('ye)\b/giu,
  /\b(gim)(me)\b/giu,
  /\b(gon)(na)\b/giu,
  /\b(got)(ta)\b/giu,
  /\b(lem)(me)\b/giu,
  /\b(more)('n)\b/giu,
  /\b(wan)(na)(?=\s)/giu,
  / ('t)(is)\b/giu,
  / ('t)(was)\b/giu,
];

export function nltkWordTokenize(text: string): string[] {
  // Each rule replaces every match in the previous rule's output, as Python's re.sub does.
  let t = text;
  for (const [re, to] of [...STARTING_QUOTES, ...PUNCTUATION, PARENS_BRACKETS, DOUBLE_DASHES]) t = t.replace(re, to);
  t = ` ${t} `;
  for (const [re, to] of ENDING_QUOTES) t = t.replace(re, to);
  for (const re of CONTRACTIONS) t = t.replace(re, ' $1 $2 ');
  return t.split(/\s+/u).filter(Boolean);
}

/** vsepp's caption tokens: NLTK's word_tokenize of the lower-cased caption. */
export function vseppTokenize(caption: string): string[] {
  return nltkWordTokenize(caption.toLowerCase());
}
