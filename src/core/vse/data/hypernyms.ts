/**
 * Hypernym augmentation of training captions: "a crow on a fence" is also trained as "a bird on
 * a fence", so the sentence encoder learns the category words people type ("bird", "animal",
 * "food", "tool", "vehicle") from the specific names the corpus has. Categories are WordNet
 * synsets a person would say, most specific first; a word becomes the most specific one above it.
 */
import type { WordNet } from '../../language/wordnet.js';

/** Category word → which of its noun senses (0 = the commonest) mean the category. */
const CATEGORIES: [string, number[]][] = [
  ['dog', [0]],
  ['cat', [0]],
  ['horse', [0]],
  ['bird', [0]],
  ['fish', [0]],
  ['insect', [0]],
  ['snake', [0]],
  ['monkey', [0]],
  ['flower', [0]],
  ['tree', [0]],
  ['fruit', [0]],
  ['vegetable', [0]],
  ['car', [0]],
  ['boat', [0]],
  ['aircraft', [0]],
  ['bicycle', [0]],
  ['tower', [0]],
  ['bridge', [0]],
  ['musical instrument', [0]],
  ['animal', [0]],
  ['plant', [1]], // sense 0 is a factory
  ['food', [0, 1]],
  ['tool', [0]],
  ['vehicle', [0]],
  ['furniture', [0]],
  ['building', [0]],
  ['person', [0]],
];

const ARTICLE = /^(a|an)$/i;

export class HypernymAugmenter {
  private readonly categories: { word: string; offsets: Set<number> }[];
  private readonly cache = new Map<string, string | null>();

  constructor(private readonly wn: WordNet) {
    this.categories = CATEGORIES.map(([word, senses]) => {
      const all = wn.senses(word);
      return { word, offsets: new Set(senses.map((i) => all[i]).filter((o): o is number => o !== undefined)) };
    });
  }

  /**
   * The most specific category above the word's commonest sense, else above its second (the
   * commonest sense of "hammer" is a gun's part), or null: unknown, or a category itself.
   */
  categoryOf(word: string): string | null {
    const w = word.toLowerCase();
    if (this.cache.has(w)) return this.cache.get(w)!;
    let out: string | null = null;
    const senses = w.length > 2 ? this.wn.senses(w).slice(0, 2) : [];
    if (!senses.some((s) => this.categories.some((c) => c.offsets.has(s))))
      for (const sense of senses) {
        const above = this.wn.ancestors(sense);
        out = this.categories.find((c) => [...c.offsets].some((o) => above.has(o)))?.word ?? null;
        if (out) break;
      }
    this.cache.set(w, out);
    return out;
  }

  /**
   * The caption with its last categorisable word replaced by that word's category (and "an"
   * before it mended), or null when no word has one. Only the last is replaced: in English
   * noun phrases the head noun comes last ("a red sled" → "a red vehicle").
   */
  augment(caption: string): string | null {
    const words = caption.split(/\s+/).filter(Boolean);
    const bare = (w: string | undefined) => (w ?? '').replace(/[^\p{L}-]/gu, '');
    for (let i = words.length - 1; i >= 0; i--) {
      // A two-word name first ("polar bear"), then the word alone.
      const pair = i > 0 && bare(words[i - 1]) ? this.categoryOf(`${bare(words[i - 1])} ${bare(words[i])}`) : null;
      const cat = pair ?? (bare(words[i]) ? this.categoryOf(bare(words[i])) : null);
      if (!cat) continue;
      const start = pair ? i - 1 : i;
      const out = [...words.slice(0, start), words[i]!.replace(bare(words[i]), cat), ...words.slice(i + 1)];
      // "an eagle" → "a bird", "a apple" never: the article agrees with the category.
      if (start > 0 && ARTICLE.test(out[start - 1]!)) out[start - 1] = /^[aeiou]/i.test(cat) ? 'an' : 'a';
      return out.join(' ');
    }
    return null;
  }
}
