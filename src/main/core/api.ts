/**
 * The core's implementation of the API contract: validates each input with the contract's zod
 * schema, runs the engine or the library, and returns errors as data. Front ends call only this.
 */
import type { GlimpseApi, MethodName, Result, Outputs, CallOptions, ParsedInput } from '../../shared/contract.js';
import { methods, parseInput } from '../../shared/contract.js';
import { toResult } from './errors.js';
import { initBackend } from './tf/backend.js';
import { evaluateCommand, finetuneCommand, trainCommand } from './vse/engine.js';
import { LibraryService, type LibraryServiceDeps } from './library/service.js';
import { defaultDataDir } from './paths.js';

type Handlers = { [K in MethodName]: (input: ParsedInput<K>, opts: CallOptions) => Promise<Outputs[K]> };

export interface EngineApi extends GlimpseApi {
  /** Releases the library database and the loaded model. */
  close(): void;
}

export function createEngineApi(deps: Partial<LibraryServiceDeps> = {}): EngineApi {
  const library = new LibraryService({ dataDir: deps.dataDir ?? defaultDataDir(), embedder: deps.embedder });
  const handlers: Handlers = {
    backend: async () => {
      const b = await initBackend();
      return { backend: b.name, gpu: b.gpu, skipped: b.skipped };
    },
    train: trainCommand,
    evaluate: evaluateCommand,
    finetune: finetuneCommand,
    index: (i, o) => library.index(i, o),
    search: (i) => library.search(i),
    similar: (i) => library.similar(i),
    caption: (i) => library.caption(i),
    status: (i) => library.status(i),
    removeRoot: (i) => library.removeRoot(i),
  };
  const api = {} as Record<MethodName, unknown>;
  for (const name of Object.keys(methods) as MethodName[]) {
    api[name] = async (input: unknown, opts: CallOptions = {}): Promise<Result<unknown>> => {
      const parsed = parseInput(name, input);
      if (!parsed.ok) return parsed;
      return toResult(() => (handlers[name] as (i: unknown, o: CallOptions) => Promise<unknown>)(parsed.value, opts));
    };
  }
  return { ...(api as unknown as GlimpseApi), close: () => library.close() };
}
