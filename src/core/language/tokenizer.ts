/**
 * Lower-cased word tokenisation, close to NLTK's word_tokenize that vsepp uses: words (letters,
 * digits, inner apostrophes and hyphens) and each punctuation mark as its own token.
 */
const TOKEN = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;

export function tokenize(caption: string): string[] {
  return caption.toLowerCase().normalize('NFC').match(TOKEN) ?? [];
}
