/** The words the pages show: plurals and file sizes people read. */
import { describe, it, expect } from 'vitest';
import { count, fileSize } from '../src/renderer/src/lib/format.js';

describe('display wording', () => {
  it('says "1 photo" and "2 photos"', () => {
    expect(count(1)).toBe('1 photo');
    expect(count(0)).toBe('0 photos');
    expect(count(2, 'result')).toBe('2 results');
  });

  it('shows a 38 KB file as 38 KB, not 0.0 MB', () => {
    expect(fileSize(38_000)).toBe('38 KB');
    expect(fileSize(512)).toBe('512 B');
    expect(fileSize(4_200_000)).toBe('4.2 MB');
  });
});
