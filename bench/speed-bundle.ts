/**
 * The bundles the index bench runs: a backbone with an untrained 1024-d VSE head (speed does not
 * depend on the head's weights), kept in bench/.cache. They are built in a child process: building
 * one loads the backbone into tfjs, whose wasm heap never shrinks, and that would count against the
 * memory the bench measures. `tsx bench/speed-bundle.ts BACKBONE DIR` is that child.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { importBackbone } from '../tools/backbones.js';
import { Backbone } from '../src/core/vse/model/backbone.js';
import { VseModel } from '../src/core/vse/model/vse.js';
import { makeConfig, type VseConfig } from '../src/core/vse/config.js';
import { Vocabulary } from '../src/core/vse/data/vocab.js';
import { saveBundle } from '../src/core/vse/bundle.js';

const HERE = fileURLToPath(import.meta.url);
const CACHE = join(dirname(HERE), '.cache');

async function build(backboneId: string, dir: string): Promise<void> {
  await initBackend();
  const work = join(dir, 'backbone-import');
  const spec = await importBackbone(backboneId, work);
  const backbone = await Backbone.load(spec, work);
  const vocab = new Vocabulary(['<pad>', '<start>', '<end>', '<unk>', 'photo']);
  const config = makeConfig({ imgDim: spec.featureDim, embedSize: 1024 });
  await saveBenchBundle(join(dir, 'bundle'), config, VseModel.create(config, vocab.size, backbone), vocab);
  rmSync(work, { recursive: true, force: true });
}

/** Saves (and then disposes of) a model as a bench bundle: one caption, a card that says "bench". */
export async function saveBenchBundle(
  dir: string,
  config: VseConfig,
  model: VseModel,
  vocab: Vocabulary,
): Promise<void> {
  await saveBundle(dir, {
    config,
    model,
    vocab,
    captionBank: ['a photo'],
    card: { name: 'bench', description: '', trainingData: [], recall: [], notes: [] },
  });
  model.dispose();
}

/** The folder of `backboneId`'s bench bundle, built (in a child process) on first use. */
export function speedBundle(backboneId: string): string {
  const dir = join(CACHE, `bundle-${backboneId.replace(/[^\w.@-]+/g, '_')}`);
  const bundle = join(dir, 'bundle');
  if (existsSync(join(bundle, 'bundle.json'))) return bundle;
  rmSync(dir, { recursive: true, force: true });
  console.error(`bench: building a ${backboneId} bundle in ${dir} (once)…`);
  const r = spawnSync(process.execPath, [...process.execArgv, HERE, backboneId, dir], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(join(bundle, 'bundle.json')))
    throw new Error(`building the ${backboneId} bundle failed (exit ${r.status ?? r.signal})`);
  return bundle;
}

if (process.argv[1] === HERE) await build(process.argv[2]!, process.argv[3]!);
