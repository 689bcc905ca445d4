/**
 * Python pickles read as data, never run: pickleparser walks the opcodes, and every class or
 * function the file names must be on the caller's allow-list, where it maps to a plain value
 * builder. Anything else (os.system, builtins.eval, an unknown class) stops the read with its name.
 */
import { BufferReader, NameRegistry, Parser } from 'pickleparser';
import { GlimpseError } from '../base/errors.js';

/** What an allowed global becomes: called by REDUCE, constructed by NEWOBJ. */
export type PickleGlobal = (...args: unknown[]) => unknown;

class AllowList extends NameRegistry {
  constructor(
    private readonly allowed: ReadonlyMap<string, PickleGlobal>,
    private readonly where: string,
  ) {
    super();
  }

  override resolve(module: string, name: string): PickleGlobal {
    const f = this.allowed.get(`${module}.${name}`);
    if (!f)
      throw new GlimpseError(
        'bad-data',
        `${this.where}: the file asks for ${module}.${name}, which is not a model's data; Glimpse reads only ${[...this.allowed.keys()].join(', ')}`,
      );
    return f;
  }
}

export interface PickleOptions {
  /** module.name → value builder, e.g. "collections.OrderedDict". */
  globals: ReadonlyMap<string, PickleGlobal>;
  /** Persistent ids (PyTorch's storages), resolved by the caller. */
  persistent?: (pid: unknown) => unknown;
  /** The file, for messages. */
  where: string;
}

/** A reader over a buffer that can hold several pickles one after another (PyTorch's legacy files). */
export function pickleReader(buffer: Uint8Array): BufferReader {
  return new BufferReader(buffer);
}

/** Reads the next pickle from `reader`. Dicts come back as Maps, so no key can reach a prototype. */
export function unpickle(reader: BufferReader, opts: PickleOptions): unknown {
  const parser = new Parser({
    nameResolver: new AllowList(opts.globals, opts.where),
    persistentResolver: {
      resolve: (pid: unknown) => {
        if (!opts.persistent)
          throw new GlimpseError('bad-data', `${opts.where}: unexpected persistent id in the pickle`);
        return opts.persistent(pid);
      },
    },
    unpicklingTypeOfDictionary: 'Map',
    unpicklingTypeOfSet: 'array',
  });
  try {
    return parser.read(reader);
  } catch (err) {
    if (err instanceof GlimpseError) throw err;
    throw new GlimpseError('bad-data', `${opts.where}: not a readable pickle (${(err as Error).message})`);
  }
}

/**
 * A Python object rebuilt as a record of its attributes (argparse.Namespace, vocab.Vocabulary):
 * NEWOBJ makes it, BUILD hands it its state, and nothing else happens.
 */
export class PyObject {
  readonly attrs = new Map<string, unknown>();

  __setstate__(state: unknown): void {
    const dict = state instanceof Map ? state : null;
    if (!dict) return;
    for (const [k, v] of dict) if (typeof k === 'string') this.attrs.set(k, v);
  }
}

/** The global for a class whose instances are attribute records. */
export const pyClass: PickleGlobal = function PyClass() {
  return new PyObject();
};
