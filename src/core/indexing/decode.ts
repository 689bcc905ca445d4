/**
 * Reading one photo for the library: bytes (hashed for move detection), metadata with exifr,
 * one sharp decode (EXIF orientation applied, alpha flattened onto white, shrink-on-load) that
 * feeds both the backbone crop and the WebP thumbnail. Every way a file can be bad maps to a
 * named reason, so the indexer records it and moves on.
 */
import sharp from 'sharp';
import exifr from 'exifr';
import { createHash } from 'node:crypto';
import { readFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { evalNormalise, evalResizeSide, MAX_INPUT_PIXELS, type Preprocess } from '../vse/data/images.js';
import { sniffType } from './scan.js';

export const THUMB_SIZE = 320;

/**
 * The widest aspect a photo is decoded at. Panoramas reach about 1:8; a thinner image is cropped
 * to this aspect around its centre before resizing, so the decoded buffer stays bounded (a 1×20000
 * PNG upscaled to the backbone's side would need gigabytes).
 */
export const MAX_DECODE_ASPECT = 10;
/** Thinner than this is no photo (a 1-pixel strip): recorded as extreme-aspect and skipped. */
export const MAX_PHOTO_ASPECT = 100;

export class PhotoError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PhotoMeta {
  /** When it was taken, as the camera's clock showed it (ISO, the wall-clock time). */
  takenAt: string | null;
  /** Where takenAt comes from: the EXIF date of the shot, of its digitising, XMP, or the file's last change. */
  takenSource: 'exif' | 'exif-digitized' | 'xmp' | 'exif-modified' | null;
  /** The camera clock's offset from UTC (EXIF OffsetTimeOriginal, "+02:00"), where it said. */
  takenOffset: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  lat: number | null;
  lon: number | null;
  title: string | null;
  description: string | null;
  keywords: string | null;
}

export interface DecodedPhoto {
  hash: string;
  format: string;
  width: number;
  height: number;
  meta: PhotoMeta;
  /** HWC float32, normalised for the backbone. */
  pixels: Float32Array;
  /** Notes that don't stop indexing, e.g. a PNG named .jpg. */
  warnings: { reason: string; detail: string }[];
}

const EXT_FORMATS: Record<string, string[]> = {
  jpeg: ['.jpg', '.jpeg', '.jpe', '.jfif'],
  png: ['.png'],
  webp: ['.webp'],
  gif: ['.gif'],
  tiff: ['.tif', '.tiff'],
  heif: ['.heic', '.heif', '.avif'],
};

export function contentHash(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('hex');
}

/** Maps sharp/libvips and fs errors to the reasons users see. */
export function classify(err: unknown): PhotoError {
  if (err instanceof PhotoError) return err;
  const e = err as NodeJS.ErrnoException;
  const msg = (e?.message ?? String(err)).split('\n')[0]!;
  if (e?.code === 'ENOENT') return new PhotoError('vanished', 'the file disappeared while indexing');
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return new PhotoError('unreadable', 'permission denied');
  if (e?.code === 'ENAMETOOLONG') return new PhotoError('name-too-long', msg);
  if (e?.code === 'EISDIR') return new PhotoError('unreadable', 'is a folder');
  if (/pixel limit/i.test(msg))
    return new PhotoError('pixel-bomb', `more than ${MAX_INPUT_PIXELS / 1e6} megapixels: refused to protect memory`);
  if (/unsupported image format/i.test(msg)) return new PhotoError('unsupported-format', msg);
  // Words that say the file ends early; "corrupt" alone does not (a flipped byte in a PNG's header
  // is "corrupt header", not a cut-off file).
  if (/premature end|truncated|unexpected end|end of (file|stream)|short read|Invalid (SOS|marker)/i.test(msg))
    return new PhotoError('truncated', msg);
  return new PhotoError('corrupt', msg);
}

function text(v: unknown): string | null {
  if (v == null) return null;
  if (typeof v === 'string') return v.trim() || null;
  if (Array.isArray(v)) return v.map(text).filter(Boolean).join(', ') || null;
  if (typeof v === 'object' && 'value' in (v as object)) return text((v as { value: unknown }).value);
  if (typeof v === 'number') return String(v);
  return null;
}

export async function readMeta(buf: Buffer): Promise<PhotoMeta> {
  const none: PhotoMeta = {
    takenAt: null,
    takenSource: null,
    takenOffset: null,
    cameraMake: null,
    cameraModel: null,
    lat: null,
    lon: null,
    title: null,
    description: null,
    keywords: null,
  };
  let m: Record<string, unknown> | undefined;
  try {
    m = (await exifr.parse(buf, {
      tiff: true,
      exif: true,
      gps: true,
      xmp: true,
      iptc: true,
      icc: false,
      mergeOutput: true,
    })) as Record<string, unknown> | undefined;
  } catch {
    return none; // metadata is optional: a photo with broken EXIF is still a photo
  }
  if (!m) return none;
  // The first date there is, in this order, with the offset EXIF gives for it.
  const sources = [
    ['exif', m.DateTimeOriginal, m.OffsetTimeOriginal],
    ['exif-digitized', m.CreateDate, m.OffsetTimeDigitized],
    ['xmp', m.DateCreated, null],
    ['exif-modified', m.ModifyDate, m.OffsetTime],
  ] as const;
  const found = sources.find(([, d]) => d instanceof Date && !Number.isNaN(d.getTime()));
  const lat = typeof m.latitude === 'number' && Number.isFinite(m.latitude) ? m.latitude : null;
  const lon = typeof m.longitude === 'number' && Number.isFinite(m.longitude) ? m.longitude : null;
  return {
    takenAt: found ? wallClock(found[1] as Date) : null,
    takenSource: found?.[0] ?? null,
    takenOffset: found && typeof found[2] === 'string' && /^[+-]\d\d:\d\d$/.test(found[2]) ? found[2] : null,
    cameraMake: text(m.Make),
    cameraModel: text(m.Model),
    lat,
    lon,
    title: text(m.title ?? m.ObjectName ?? m.Headline ?? m.XPTitle),
    description: text(m.description ?? m.Caption ?? m.ImageDescription ?? m['Caption-Abstract']),
    keywords: text(m.subject ?? m.Keywords ?? m.XPKeywords),
  };
}

/**
 * The time a clock showed, as ISO with a Z (the library's dates are wall-clock times, so
 * "Christmas" is the 25th where the photo was taken): a Date's fields in this process's time
 * zone, which is how exifr reads EXIF dates and how this computer shows a file's time.
 */
export function wallClock(d: Date): string {
  return new Date(
    Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()),
  ).toISOString();
}

