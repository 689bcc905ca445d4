/** People's names read from a search query: whole words, any case, longest first; the rest searched as before. */
import { it, expect } from 'vitest';
import { readNames } from '../src/core/faces/names.js';

const named = [
  { id: 1, name: 'Anna' },
  { id: 2, name: 'Ben' },
  { id: 3, name: 'Anna Maria' },
  { id: 4, name: "Zoë O'Neil" },
];
const read = (q: string) => {
  const r = readNames(q, named);
  return { people: r.people.map((p) => p.name), rest: r.rest };
};

it('reads a name as a filter and leaves the description', () => {
  expect(read('Anna at the beach')).toEqual({ people: ['Anna'], rest: 'at the beach' });
  expect(read('anna at the beach')).toEqual({ people: ['Anna'], rest: 'at the beach' });
  expect(read("Anna's birthday cake")).toEqual({ people: ['Anna'], rest: 'birthday cake' });
});

it('reads "Anna and Ben" as both, and a name alone as that person', () => {
  expect(read('Anna and Ben')).toEqual({ people: ['Anna', 'Ben'], rest: '' });
  expect(read('Anna & Ben skiing')).toEqual({ people: ['Anna', 'Ben'], rest: 'skiing' });
  expect(read('Ben')).toEqual({ people: ['Ben'], rest: '' });
});

it('prefers the longest name, and reads only whole words', () => {
  expect(read('Anna Maria in Rome')).toEqual({ people: ['Anna Maria'], rest: 'in Rome' });
  expect(read('a bench in the park')).toEqual({ people: [], rest: 'a bench in the park' });
  expect(read('bananas')).toEqual({ people: [], rest: 'bananas' });
  expect(read("Zoë O'Neil on a boat")).toEqual({ people: ["Zoë O'Neil"], rest: 'on a boat' });
});
