/**
 * The drawing→photo lever table of the model journal, from the lever runs' reports
 * (data/levers/<run>.json, written by train-default.ts --report). It writes the table between
 * its markers in docs/journal/LEVER_JOURNAL and prints it.
 *   npx tsx scripts/model/experiments/lever-table.ts
 * Each run is listed in LEVER_RUNS with the command that made it (the journal repeats them).
 */
import { appRoot } from '../../../src/core/base/app-root.js';
import { join } from 'node:path';
import { chanceOf, readReport, type Report } from '../docs.js';
import { mdMarkers, writeSection } from '../../../tools/doc-section.js';

const ROOT = appRoot();
const LEVERS = join(ROOT, 'data', 'levers');
const LEVER_JOURNAL = '2026-12-model-notebook.md';

export const LEVER_RUNS: { run: string; label: string }[] = [
  { run: 'shipped', label: 'previous default (drawings only, 10 epochs)' },
  { run: 'base', label: 'base: + real photos, + hypernym captions (VSE0)' },
  { run: 'photoweight4', label: 'base + real photos up-weighted ×4' },
  { run: 'standardise', label: 'base + feature standardisation (photo statistics)' },
  { run: 'warmup', label: 'base, VSE++ max violation after a 2-epoch sum-of-hinges warm-up' },
  { run: 'photostyle', label: 'base + photo-style drawings (composited, blurred, noised, JPEG)' },
  {
    run: 'std-warmup',
    label: '**chosen**: standardisation + max violation after the warm-up (seed 0; now head 0 of three)',
  },
];

/** Columns: the set's name as the report has it (prefix), and its short heading. */
const SETS: [string, string][] = [
  ['real-photo dev set', 'real-photo dev'],
  ['CC0 photos', 'CC0 photos'],
  ['openclipart held-out', 'clip art held-out'],
  ['emoji other artists', 'emoji other artists'],
];

function cells(r: Report | null): string[] {
  return SETS.flatMap(([set]) => {
    const row = r?.rows.find((x) => x.set.startsWith(set));
    return row ? [row.model.rsum.toFixed(1), row.model.t2i.r10.toFixed(1)] : ['—', '—'];
  });
}

export function leverTable(): string {
  const reports = LEVER_RUNS.map((l) => ({ ...l, report: readReport(join(LEVERS, `${l.run}.json`)) })).filter(
    (l) => l.report,
  );
  const any = reports[0]?.report ?? null;
  const head = ['run', ...SETS.flatMap(([, h]) => [`${h} rsum`, `${h} t2i R@10`])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const l of reports) lines.push(`| ${l.label} | ${cells(l.report).join(' | ')} |`);
  // Chance: exact expected rsum of random rankings; t2i R@10 is 10/N.
  const chance = SETS.flatMap(([set]) => {
    const row = any?.rows.find((x) => x.set.startsWith(set));
    return row ? [chanceOf(row.set).toFixed(1), Math.min(100, 1000 / row.images).toFixed(1)] : ['—', '—'];
  });
  lines.push(`| chance | ${chance.join(' | ')} |`);
  const keyword = SETS.flatMap(([set]) => {
    const row = any?.rows.find((x) => x.set.startsWith(set));
    return row ? [row.keyword.rsum.toFixed(1), row.keyword.t2i.r10.toFixed(1)] : ['—', '—'];
  });
  lines.push(`| keyword on original file names | ${keyword.join(' | ')} |`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('lever-table.ts')) {
  const table = leverTable();
  console.log(table);
  writeSection(join(ROOT, 'docs', 'journal', LEVER_JOURNAL), mdMarkers('lever table'), table);
}
