/**
 * Dates and periods read from a search query: "2019", "June 2021", "last summer", "yesterday",
 * "in the 90s", "Christmas". Years, decades, seasons and named days are read here (chrono-node
 * has no seasons or decades, and reads "Christmas" not at all); chrono-node reads the rest
 * ("June 2021", "yesterday", "March 3, 2020"). A reading is a span of dates (since inclusive,
 * until exclusive, calendar days as the camera's clock showed them), or days of every year.
 */
import { createRequire } from 'node:module';

type Chrono = typeof import('chrono-node/en');
let chronoEn: Chrono | null = null;
/** Words without which chrono-node finds no date: most queries never load it. */
const MIGHT_BE_DATED =
  /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|today|tonight|yesterday|ago|last|this|past|week|month|weekend|mon|tue|wed|thu|fri|sat|sun)|\d/i;
/** chrono-node's English parser, loaded on the first query that might hold a date (~70 ms). */
const chrono = (): Chrono => (chronoEn ??= createRequire(import.meta.url)('chrono-node/en') as Chrono);

export interface DateReading {
  /** As the user should see it: "summer 2019", "Christmas", "June 2021". */
  label: string;
  /** The words of the query it was read from. */
  words: string;
  since?: string;
  until?: string;
  /** Days of every year, as MM-DD, inclusive ("12-24" to "12-26" for Christmas). */
  days?: [string, string];
}

export interface DatesReading {
  dates: DateReading[];
  rest: string;
  /** What was not read, and why ("February 30 is not a date"). */
  notes: string[];
}

