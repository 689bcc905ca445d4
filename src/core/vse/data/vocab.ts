/**
 * The word vocabulary (vsepp's vocab.py): specials first, then every word seen at least
 * `threshold` times. Fine-tuning grows it by appending rows, so old ids never move.
 */
import { tokenize as glimpseTokenize } from '../../language/tokenizer.js';
import { vseppTokenize } from '../../language/nltk-tokenizer.js';
import type { VseConfig } from '../config.js';

/** Cuts a caption into the words a vocabulary holds. */
export type Tokenizer = (caption: string) => string[];

/** The tokenizer a config names. */
export function tokenizerOf(config: Pick<VseConfig, 'tokenizer'>): Tokenizer {
  return config.tokenizer === 'nltk' ? vseppTokenize : glimpseTokenize;
}

export const SPECIALS = ['<pad>', '<start>', '<end>', '<unk>'] as const;
export const START = 1;
export const END = 2;
export const UNK = 3;

export class Vocabulary {
  readonly words: string[];
  private readonly index = new Map<string, number>();

  constructor(
    words: readonly string[],
    readonly tokenize: Tokenizer = glimpseTokenize,
  ) {
    SPECIALS.forEach((s, i) => {
      if (words[i] !== s)
        throw new Error(`vocabulary must start with ${SPECIALS.join(' ')}; entry ${i} is "${words[i]}"`);
    });
    this.words = [...words];
    this.words.forEach((w, i) => {
      if (this.index.has(w)) throw new Error(`vocabulary has "${w}" twice`);
      this.index.set(w, i);
    });
  }

  static build(captions: Iterable<string>, threshold: number): Vocabulary {
    const counts = countWords(captions);
    // Sorted by count then word, so the same data always gives the same ids.
    const kept = [...counts]
      .filter(([w, c]) => c >= threshold && !SPECIALS.includes(w as never))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([w]) => w);
    return new Vocabulary([...SPECIALS, ...kept]);
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  id(word: string): number {
    return this.index.get(word) ?? UNK;
  }

  /** <start> w1 … wn <end>, truncated to maxLength while keeping <end>. */
  encode(caption: string, maxLength = Infinity): number[] {
    const body = this.tokenize(caption).map((t) => this.id(t));
    const room = Math.max(0, maxLength - 2);
    return [START, ...body.slice(0, room), END];
  }

  /** A new vocabulary with `words` appended (those not present yet), old ids unchanged. */
  grow(words: Iterable<string>): Vocabulary {
    const added = [...new Set(words)].filter((w) => !this.index.has(w));
    return new Vocabulary([...this.words, ...added], this.tokenize);
  }

  toJSON(): { words: string[] } {
    return { words: this.words };
  }
}

export function countWords(captions: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of captions) for (const t of glimpseTokenize(c)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}
