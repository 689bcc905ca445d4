/**
 * Generated parts of hand-written files (tables in docs/*.md, credits in NOTICE): a generator owns
 * one named section and writes only between its markers. A file without the markers is refused,
 * never rewritten whole: the markers are placed by hand, where the text wants the table.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface Markers {
  begin: string;
  end: string;
}

/** The markers of a generated section in Markdown: HTML comments, invisible when rendered. */
export function mdMarkers(name: string): Markers {
  return { begin: `<!-- generated: ${name} -->`, end: `<!-- end generated: ${name} -->` };
}

/** Replaces what lies between the markers in `text`; throws if they are missing or out of order. */
export function replaceSection(text: string, markers: Markers, content: string, where = 'the text'): string {
  const from = text.indexOf(markers.begin);
  const to = text.indexOf(markers.end);
  if (from < 0 || to < from || text.indexOf(markers.begin, from + 1) >= 0)
    throw new Error(`${where}: needs exactly one "${markers.begin}" … "${markers.end}" pair; place it by hand`);
  return `${text.slice(0, from + markers.begin.length)}\n${content.trim()}\n${text.slice(to)}`;
}

/** Writes `content` between the markers of the file at `path`, leaving the rest as it is. */
export function writeSection(path: string, markers: Markers, content: string): void {
  writeFileSync(path, replaceSection(readFileSync(path, 'utf8'), markers, content, path));
}
