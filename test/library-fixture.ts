/**
 * A photo folder for the library tests, generated on the fly (nothing binary is committed):
 * nested folders, unicode names, a duplicate, EXIF/GPS/XMP samples, and every bad-input case.
 */
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import sharp from 'sharp';
import { COLOURS } from './synthetic.js';

export function xmp(title: string, keywords: string[], description = ''): string {
  const li = keywords.map((k) => `<rdf:li>${k}</rdf:li>`).join('');
  return (
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">${title}</rdf:li></rdf:Alt></dc:title>` +
    (description
      ? `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${description}</rdf:li></rdf:Alt></dc:description>`
      : '') +
    `<dc:subject><rdf:Bag>${li}</rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>`
  );
}

export function shapeSvg(colour: string, shape: 'circle' | 'square' | 'triangle', size = 96): Buffer {
  const fill = COLOURS[colour] ?? colour;
  const r = size * 0.32;
  const c = size / 2;
  const body =
    shape === 'circle'
      ? `<circle cx="${c}" cy="${c}" r="${r}" fill="${fill}"/>`
      : shape === 'square'
        ? `<rect x="${c - r}" y="${c - r}" width="${2 * r}" height="${2 * r}" fill="${fill}"/>`
        : `<polygon points="${c},${c - r} ${c - r},${c + r} ${c + r},${c + r}" fill="${fill}"/>`;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#f4f4f4"/>${body}</svg>`,
  );
}

/** A PNG header that claims 30000 x 30000 pixels: a decompression bomb in a few bytes. */
export function pixelBombPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(30000, 0);
  ihdr.writeUInt32BE(30000, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from('789c030000000001', 'hex')),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface PhotoFixture {
  root: string;
  /** Files that must end up in the index. */
  good: string[];
  /** Bad files and the reason each must be recorded with. */
  bad: Record<string, string>;
}

