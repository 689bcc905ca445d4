/**
 * The core's implementation of the API contract: validates each input with the contract's zod
 * schema, runs the engine, and returns errors as data. Front ends call only this.
 */
import type { GlimpseApi, MethodName, Result, Outputs, CallOptions, ParsedInput } from '../../shared/contract.js';
import { parseInput } from '../../shared/contract.js';
import { toResult } from './errors.js';
import { initBackend } from './tf/backend.js';
import { evaluateCommand, finetuneCommand, trainCommand } from './vse/engine.js';

type Handlers = { [K in MethodName]: (input: ParsedInput<K>, opts: CallOptions) => Promise<Outputs[K]> };

const handlers: Handlers = {
  backend: async () => {
    const b = await initBackend();
    return { backend: b.name, gpu: b.gpu, skipped: b.skipped };
  },
  train: trainCommand,
  evaluate: evaluateCommand,
  finetune: finetuneCommand,
};

export function createEngineApi(): GlimpseApi {
  const wrap = <K extends MethodName>(name: K) => async (input: unknown, opts: CallOptions = {}): Promise<Result<Outputs[K]>> => {
    const parsed = parseInput(name, input);
    if (!parsed.ok) return parsed;
    return toResult(() => handlers[name](parsed.value, opts));
  };
  return { backend: wrap('backend'), train: wrap('train'), evaluate: wrap('evaluate'), finetune: wrap('finetune') };
}
