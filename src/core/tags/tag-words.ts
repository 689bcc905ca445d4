/**
 * Which detector classes a query word names, through WordNet: the class itself or a synonym
 * ("sofa" → couch), a kind of it ("puppy", "hound" → dog), or a category it belongs to ("animal"
 * → dog, cat, horse…; "vehicle" → car, bus, truck; "food", "fruit" → banana, apple…).
 */
import { WordNet } from '../language/wordnet.js';
import { COCO_CLASSES } from './coco.js';

/** A WordNet sense above this many classes says nothing useful ("object", "whole", "artifact"). */
const MAX_CLASSES_PER_CATEGORY = 20;
/** The class in most photos, whose wrong match costs most: see agreedKinds. */
const EVERYWHERE = 'person';
/** How often the corpus must tag a person sense of an animal's name for it to be meant literally. */
const LITERAL_PERSON_TAGS = 3;
/** Senses of a query word considered, most frequent first. */
const SENSES = 2;

export interface TagMatch {
  label: string;
  /** How the word reached the class: 'same' (a synonym), 'kind' (the word is a kind of it), 'category'. */
  via: 'same' | 'kind' | 'category';
}

export interface ClassSenses {
  label: string;
  offset: number;
  ancestors: Set<number>;
  /** The senses of what COCO also boxed as the class (CocoClass.alsoBoxed). */
  boxed: number[];
}

let classes: ClassSenses[] | null = null;

/** Each COCO class's WordNet sense and every synset above it (its alsoUnder category's too). */
export function classSenses(wn: WordNet): ClassSenses[] {
  classes ??= COCO_CLASSES.map((c) => {
    const offset = wn.senses(c.lemma)[c.sense - 1];
    if (offset === undefined)
      throw new Error(`WordNet has no sense ${c.sense} of "${c.lemma}" (COCO class ${c.label})`);
    const ancestors = wn.ancestors(offset);
    const extra = c.alsoUnder ? wn.senses(c.alsoUnder)[0] : undefined;
    if (extra !== undefined) for (const a of wn.ancestors(extra)) ancestors.add(a);
    const boxed = (c.alsoBoxed ?? []).map((b) => {
      const o = wn.senses(b.lemma)[b.sense - 1];
      if (o === undefined) throw new Error(`WordNet has no sense ${b.sense} of "${b.lemma}" (COCO class ${c.label})`);
      return o;
    });
    return { label: c.label, offset, ancestors, boxed };
  });
  return classes;
}

/** The classes a young animal grows into ("kitten" → cat): see WordNet.grownInto. */
function grownKinds(wn: WordNet, sense: number): string[] {
  for (const phrase of wn.grownInto(sense)) {
    const grown = matchesOf(phrase, wn, false).filter((m) => m.via !== 'category');
    if (grown.length) return grown.map((m) => m.label);
  }
  return [];
}

/**
 * A sense that names a kind of animal ("tiger", "worm"), not an animal by its sex or age
 * ("female", "adult": WordNet puts those right under "animal"), which are people as much.
 */
function isKindOfAnimal(wn: WordNet, sense: number): boolean {
  return !isSexOrAge(wn, sense) && wn.ancestors(sense).has(wn.senses('animal')[0]!);
}

/** A sense right under "animal": an animal by its sex or age ("female", "adult"). */
function isSexOrAge(wn: WordNet, sense: number): boolean {
  return wn.synset(sense).hypernyms.includes(wn.senses('animal')[0]!);
}

/** The classes a sense is a kind of ("puppy" → dog, "kitten" → cat). */
function kindsOf(wn: WordNet, all: ClassSenses[], sense: number, young: boolean): string[] {
  const above = wn.ancestors(sense);
  const kinds = all
    .filter((c) => c.offset !== sense && (above.has(c.offset) || c.boxed.some((b) => above.has(b))))
    .map((c) => c.label);
  return kinds.length || !young ? kinds : grownKinds(wn, sense);
}

/**
 * The classes a word may be a kind of. A wrong one costs much: "a goat" as a kind of person
 * (a stooge, its second sense) would rank every photo of people first. So only senses the
 * tagged corpus attests count, when it attests any; the name of one particular thing ("Crane",
 * the writer) is no kind; and where the corpus attests none of the word's senses, their order
 * says nothing, so senses that name different classes are a guess between them and none counts
 * ("harrier": a persistent attacker, a hound and a hawk), while a sense that names no class is
 * no vote against one that does ("ferry": the boat, or ferrying). Except a person: WordNet gives
 * things slang senses that are people ("mug", "screw", "shrimp": a fool, a guard, a small man),
 * and a person is in most photos, so it counts only when every sense is one.
 */
