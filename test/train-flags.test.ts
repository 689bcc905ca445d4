/** The train command's config flags come from the config schema: names, defaults and overrides. */
import { describe, it, expect } from 'vitest';
import { Command } from 'commander';
import { addTrainFlags, trainConfig } from '../src/cli/train-flags.js';
import { makeConfig, TRAIN_FLAGS, VseConfigSchema } from '../src/shared/vse-config.js';

function parse(args: string[]): Record<string, number | boolean> {
  let got: Record<string, number | boolean> = {};
  const cmd = addTrainFlags(new Command('train').exitOverride()).action((_o, c: Command) => {
    got = trainConfig(c);
  });
  cmd.parse(args, { from: 'user' });
  return got;
}

describe('train flags', () => {
  it('cover every config field but the fixed and data-given ones, with the schema default in the help', () => {
    // standardiseFeatures needs a domain's statistics, which train-default.ts measures: no flag.
    // tokenizer is NLTK's only for a released VSE++ model, whose vocabulary was cut that way.
    const fixed = ['numLayers', 'imgDim', 'standardiseFeatures', 'tokenizer'];
    const settable = Object.keys(VseConfigSchema.shape).filter((k) => !fixed.includes(k));
    expect(Object.keys(TRAIN_FLAGS).sort()).toEqual(settable.sort());
    const help = addTrainFlags(new Command('train')).helpInformation();
    const defaults = makeConfig();
    expect(help).toContain(`--epochs <n>`);
    expect(help).toContain(`(default: ${defaults.numEpochs})`);
    expect(help).toContain(`(default: ${defaults.learningRate})`);
    expect(help).toContain('--no-max-violation');
  });

  it('turn only the typed flags into overrides, with --no- flags meaning what they say', () => {
    expect(parse([])).toEqual({});
    expect(parse(['--no-max-violation', '--no-img-norm', '--lr', '0.01', '--epochs', '3', '--layer-norm'])).toEqual({
      maxViolation: false,
      noImgNorm: true,
      learningRate: 0.01,
      numEpochs: 3,
      layerNorm: true,
    });
    expect(() => parse(['--epochs', '2.5'])).toThrow(/whole number/);
  });
});
