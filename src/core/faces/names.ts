/**
 * People's names read from a search query: "Anna at the beach" is Anna's photos ranked by "at the
 * beach"; "Anna and Ben" is the photos showing both. A name is read only as whole words, without
 * regard to case; the longest names first, so "Anna Maria" is not read as "Anna".
 */
export interface NameReading {
  people: { id: number; name: string }[];
  /** The query without the names (and the "and", "&" or "with" that joined them); '' if nothing is left. */
  rest: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function readNames(query: string, named: { id: number; name: string }[]): NameReading {
  let rest = ` ${query} `;
  const people: { id: number; name: string }[] = [];
  for (const p of [...named].sort((a, b) => b.name.length - a.name.length)) {
    const at = new RegExp(`(?<=[\\s,.;:!?"'()])${escape(p.name)}(?=[\\s,.;:!?"'()]|'s\\b)('s)?`, 'iu');
    if (!at.test(rest)) continue;
    people.push(p);
    rest = rest.replace(at, ' ');
  }
  if (people.length === 0) return { people, rest: query.trim() };
  // The words that joined the names mean nothing on their own: "Anna and Ben", "Anna & Ben".
  const cleaned = rest
    .replace(/\s+/g, ' ')
    .replace(/^\s*(?:(?:and|&|with|,)\s+)+/i, '')
    .replace(/\s+(?:and|&|with|,)\s*$/i, '')
    .replace(/\s+(?:and|&)\s+(?=(?:and|&)\s)/gi, ' ')
    .trim();
  return { people, rest: /^(?:and|&|with|,)?$/i.test(cleaned) ? '' : cleaned };
}
