/**
 * `npm run bench -- text [--queries=50] [--threads=2] [--bank-sample=256]`: how long one search query takes to embed,
 * for each kind of text encoder, measured in one run: the shipped model's GRU, a released VSE++
 * run's GRU (its shapes: 300-d words over an 11,355-word COCO vocabulary into 1024-d, random
 * weights) and CLIP ViT-B/32's text transformer (random weights, tools/random-clip.ts), with the
 * one-time cost of embedding the shipped caption bank with each (cached per model after that),
 * from an evenly spread sample of it.
 */
import { saveBenchBundle } from './speed-bundle.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder, type Embedder } from '../src/core/runtime/embedder.js';
import { openClipEmbedder } from '../src/core/runtime/clip-embedder.js';
import { Backbone } from '../src/core/vse/model/backbone.js';
import { VseModel } from '../src/core/vse/model/vse.js';
import { makeConfig } from '../src/core/vse/config.js';
import { tokenizerOf, Vocabulary } from '../src/core/vse/data/vocab.js';
import { DEFAULT_BUNDLE, importBackbone } from '../tools/backbones.js';
import { randomClipModel } from '../tools/random-clip.js';
import { printTable } from '../tools/table.js';

const QUERIES = [
  'kids on a red sled',
  'a dog on the beach',
  'a bee on a flower',
  'two people riding bicycles down a city street',
  'a plate of food with broccoli',
  'a bridge over a river',
  'sunset',
  'a cat sleeping on a sofa next to a window',
];

/** A released VSE++ run's text side with random weights (the CNN is a small ResNet: unused here). */
async function vseppShaped(): Promise<{ embedder: Embedder; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-bench-text-'));
  const spec = await importBackbone('vsepp-resnet18', dir);
  const words = ['<pad>', '<start>', '<end>', '<unk>', ...Array.from({ length: 11_351 }, (_, i) => `w${i}`)];
  const config = makeConfig({ imgDim: spec.featureDim, wordDim: 300, embedSize: 1024, tokenizer: 'nltk' });
  const vocab = new Vocabulary(words, tokenizerOf(config));
  const bundle = join(dir, 'bundle');
  await saveBenchBundle(bundle, config, VseModel.create(config, vocab.size, await Backbone.load(spec, dir)), vocab);
  return { embedder: bundleEmbedder(await loadBundle(bundle)), dir };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export async function benchText(args: string[]): Promise<void> {
  const arg = (k: string, d: string) => args.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const n = Number(arg('queries', '50'));
  const sample = Number(arg('bank-sample', '256'));
  const threads = Number(arg('threads', String(Math.min(availableParallelism(), 4))));
  const backend = await initBackend();
  const shipped = await loadBundle(DEFAULT_BUNDLE);
  const bank = shipped.captionBank;
  const vsepp = await vseppShaped();
  const encoders: [string, Embedder][] = [
    ['shipped model (GRU, tfjs)', bundleEmbedder(shipped)],
    ['released VSE++ shapes (GRU 300→1024, tfjs)', vsepp.embedder],
    ['CLIP ViT-B/32 text transformer (onnxruntime)', await openClipEmbedder(randomClipModel(), threads)],
  ];
  const rows: (string | number)[][] = [];
  for (const [name, e] of encoders) {
    let t = performance.now();
    await e.embedTexts([QUERIES[0]!]);
    const first = performance.now() - t;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      t = performance.now();
      await e.embedTexts([QUERIES[i % QUERIES.length]!]);
      times.push(performance.now() - t);
    }
    // The whole bank takes up to half an hour with CLIP on 2 cores: time a sample, spread evenly.
    const step = Math.max(1, Math.floor(bank.length / sample));
    const some = bank.filter((_, i) => i % step === 0).slice(0, sample);
    t = performance.now();
    for (let s = 0; s < some.length; s += 64) await e.embedTexts(some.slice(s, s + 64));
    const perCaption = (performance.now() - t) / some.length;
    rows.push([
      name,
      first,
      quantile(times, 0.5),
      quantile(times, 0.95),
      perCaption,
      (perCaption * bank.length) / 60_000,
    ]);
    e.dispose();
  }
  rmSync(vsepp.dir, { recursive: true, force: true });
  console.log(
    `\nOne query embedded, ms (${n} queries after a first), tfjs ${backend.name}, onnxruntime ${threads} threads; the shipped bank is ${bank.length} captions`,
  );
  printTable(['text encoder', 'first query', 'p50', 'p95', 'bank, ms per caption', 'whole bank, once (min)'], rows);
}