/**
 * The decode's output size: the short side at `side`, the long side at most MAX_DECODE_ASPECT
 * times that (cropped around the centre). `swap`: EXIF orientation turns the image by 90°.
 */
export function decodeTarget(
  width: number,
  height: number,
  swap: boolean,
  side: number,
): { width: number; height: number; crop: boolean } {
  const [w, h] = swap ? [height, width] : [width, height];
  if (w <= 0 || h <= 0) throw new PhotoError('corrupt', 'the image has no size');
  const aspect = Math.max(w, h) / Math.min(w, h);
  if (aspect > MAX_PHOTO_ASPECT)
    throw new PhotoError('extreme-aspect', `${w}×${h}: over ${MAX_PHOTO_ASPECT}:1, not a photo to search`);
  if (aspect <= MAX_DECODE_ASPECT) return { width: side, height: side, crop: false };
  const long = side * MAX_DECODE_ASPECT;
  return w > h ? { width: long, height: side, crop: true } : { width: side, height: long, crop: true };
}

/** Reads, hashes and decodes a photo; writes its thumbnail (named by content hash) if missing. */
export async function decodePhoto(path: string, pre: Preprocess, thumbDir: string): Promise<DecodedPhoto> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw classify(err);
  }
  if (buf.length === 0) throw new PhotoError('empty-file', 'zero bytes');
  // Name what the file really is: an SVG named .jpg is no truncated JPEG, and an HEVC-coded HEIC
  // (which this build of libvips cannot decode) is no corrupt file.
  const kind = sniffType(buf.subarray(0, 64));
  if (kind === 'svg') throw new PhotoError('unsupported-format', 'svg: a drawing, not a photo file');
  const hash = contentHash(buf);
  const warnings: DecodedPhoto['warnings'] = [];
  try {
    const img = sharp(buf, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated', pages: 1 });
    const info = await img.metadata();
    const format = info.format ?? 'unknown';
    const ext = extname(path).toLowerCase();
    const expected = Object.entries(EXT_FORMATS).find(([, exts]) => exts.includes(ext))?.[0];
    if (expected && expected !== format && !(expected === 'heif' && format === 'heif')) {
      warnings.push({ reason: 'wrong-extension', detail: `a ${format} file named ${ext}` });
    }
    if ((info.pages ?? 1) > 1)
      warnings.push({ reason: 'animated', detail: `${info.pages} frames: indexed by the first` });
    const side = evalResizeSide(pre);
    const target = decodeTarget(info.width ?? 0, info.height ?? 0, (info.orientation ?? 1) >= 5, side);
    const { data, info: out } = await img
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(target.width, target.height, { fit: target.crop ? 'cover' : 'outside' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixels = new Float32Array(pre.inputSize * pre.inputSize * 3);
    await evalNormalise(data, out.width, out.height, out.channels, pre, pixels, 0);
    await writeThumb(thumbDir, hash, data, out.width, out.height, out.channels);
    const oriented = (info.orientation ?? 1) >= 5;
    return {
      hash,
      format,
      pixels,
      warnings,
      meta: await readMeta(buf),
      width: (oriented ? info.height : info.width) ?? out.width,
      height: (oriented ? info.width : info.height) ?? out.height,
    };
  } catch (err) {
    if (err instanceof PhotoError) throw err;
    if (kind === 'heic')
      throw new PhotoError('unsupported-format', 'heic: HEVC-coded photos cannot be decoded by this build');
    const e = classify(err);
    // libvips sometimes reports a cut-off file only as "Unknown error": check the bytes.
    if (e.reason === 'corrupt' && looksTruncated(buf))
      throw new PhotoError('truncated', `the file ends early (${e.message})`);
    throw e;
  }
}

/** A JPEG without its end-of-image marker, or a PNG without its IEND chunk, was cut off. */
export function looksTruncated(buf: Buffer): boolean {
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    const tail = buf.subarray(Math.max(0, buf.length - 64));
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return false;
    return true;
  }
  if (buf.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')))
    return !buf.subarray(Math.max(0, buf.length - 12)).includes(Buffer.from('IEND'));
  return false;
}

export function thumbPath(thumbDir: string, hash: string): string {
  return join(thumbDir, hash.slice(0, 2), `${hash}.webp`);
}

let thumbWrites = 0;

async function writeThumb(
  thumbDir: string,
  hash: string,
  raw: Buffer,
  width: number,
  height: number,
  channels: number,
): Promise<void> {
  const dest = thumbPath(thumbDir, hash);
  await mkdir(join(thumbDir, hash.slice(0, 2)), { recursive: true });
  const webp = await sharp(raw, { raw: { width, height, channels: channels as 3 } })
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 78 })
    .toBuffer();
  // A temp name of its own: two copies of one photo decoded at once write the same thumbnail.
  const tmp = `${dest}.${process.pid}.${++thumbWrites}.tmp`;
  await writeFile(tmp, webp);
  await rename(tmp, dest);
}
