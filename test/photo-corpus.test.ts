/**
 * The real-photo corpus readers: Qt resource files (built here byte by byte after Qt's format),
 * GCompris' credit blocks and which licences may be trained on.
 */
import { describe, it, expect } from 'vitest';
import { deflateSync } from 'node:zlib';
import { readRcc } from '../scripts/model/photos/rcc.js';
import { allowedLicence, parseCredits, stemWords } from '../scripts/model/photos/gcompris.js';

/** A version-2 rcc: root → dir "a" → files "x.txt" (zlib) and "y.bin" (stored). */
function buildRcc(): Buffer {
  const name = (s: string) => {
    const b = Buffer.alloc(6 + s.length * 2);
    b.writeUInt16BE(s.length, 0);
    b.writeUInt32BE(0, 2); // hash: not checked by a reader
    Buffer.from(s, 'utf16le').swap16().copy(b, 6);
    return b;
  };
  const names = [name('a'), name('x.txt'), name('y.bin')];
  const nameOff = [0, names[0]!.length, names[0]!.length + names[1]!.length];
  const x = Buffer.from('hello hello hello hello');
  const xz = Buffer.concat([Buffer.from([0, 0, 0, x.length]), deflateSync(x)]);
  const y = Buffer.from([1, 2, 3]);
  const blob = (d: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, d.length]), d]);
  const data = Buffer.concat([blob(xz), blob(y)]);
  const node = (nameOffset: number, flags: number, a: number, b: number) => {
    const n = Buffer.alloc(22);
    n.writeUInt32BE(nameOffset, 0);
    n.writeUInt16BE(flags, 4);
    if (flags & 2) {
      n.writeUInt32BE(a, 6);
      n.writeUInt32BE(b, 10);
    } else n.writeUInt32BE(b, 10);
    return n;
  };
  const tree = Buffer.concat([
    node(0, 2, 1, 1), // root: 1 child at node 1
    node(nameOff[0]!, 2, 2, 2), // "a": 2 children from node 2
    node(nameOff[1]!, 1, 0, 0), // x.txt, compressed, data at 0
    node(nameOff[2]!, 0, 0, 4 + xz.length), // y.bin, stored
  ]);
  const header = Buffer.alloc(20);
  header.write('qres', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  const namesBuf = Buffer.concat(names);
  header.writeUInt32BE(20, 8);
  header.writeUInt32BE(20 + tree.length, 12);
  header.writeUInt32BE(20 + tree.length + data.length, 16);
  return Buffer.concat([header, tree, data, namesBuf]);
}

describe('Qt resource files', () => {
  it('lists every file with its path, inflating compressed ones', () => {
    const files = readRcc(buildRcc());
    expect(files.map((f) => f.path)).toEqual(['a/x.txt', 'a/y.bin']);
    expect(files[0]!.data.toString()).toBe('hello hello hello hello');
    expect([...files[1]!.data]).toEqual([1, 2, 3]);
  });

  it('refuses what is not one, and offsets past the end, with a message', () => {
    expect(() => readRcc(Buffer.from('PK\x03\x04 not a resource file at all'))).toThrow(/not a Qt resource/);
    const cut = buildRcc().subarray(0, 60);
    expect(() => readRcc(cut)).toThrow(/out of range/);
  });
});

describe('GCompris credits', () => {
  it('keeps CC0, public domain, CC-BY and CC-BY-SA; refuses GPL, NC and ND', () => {
    expect(allowedLicence('CC0-1.0')).toBe('CC0-1.0');
    expect(allowedLicence('Public domain')).toBe('public domain');
    expect(allowedLicence('CC-BY-SA 4.0')).toBe('CC-BY-SA-4.0');
    expect(allowedLicence('CC-BY-4.0')).toBe('CC-BY-4.0');
    for (const l of ['GPLv3 or later', 'GPL-2+', 'LGPLv3', 'CC-BY-NC-SA 4.0', 'CC-BY-ND-4.0', ''])
      expect(allowedLicence(l)).toBeNull();
  });

  it('reads each block: files inline or on the lines below, a refused licence credits nothing', () => {
    const credits = parseCredits(
      [
        'Copyright: Kurt Kaiser\nLicense: CC0-1.0\nSource: https://commons.wikimedia.org/wiki/File:Bison.jpg\nFiles:\nbison.webp\nbuffalo.webp',
        'Copyright: Someone\nLicense: GPLv3\nFiles:\nhand.webp',
        'Copyright: Dietmar Rabich\nLicense: CC-BY-SA-4.0\nComments: cropping\nFiles: alpaca.webp',
      ].join('\n\n'),
    );
    expect([...credits.keys()].sort()).toEqual(['alpaca.webp', 'bison.webp', 'buffalo.webp']);
    expect(credits.get('bison.webp')).toEqual({
      licence: 'CC0-1.0',
      credit: 'Kurt Kaiser (https://commons.wikimedia.org/wiki/File:Bison.jpg), CC0-1.0',
    });
    expect(credits.get('alpaca.webp')!.licence).toBe('CC-BY-SA-4.0');
  });

  it('turns labels into words', () => {
    expect(stemWords('measuringTape6')).toBe('measuring tape');
    expect(stemWords('long_nosed_monkey')).toBe('long nosed monkey');
  });
});
