/**
 * The train command's config flags, derived from the config schema (src/shared/vse-config.ts):
 * one flag per settable field, its default printed from the schema, and only the flags the user
 * typed become overrides, so the bundle records the schema's defaults for the rest.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { makeConfig, TRAIN_FLAGS, type VseConfig } from '../shared/vse-config.js';

const DEFAULTS = makeConfig();

function parser(flag: string): ((v: string) => number) | undefined {
  const whole = flag.endsWith('<n>');
  if (!whole && !flag.endsWith('<x>')) return undefined;
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`"${v}" is not a number`);
    if (whole && !Number.isInteger(n)) throw new InvalidArgumentError(`"${v}" is not a whole number`);
    return n;
  };
}

const entries = () => Object.entries(TRAIN_FLAGS) as [keyof VseConfig, { flag: string; help: string }][];

export function addTrainFlags(cmd: Command): Command {
  for (const [key, { flag, help }] of entries()) {
    const shown = typeof DEFAULTS[key] === 'boolean' ? (DEFAULTS[key] ? 'on' : 'off') : String(DEFAULTS[key]);
    // A `--no-` flag's own default would read "on" for the flag that turns a thing off: name the field.
    const opt = new Option(flag, `${help} (default: ${flag.startsWith('--no-') ? `${key} ${shown}` : shown})`);
    const parse = parser(flag);
    cmd.addOption(parse ? opt.argParser(parse) : opt);
  }
  return cmd;
}

/** The config overrides the user typed on the command line. */
export function trainConfig(cmd: Command): Record<string, number | boolean> {
  const config: Record<string, number | boolean> = {};
  for (const [key, { flag }] of entries()) {
    const attr = new Option(flag).attributeName();
    if (cmd.getOptionValueSource(attr) !== 'cli') continue;
    const value = cmd.getOptionValue(attr) as number | boolean;
    // `--no-x` gives x = false: it sets the field to false, or (for a field named noX) to true.
    config[key] = flag.startsWith('--no-') && !DEFAULTS[key] ? !value : value;
  }
  return config;
}