function agreedKinds(wn: WordNet, word: string, first: number[], kinds: string[][]): Set<string> {
  // likelySenses is a prefix of the word's first senses, whose kinds the caller has.
  const likely = wn.likelySenses(word, SENSES).length;
  const each = kinds
    .slice(0, likely)
    .filter((_, i) => wn.synset(first[i]!).instanceOf.length === 0)
    .map((k) => new Set(k));
  const naming = each.filter((k) => k.size > 0);
  const voters = (c: string) => (c === EVERYWHERE ? each : naming);
  const agreed =
    wn.tagged(word) > 0
      ? new Set(each.flatMap((k) => [...k]))
      : new Set(naming[0] ? [...naming[0]].filter((c) => voters(c).every((k) => k.has(c))) : []);
  // An animal's name said of a person is a figure of speech ("a tiger", "a whale", "a fox": the
  // literary corpus has those first, once each), and a photo of one shows the animal. A person
  // still counts where the corpus tags it often and more often than the animal ("soldier": 166
  // times the fighter, never the ant).
  const tags = (which: number[]) => which.reduce((n, s) => n + wn.senseCount(word, s), 0);
  const animals = first.filter((s) => isKindOfAnimal(wn, s));
  if (animals.length) {
    const people = tags(first.filter((_, i) => kinds[i]!.includes(EVERYWHERE)));
    if (people < LITERAL_PERSON_TAGS || people <= tags(animals)) agreed.delete(EVERYWHERE);
  }
  if (agreed.has(EVERYWHERE)) {
    // A word said mostly as an adjective or a verb names no person: "white", "modern", "have"
    // (a person of the noun's first sense, yet "a white horse" shows none).
    if (wn.mostlyNotNoun(word)) agreed.delete(EVERYWHERE);
    // A person only in the rarer of the first two senses ("a star", "a hand", "a brick": a
    // celebrity, a farm hand, a good fellow) counts where the corpus tags that sense often, and
    // at least as often as the commoner one. A sex first ("male", "female": the animal) says
    // the same of a person.
    else if (first.length > 1 && !kinds[0]!.includes(EVERYWHERE) && !isSexOrAge(wn, first[0]!)) {
      const person = wn.senseCount(word, first[1]!);
      if (person < LITERAL_PERSON_TAGS || person < wn.senseCount(word, first[0]!)) agreed.delete(EVERYWHERE);
    }
  }
  return agreed;
}

/** The classes a word (or a multi-word name like "hot dog") names; none for a word WordNet lacks. */
export function tagsForWord(word: string, wn = WordNet.open()): TagMatch[] {
  return matchesOf(word, wn, true);
}

/** tagsForWord; `young` reads a young animal's definition for the class it grows into. */
function matchesOf(word: string, wn: WordNet, young: boolean): TagMatch[] {
  const all = classSenses(wn);
  const out = new Map<string, TagMatch>();
  // The class's own name always names it, whichever WordNet sense comes first ("kite" the toy),
  // and so do its WordNet lemma ("television": the receiver is its third sense) and the lemmas of
  // what COCO also boxed as it ("a mug": a mugful first).
  const lemma = wn.lemma(word);
  const named = COCO_CLASSES.filter(
    (c) =>
      c.label === word.toLowerCase() ||
      c.label === lemma?.replace(/_/g, ' ') ||
      c.lemma === lemma ||
      c.alsoBoxed?.some((b) => b.lemma === lemma),
  );
  for (const c of named) out.set(c.label, { label: c.label, via: 'same' });
  // "plier" stands for "pliers", the tool, not someone who plies a trade.
  const meant = wn.pluralMeant(word) ?? word;
  const first = wn.senses(meant).slice(0, SENSES);
  const kinds = first.map((s) => kindsOf(wn, all, s, young));
  const agreed = agreedKinds(wn, meant, first, kinds);
  let matched = false;
  for (const [i, sense] of first.entries()) {
    const below = all.filter((c) => c.ancestors.has(sense));
    if (below.length <= MAX_CLASSES_PER_CATEGORY) {
      for (const c of below)
        if (!out.has(c.label)) out.set(c.label, { label: c.label, via: c.offset === sense ? 'same' : 'category' });
    }
    // Once a sense has named a class, a later sense adds categories only: later senses are
    // rarer, and as kinds of a class they mislead ("dog" and "hound" as a scoundrel are persons).
    if (!matched) {
      for (const c of kinds[i]!) if (agreed.has(c) && !out.has(c)) out.set(c, { label: c, via: 'kind' });
    }
    matched ||= out.size > 0;
  }
  return [...out.values()];
}
