/**
 * `npm run bench -- train`: seconds per VSE++ training step (the engine's own trainStep) for the
 * paper config (1024/300, batch 128, 12 tokens) and a small one (256/300), on each tfjs backend
 * that loads here, beside the identical step in PyTorch on the CPU, measured in the same run.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, BACKEND_NAMES, type BackendName } from '../src/core/runtime/tf/backend.js';
import { makeConfig } from '../src/core/vse/config.js';
import { VseModel, padTokens } from '../src/core/vse/model/vse.js';
import { trainStep } from '../src/core/vse/train.js';
import { printTable } from '../tools/table.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONFIGS = { paper: { embedSize: 1024 }, small: { embedSize: 256 } } as const;
const VOCAB = 5000;
const BATCH = 128;
const TOKENS = 12;
const IMG_DIM = 2048;

async function timeSteps(config: keyof typeof CONFIGS, steps: number): Promise<number> {
  const cfg = makeConfig({ ...CONFIGS[config], wordDim: 300, imgDim: IMG_DIM, batchSize: BATCH });
  const model = VseModel.create(cfg, VOCAB);
  const optimizer = tf.train.adam(cfg.learningRate);
  const vars = model.trainableVariables();
  const feats = tf.randomNormal([BATCH, IMG_DIM]) as tf.Tensor2D;
  const seqs = Array.from({ length: BATCH }, (_, i) =>
    Array.from({ length: TOKENS }, (_, t) => 4 + ((i * 31 + t * 17) % (VOCAB - 4))),
  );
  const tokens = padTokens(seqs);
  const times: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = performance.now();
    await trainStep(model, optimizer, vars, (m) => m.encodeFeatures(feats), tokens);
    if (i > 0) times.push((performance.now() - t) / 1000); // step 0 warms up kernels and allocations
  }
  feats.dispose();
  optimizer.dispose();
  model.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function ensureTorch(): string | null {
  const py = '/usr/bin/python3';
  const probe = () => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  const openblas = () => spawnSync('dpkg', ['-s', 'libopenblas0-pthread'], { encoding: 'utf8' }).status === 0;
  if (!probe() || !openblas()) {
    console.error('bench: installing Debian python3-torch and libopenblas0-pthread for the PyTorch anchor…');
    spawnSync('apt-get', ['install', '-y', 'python3-torch', 'libopenblas0-pthread'], { stdio: 'ignore' });
  }
  if (!probe()) return 'PyTorch is not installed (apt-get install -y python3-torch libopenblas0-pthread)';
  if (!openblas()) return 'OpenBLAS is missing: PyTorch would use the reference BLAS and its time is meaningless';
  return null;
}

export async function benchTrain(args: string[]): Promise<void> {
  const steps = Number(args.find((a) => a.startsWith('--steps='))?.split('=')[1] ?? 3);
  const wanted = (args
    .find((a) => a.startsWith('--backends='))
    ?.split('=')[1]
    ?.split(',') ?? BACKEND_NAMES) as BackendName[];
  const rows: (string | number)[][] = [];
  const results: Record<string, Record<string, number>> = {};
  for (const b of wanted) {
    try {
      await initBackend(b);
    } catch (err) {
      rows.push([`tfjs ${b}`, 'not available', '', (err as Error).message.slice(0, 60)]);
      continue;
    }
    for (const config of Object.keys(CONFIGS) as (keyof typeof CONFIGS)[]) {
      // The cpu backend needs ~13 minutes and ~10 GB per paper-size step: not worth measuring again.
      if (b === 'cpu' && config === 'paper') {
        rows.push([`tfjs ${b}`, config, NaN, 'skipped (measured ~770 s/step)']);
        continue;
      }
      const s = await timeSteps(config, b === 'cpu' ? 1 : steps);
      (results[b] ??= {})[config] = s;
      rows.push([`tfjs ${b}`, config, s, '']);
    }
  }
  const problem = ensureTorch();
  const torch: Record<string, number> = {};
  if (problem) rows.push(['PyTorch 2 threads', 'both', NaN, problem]);
  else {
    const r = spawnSync('/usr/bin/python3', [join(HERE, 'torch_step.py'), '2', String(steps)], { encoding: 'utf8' });
    for (const line of r.stdout.trim().split('\n').filter(Boolean)) {
      const j = JSON.parse(line) as { config: string; seconds: number };
      torch[j.config] = j.seconds;
      rows.push(['PyTorch CPU (OpenBLAS, 2 threads)', j.config, j.seconds, '']);
    }
  }
  for (const row of rows) {
    const ref = torch[row[1] as string];
    row.splice(3, 0, typeof row[2] === 'number' && ref ? `${(row[2] / ref).toFixed(2)}x` : '');
  }
  console.log(
    `\nVSE++ training step, batch ${BATCH}, ${TOKENS} tokens, vocab ${VOCAB}, word 300, image features ${IMG_DIM}-d; median of ${steps} steps after one warm-up`,
  );
  printTable(['engine', 'config', 's/step', 'vs PyTorch', 'note'], rows);
}
