/** What indexing and the app need of OCR: the PP-OCR engine, or a stub in tests. */
import { readRgb, type RgbImage, type TextLine } from './ocr.js';

export interface OcrReader {
  readonly id: string;
  read(img: RgbImage): Promise<TextLine[]>;
  /** Reads a file, decoding it as cheaply as it can (OcrEngine); else the file is decoded for read(). */
  readFile?(path: string): Promise<TextLine[]>;
}

/** A file's text lines, through the reader's own file path where it has one. */
export function readTextOf(reader: OcrReader, path: string): Promise<TextLine[]> {
  return reader.readFile ? reader.readFile(path) : readRgb(path).then((img) => reader.read(img));
}