export async function makePhotoFixture(root: string): Promise<PhotoFixture> {
  const good: string[] = [];
  const bad: Record<string, string> = {};
  const put = (rel: string, data: Buffer | string) => {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, data);
    return p;
  };
  const jpeg = (colour: string, shape: 'circle' | 'square' | 'triangle') =>
    sharp(shapeSvg(colour, shape)).jpeg().toBuffer();

  good.push(
    put(
      '2021/winter/red circle.jpg',
      await sharp(shapeSvg('red', 'circle'))
        .jpeg()
        .withExif({
          IFD0: { Make: 'Canon', Model: 'EOS 5D' },
          IFD2: { DateTimeOriginal: '2021:12:24 10:30:00' },
        })
        .withXmp(xmp('Kids on a red sled', ['winter', 'sledge'], 'Snow day in the park'))
        .toBuffer(),
    ),
  );
  good.push(
    put(
      '2021/summer/blue square.jpg',
      await sharp(shapeSvg('blue', 'square'))
        .jpeg()
        .withExif({
          IFD0: { Make: 'NIKON', Model: 'D750' },
          IFD2: { DateTimeOriginal: '2021:07:02 16:00:00' },
          IFD3: {
            GPSLatitudeRef: 'N',
            GPSLatitude: '48/1 51/1 24/1',
            GPSLongitudeRef: 'E',
            GPSLongitude: '2/1 21/1 0/1',
          },
        })
        .toBuffer(),
    ),
  );
  good.push(put('2022/green triangle.png', await sharp(shapeSvg('green', 'triangle')).png().toBuffer()));
  good.push(put('2022/Überraschung — 夏の日 🌻.jpg', await jpeg('yellow', 'circle')));
  good.push(
    put(
      '2022/duplicate of blue square.jpg',
      await sharp(shapeSvg('blue', 'square'))
        .jpeg()
        .withExif({
          IFD0: { Make: 'NIKON', Model: 'D750' },
          IFD2: { DateTimeOriginal: '2021:07:02 16:00:00' },
          IFD3: {
            GPSLatitudeRef: 'N',
            GPSLatitude: '48/1 51/1 24/1',
            GPSLongitudeRef: 'E',
            GPSLongitude: '2/1 21/1 0/1',
          },
        })
        .toBuffer(),
    ),
  );
  good.push(put('misc/purple.webp', await sharp(shapeSvg('purple', 'square')).webp().toBuffer()));
  good.push(put('misc/black.tiff', await sharp(shapeSvg('black', 'triangle')).tiff().toBuffer()));
  good.push(put('misc/alpha.png', await sharp(shapeSvg('red', 'square')).ensureAlpha(0.3).png().toBuffer()));
  good.push(put('misc/cmyk.jpg', await sharp(shapeSvg('green', 'circle')).toColourspace('cmyk').jpeg().toBuffer()));
  good.push(
    put('misc/sixteen-bit.png', await sharp(shapeSvg('blue', 'triangle')).toColourspace('rgb16').png().toBuffer()),
  );
  good.push(
    put(
      'misc/animated.gif',
      await sharp(
        [
          await sharp(shapeSvg('red', 'circle')).png().toBuffer(),
          await sharp(shapeSvg('blue', 'circle')).png().toBuffer(),
        ],
        { join: { animated: true } },
      )
        .gif()
        .toBuffer(),
    ),
  );
  // 96 x 64 stored, EXIF orientation 6 (rotate 90°): the photo is 64 wide and 96 tall.
  good.push(
    put(
      'misc/rotated.jpg',
      await sharp(shapeSvg('yellow', 'triangle'))
        .resize(96, 64, { fit: 'fill' })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    ),
  );
  good.push(put('misc/png-named.jpg', await sharp(shapeSvg('black', 'circle')).png().toBuffer()));
  good.push(put(`misc/${'long name '.repeat(20).trim()}.jpg`, await jpeg('purple', 'circle')));
  // Hidden and system folders are not part of the library.
  put('.cache/hidden.jpg', await jpeg('red', 'triangle'));
  put('@eaDir/thumb.jpg', await jpeg('red', 'triangle'));

  const full = await jpeg('green', 'square');
  bad[put('bad/truncated.jpg', full.subarray(0, Math.floor(full.length / 2)))] = 'truncated';
  bad[put('bad/empty.jpg', Buffer.alloc(0))] = 'empty-file';
  bad[put('bad/text-named.jpg', 'this is not a photo\n')] = 'unsupported-format';
  bad[put('bad/bomb.png', pixelBombPng())] = 'pixel-bomb';
  bad[put('bad/notes.pdf', '%PDF-1.4\n%fake\n')] = 'unsupported-format';
  // Not images, named as photos: each failure names what the file is.
  bad[put('bad/archive.jpg', Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(64, 7)]))] =
    'unsupported-format';
  bad[put('bad/document.jpg', '%PDF-1.4\n%fake\n')] = 'unsupported-format';
  // A complete JPEG with damaged data inside: corrupt, not truncated.
  const damaged = Buffer.from(await jpeg('orange', 'square'));
  damaged.fill(0xff, Math.floor(damaged.length * 0.3), Math.floor(damaged.length * 0.6));
  bad[put('bad/damaged.jpg', damaged)] = 'corrupt';
  // A PNG with one flipped byte in its header: corrupt, not truncated.
  const flipped = Buffer.from(await sharp(shapeSvg('blue', 'square')).png().toBuffer());
  flipped[20] = flipped[20]! ^ 0x5a;
  bad[put('bad/flipped.png', flipped)] = 'corrupt';
  // A named pipe and a link to a device: recorded, never read (a read would block or not end).
  const pipe = join(root, 'bad', 'pipe.jpg');
  execFileSync('mkfifo', [pipe]);
  bad[pipe] = 'not-a-file';
  const zero = join(root, 'bad', 'zero.jpg');
  symlinkSync('/dev/zero', zero);
  bad[zero] = 'not-a-file';
  const dangling = join(root, 'bad', 'vanished.jpg');
  symlinkSync(join(root, 'bad', 'no-such-target.jpg'), dangling);
  bad[dangling] = 'vanished';
  const nonUtf8 = Buffer.concat([
    Buffer.from(join(root, 'bad') + '/'),
    Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x6a, 0x70, 0x67]),
  ]);
  writeFileSync(nonUtf8, full);
  bad[join(root, 'bad', Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x6a, 0x70, 0x67]).toString('utf8'))] = 'non-utf8-name';
  // A symlink loop: walking it must terminate.
  symlinkSync(join(root, '2021'), join(root, '2021', 'winter', 'loop'));
  return { root, good, bad };
}
