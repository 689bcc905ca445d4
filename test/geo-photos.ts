/**
 * Photos whose EXIF says where (GPS on several continents) and when (dates with and without an
 * offset, or none), written under camera names for the places tests.
 */
import { join } from 'node:path';
import sharp from 'sharp';

/** Decimal degrees as EXIF's degrees, minutes, seconds (rationals). */
const dms = (v: number) => {
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = Math.round(((a - d) * 60 - m) * 60 * 100);
  return `${d}/1 ${m}/1 ${s}/100`;
};

/** Where and when each photo was taken, by its camera name. */
export const SHOTS: Record<string, { at?: [number, number]; when?: string; offset?: string }> = {
  'IMG_0001.jpg': { at: [48.8584, 2.2945], when: '2019:07:14 15:20:00', offset: '+02:00' }, // Paris
  'IMG_0002.jpg': { at: [43.6953, 7.2656], when: '2019:08:02 11:00:00' }, // Nice
  'IMG_0003.jpg': { at: [-33.8568, 151.2153], when: '2018:12:25 09:00:00', offset: '+11:00' }, // Sydney
  'IMG_0004.jpg': { at: [40.758, -73.9855], when: '2021:06:10 20:00:00', offset: '-04:00' }, // New York
  'IMG_0005.jpg': { at: [59.9139, 10.7522], when: '2019:01:20 12:00:00' }, // Oslo, in the snow
  'IMG_0006.jpg': { at: [51.3811, -2.359], when: '2020:05:01 10:00:00' }, // Bath
  'IMG_0007.jpg': { at: [44.1381, 4.8075], when: '2020:05:02 10:00:00' }, // Orange
  'IMG_0008.jpg': { when: '2019:12:24 18:00:00' }, // no position
  'IMG_0009.jpg': { at: [0, -30] }, // the middle of the Atlantic: nowhere
  'IMG_0010.jpg': {}, // nothing at all
};

export async function writeShot(folder: string, name: string, shot: (typeof SHOTS)[string], i: number): Promise<void> {
  const exif: Record<string, Record<string, string>> = { IFD0: { Make: 'Canon', Model: 'EOS 80D' } };
  if (shot.when)
    exif.IFD2 = { DateTimeOriginal: shot.when, ...(shot.offset ? { OffsetTimeOriginal: shot.offset } : {}) };
  if (shot.at)
    exif.IFD3 = {
      GPSLatitudeRef: shot.at[0] >= 0 ? 'N' : 'S',
      GPSLatitude: dms(shot.at[0]),
      GPSLongitudeRef: shot.at[1] >= 0 ? 'E' : 'W',
      GPSLongitude: dms(shot.at[1]),
    };
  const hue = (i * 37) % 360;
  await sharp({ create: { width: 320, height: 240, channels: 3, background: `hsl(${hue}, 60%, 55%)` } })
    .jpeg()
    .withExif(exif)
    .toFile(join(folder, name));
}
