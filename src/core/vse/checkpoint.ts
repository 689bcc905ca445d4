/**
 * Training checkpoints: everything needed to continue a run exactly where it stopped — weights,
 * Adam's moments and step count, the position in the epoch, the RNG states, the best score so far.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { existsSync, readFileSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { VseConfigSchema } from './config.js';
import { readWeights, writeWeights } from './weights-io.js';
import { writeFileAtomic } from '../base/files.js';
import { RecallSummarySchema } from './bundle.js';

export const TrainStateSchema = z.object({
  config: VseConfigSchema,
  /** Global step count (batches done). */
  step: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  /** Batches already done in `epoch`. */
  batchInEpoch: z.number().int().nonnegative(),
  /** RNG state at the start of `epoch` (replays the same shuffle) and the augmentation RNG now. */
  epochRngState: z.number().int(),
  augRngState: z.number().int(),
  best: z.object({ rsum: z.number(), step: z.number(), metrics: RecallSummarySchema.nullable() }),
  /** Seconds spent training before this checkpoint (for the ETA and the model card). */
  elapsedSeconds: z.number().nonnegative(),
  /** Epochs since the best validation (fine-tuning's early stop). */
  epochsSinceBest: z.number().int().nonnegative().default(0),
  vocab: z.array(z.string()),
});
export type TrainState = z.infer<typeof TrainStateSchema>;

export async function saveCheckpoint(
  dir: string,
  state: TrainState,
  weights: tf.NamedTensorMap,
  optimizer: tf.Optimizer,
  saveBackbone?: (dir: string) => Promise<void>,
): Promise<void> {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await writeWeights(tmp, 'weights', weights);
  // Adam's state is matched to variables by position, so keep the order in the names.
  const opt = await optimizer.getWeights();
  await writeWeights(
    tmp,
    'optimizer',
    Object.fromEntries(opt.map((w, i) => [`${String(i).padStart(5, '0')}:${w.name}`, w.tensor])),
  );
  // getWeights() makes a fresh scalar for the step count; the moments are the live variables.
  tf.dispose(opt.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
  if (saveBackbone) await saveBackbone(tmp);
  writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(state));
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'state.json'));
}

export function readCheckpoint(dir: string): {
  state: TrainState;
  weights: tf.NamedTensorMap;
  optimizer: { name: string; tensor: tf.Tensor }[];
} {
  const path = join(dir, 'state.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: unreadable checkpoint state (${(err as Error).message})`, { cause: err });
  }
  const parsed = TrainStateSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`${path}: invalid checkpoint state at "${parsed.error.issues[0]!.path.join('.')}"`);
  const weights = readWeights(dir, 'weights');
  const optMap = readWeights(dir, 'optimizer');
  const optimizer = Object.keys(optMap)
    .sort()
    .map((k) => ({ name: k.slice(k.indexOf(':') + 1), tensor: optMap[k]! }));
  return { state: parsed.data, weights, optimizer };
}