const NAMED_DAYS: [RegExp, string, string, string][] = [
  [/christmas eve/, 'Christmas Eve', '12-24', '12-24'],
  [/christmas(?: day)?|xmas/, 'Christmas', '12-24', '12-26'],
  [/new year'?s eve/, "New Year's Eve", '12-31', '12-31'],
  [/new year'?s(?: day)?/, "New Year's Day", '01-01', '01-01'],
  [/hallowe'?en/, 'Halloween', '10-31', '10-31'],
  [/valentine'?s(?: day)?/, "Valentine's Day", '02-14', '02-14'],
];

/** Meteorological seasons of the northern hemisphere: first month, and the month after the last. */
const SEASONS: Record<string, [number, number]> = {
  spring: [3, 6],
  summer: [6, 9],
  autumn: [9, 12],
  fall: [9, 12],
  winter: [12, 15],
};

const YEAR = '(1[89]\\d\\d|20\\d\\d)';
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const iso = (y: number, m: number, d = 1) => {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.toISOString().slice(0, 10);
};
const pad = (n: number) => String(n).padStart(2, '0');

/** Finds `re` (whole words, any case) in `rest`; on a match calls `read` and cuts the words out. */
function take(
  state: { rest: string; dates: DateReading[] },
  re: RegExp,
  read: (m: RegExpExecArray) => Omit<DateReading, 'words'> | null,
): void {
  const whole = new RegExp(`(?:^|\\s)((?:in |from |during |on )?(?:${re.source}))(?=$|[\\s,.!?])`, 'i');
  for (let m = whole.exec(state.rest); m; m = whole.exec(state.rest)) {
    const inner = new RegExp(`^(?:in |from |during |on )?(?:${re.source})$`, 'i').exec(m[1]!)!;
    const r = read(inner);
    if (!r) return;
    state.dates.push({ ...r, words: m[1]! });
    state.rest = `${state.rest.slice(0, m.index)} ${state.rest.slice(m.index + m[0].length)}`;
  }
}

export function readDates(query: string, now = new Date()): DatesReading {
  const state = { rest: ` ${query} `, dates: [] as DateReading[] };
  const notes: string[] = [];
  const thisYear = now.getFullYear();
  for (const [re, label, from, to] of NAMED_DAYS)
    take(state, new RegExp(`(${re.source})(?: ${YEAR})?`), (m) => {
      const year = m[2] ? Number(m[2]) : null;
      if (year === null) return { label, days: [from, to] };
      const [fm, fd] = from.split('-').map(Number) as [number, number];
      const [tm, td] = to.split('-').map(Number) as [number, number];
      return { label: `${label} ${year}`, since: iso(year, fm, fd), until: iso(year, tm, td + 1) };
    });
  take(state, new RegExp(`(last |this )?(spring|summer|autumn|fall|winter)(?: (?:of )?${YEAR})?`), (m) => {
    const season = m[2]!.toLowerCase();
    const [first, after] = SEASONS[season]!;
    let year = m[3] ? Number(m[3]) : null;
    const which = m[1]?.trim().toLowerCase();
    if (year === null && which) {
      // "This summer" is this year's; "last summer" the latest one already over.
      const month = now.getMonth() + 1;
      year = which === 'this' ? thisYear : month >= after ? thisYear : thisYear - 1;
      if (season === 'winter' && which === 'this' && month < 3) year = thisYear - 1;
    }
    const name = season === 'fall' ? 'autumn' : season;
    if (year === null)
      return { label: name, days: [`${pad(first)}-01`, after > 12 ? '02-29' : `${pad(after - 1)}-31`] };
    return {
      label: `${name} ${year}`,
      since: iso(year, first),
      until: iso(year + Math.floor((after - 1) / 12), ((after - 1) % 12) + 1),
    };
  });
  take(state, /(?:the )?(?:'|19|20)?(\d)0'?s/, (m) => {
    const whole = m[0]!.replace(/^the /i, '');
    const century = /^20/.test(whole) ? 2000 : /^19/.test(whole) || !/^'?[0-2]0/.test(whole) ? 1900 : 2000;
    const start = century + Number(m[1]) * 10;
    return { label: `the ${start}s`, since: iso(start, 1), until: iso(start + 10, 1) };
  });
  // A day a month never has ("February 30"): said, and not searched as words either.
  const month = new RegExp(`(${MONTHS.join('|')}) (\\d{1,2})(?:st|nd|rd|th)?(?:,? ${YEAR})?`, 'i');
  for (let m = month.exec(state.rest); m; m = month.exec(state.rest)) {
    const index = MONTHS.indexOf(m[1]!.toLowerCase());
    const year = m[3] ? Number(m[3]) : 2000; // a leap year: February 29 is a day of some years
    if (Number(m[2]) <= new Date(Date.UTC(year, index + 1, 0)).getUTCDate() && Number(m[2]) > 0) break;
    notes.push(`“${m[0]}” is not a date`);
    state.rest = state.rest.replace(m[0], ' ');
  }
  // Chrono: months, days, and relative dates ("June 2021", "yesterday", "2 weeks ago").
  for (const r of MIGHT_BE_DATED.test(state.rest) ? chrono().parse(state.rest, now, { forwardDate: false }) : []) {
    const s = r.start;
    const dated = s.isCertain('year') || s.isCertain('month') || s.isCertain('day') || s.isCertain('weekday');
    if (!dated) continue;
    const year = s.get('year')!;
    const month = s.get('month')!;
    if (!s.isCertain('day') && !s.isCertain('weekday') && s.isCertain('month')) {
      const y = s.isCertain('year') ? year : month > now.getMonth() + 1 ? thisYear - 1 : thisYear;
      state.dates.push({
        label: s.date().toLocaleString('en', { month: 'long', timeZone: 'UTC' }) + ` ${y}`,
        words: r.text,
        since: iso(y, month),
        until: iso(y, month + 1),
      });
    } else {
      const day = s.get('day')!;
      const d = new Date(Date.UTC(year, month - 1, day));
      if (d.getUTCDate() !== day) {
        notes.push(`“${r.text}” is not a date`);
        continue;
      }
      state.dates.push({
        label: d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
        words: r.text,
        since: iso(year, month, day),
        until: iso(year, month, day + 1),
      });
    }
    state.rest = state.rest.replace(r.text, ' ');
  }
  // A year alone, last: "June 2021" and "summer 2019" have taken theirs.
  take(state, new RegExp(YEAR), (m) => {
    const year = Number(m[1]);
    return { label: String(year), since: iso(year, 1), until: iso(year + 1, 1) };
  });
  const rest = state.rest
    .replace(/\s+(?:in|from|during|on|of)\s*$/i, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { dates: state.dates, rest, notes };
}
