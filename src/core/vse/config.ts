/**
 * The VSE++ config (its schema lives in src/shared/vse-config.ts, where the CLI and the contract
 * read it too) and the paper's learning-rate schedule.
 */
import type { VseConfig } from '../../shared/vse-config.js';

export { VseConfigSchema, makeConfig, jointDim, type VseConfig, type VseConfigInput } from '../../shared/vse-config.js';

/** lr at a given epoch: the paper's step schedule. */
export function learningRateAt(config: VseConfig, epoch: number): number {
  return config.learningRate * Math.pow(0.1, Math.floor(epoch / config.lrUpdate));
}
