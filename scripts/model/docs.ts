/**
 * Writes the generated sections of docs/MODEL.md (results, backbones, ablations) and the ablation
 * plots from the reports and training logs that train-default.ts left behind
 * (docs/model-report.json and data/ablations/<name>/). The rest of the card is hand-written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlotSvg } from './plot.js';
import type { RecallSummary } from '../../src/core/vse/bundle.js';
import { chanceRsum, EVAL_SETS } from './train-default.js';
import { readCorpus, ROOT } from '../../tools/corpus.js';
import { mdMarkers, writeSection } from '../../tools/doc-section.js';

const DOCS = join(ROOT, 'docs');
export const MODEL_CARD = join(DOCS, 'MODEL.md');

export interface Report {
  backbone: string;
  config: Record<string, unknown>;
  rows: { set: string; images: number; model: RecallSummary; keyword: RecallSummary }[];
}

const f = (x: number) => x.toFixed(1);

let chance: Map<string, number> | null = null;
/** The rsum of random rankings on each evaluation set (see chanceRsum), by set name. */
export function chanceOf(set: string): number {
  if (!chance) {
    const items = readCorpus();
    chance = new Map(
      EVAL_SETS.map((ev) => [ev.name, chanceRsum(items.filter((i) => ev.sets.includes(i.set) && i.split === 'test'))]),
    );
  }
  return chance.get(set) ?? NaN;
}

/** A run's validations from its training log: step (x), rsum (y) and epoch. */
export function valCurve(runDir: string): { x: number; y: number; epoch: number }[] {
  const log = join(runDir, 'run', 'train-log.jsonl');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; step: number; epoch: number; rsum?: number })
    .filter((r) => r.type === 'val')
    .map((r) => ({ x: r.step, y: r.rsum!, epoch: r.epoch }));
}

export function readReport(path: string): Report | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Report) : null;
}

export async function writeDocs(sections: {
  backbones: string;
  ablations: string;
  runs: Record<string, string>;
  shipped: string;
}): Promise<void> {
  const main = readReport(join(DOCS, 'model-report.json'));
  const ablRuns = Object.entries(sections.runs).map(([n, dir]) => ({
    n,
    curve: valCurve(dir),
    report: readReport(join(dir, 'report.json')) ?? (n === sections.shipped ? main : null),
  }));
  const present = ablRuns.filter((r) => r.curve.length);
  if (present.length) {
    await linePlotSvg(
      join(DOCS, 'ablation-loss.svg'),
      'VSE0 (sum of hinges) vs VSE++ (max violation): validation rsum',
      'training step',
      'rsum',
      present
        .filter((r) => r.n !== 'max-violation-gru')
        .map((r) => ({ name: r.n === 'sum-ln' ? 'VSE0 (sum)' : 'VSE++ (max violation)', points: r.curve })),
    );
    await linePlotSvg(
      join(DOCS, 'ablation-gru.svg'),
      'plain GRU vs layer-normalised GRU (both max violation): validation rsum',
      'training step',
      'rsum',
      present
        .filter((r) => r.n !== 'sum-ln')
        .map((r) => ({ name: r.n === 'max-violation-gru' ? 'GRU' : 'LN-GRU', points: r.curve })),
    );
  }
  const ablTable = [
    '| run | ' + (present[0]?.report?.rows.map((r) => r.set).join(' | ') ?? '') + ' |',
    '|---|' + (present[0]?.report?.rows.map(() => '---').join('|') ?? '') + '|',
    ...present
      .filter((r) => r.report)
      .map(
        (r) =>
          `| ${r.n} (${r.curve.length} epochs) | ${r.report!.rows.map((x) => `R@1 t2i ${f(x.model.t2i.r1)}, rsum ${f(x.model.rsum)}`).join(' | ')} |`,
      ),
  ].join('\n');
  writeSection(MODEL_CARD, mdMarkers('results'), main ? resultsTable(main.rows) : '(not trained yet)');
  writeSection(MODEL_CARD, mdMarkers('backbones'), sections.backbones);
  writeSection(
    MODEL_CARD,
    mdMarkers('ablations'),
    `${sections.ablations}\n\n${present.length ? `![VSE0 vs VSE++](ablation-loss.svg)\n\n![GRU vs LN-GRU](ablation-gru.svg)\n\n${ablTable}` : '(no ablation runs found)'}`,
  );
}

/** Each evaluation set's recall, beside the keyword baseline and chance. */
export function resultsTable(rows: Report['rows']): string {
  return [
    '| evaluation set | images | model i2t R@1 | R@10 | model t2i R@1 | R@10 | model rsum | keyword baseline rsum | chance rsum |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.set} | ${r.images} | ${f(r.model.i2t.r1)} | ${f(r.model.i2t.r10)} | ${f(r.model.t2i.r1)} | ${f(r.model.t2i.r10)} | ${f(r.model.rsum)} | ${f(r.keyword.rsum)} | ${f(chanceOf(r.set))} |`,
    ),
  ].join('\n');
}
