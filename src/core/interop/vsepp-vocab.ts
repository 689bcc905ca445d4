/**
 * The released VSE++ vocabularies (`vocab.tar`: `<data>_vocab.pkl`), a pickled
 * `vocab.Vocabulary` with `word2idx`, `idx2word` and `idx`, written by Python 2 (byte strings) or
 * Python 3. Read as data: the words in id order, checked against each other.
 */
import { readFileSync, statSync } from 'node:fs';
import { GlimpseError } from '../base/errors.js';
import { pickleReader, pyClass, PyObject, unpickle } from './pickle.js';

/** A vocabulary pickle is small: COCO's is about 0.3 MB. */
const MAX_VOCAB_BYTES = 64 * 2 ** 20;

export function readVseppVocab(path: string): string[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new GlimpseError('not-found', `${path}: no such file`);
  if (!st.isFile()) throw new GlimpseError('bad-data', `${path}: not a file`);
  if (st.size > MAX_VOCAB_BYTES)
    throw new GlimpseError('bad-data', `${path}: ${st.size} bytes, too large for a vocabulary pickle`);
  const value = unpickle(pickleReader(readFileSync(path)), {
    globals: new Map([
      ['vocab.Vocabulary', pyClass],
      ['__main__.Vocabulary', pyClass],
    ]),
    where: path,
  });
  if (!(value instanceof PyObject)) throw new GlimpseError('bad-data', `${path}: not a vocab.Vocabulary pickle`);
  const idx2word = value.attrs.get('idx2word');
  const word2idx = value.attrs.get('word2idx');
  if (!(idx2word instanceof Map) || !(word2idx instanceof Map))
    throw new GlimpseError('bad-data', `${path}: the vocabulary has no idx2word and word2idx tables`);
  const words = new Array<string>(idx2word.size);
  for (const [id, word] of idx2word) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= words.length || typeof word !== 'string')
      throw new GlimpseError('bad-data', `${path}: idx2word is not ids 0…${words.length - 1} to words`);
    words[id as number] = word;
  }
  for (let i = 0; i < words.length; i++) {
    if (words[i] === undefined) throw new GlimpseError('bad-data', `${path}: idx2word has no word ${i}`);
    if (word2idx.get(words[i]) !== i)
      throw new GlimpseError('bad-data', `${path}: word2idx and idx2word disagree on "${words[i]}"`);
  }
  return words;
}
