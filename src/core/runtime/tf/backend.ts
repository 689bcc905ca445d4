/**
 * Picks the tfjs backend at run time: tfjs-node-gpu → tfjs-node → wasm → cpu.
 * The native packages are optionalDependencies: they can't install where libtensorflow can't be
 * downloaded, so each candidate is tried, self-checked with one op, and skipped on failure.
 */
import * as tf from '@tensorflow/tfjs';
import { installWasmKernelFixes } from './wasm-kernels.js';

export const BACKEND_NAMES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendInfo {
  /** Our name for it (node-gpu, node, wasm, cpu). */
  name: BackendName;
  /** The tfjs backend name actually active ("tensorflow", "wasm", "cpu"). */
  tfBackend: string;
  gpu: boolean;
  /** Why earlier candidates were skipped, for `glimpse status` and bug reports. */
  skipped: { name: BackendName; reason: string }[];
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

async function activate(name: BackendName): Promise<string> {
  switch (name) {
    case 'node-gpu':
      await import('@tensorflow/tfjs-node-gpu' as string);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tensorflow backend did not initialise');
      return 'tensorflow';
    case 'node':
      await import('@tensorflow/tfjs-node' as string);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tensorflow backend did not initialise');
      return 'tensorflow';
    case 'wasm':
      // Import first: the fixes wrap kernels the import registers, and must be in place before
      // setBackend runs each kernel's setup.
      await import('@tensorflow/tfjs-backend-wasm');
      installWasmKernelFixes();
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
      return 'wasm';
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not initialise');
      // Its first write prints "install the node backend" advice; we chose cpu knowingly.
      (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
      return 'cpu';
  }
}

/** One op whose answer we know: catches backends that load but compute garbage. */
function selfCheck(): void {
  const got = tf.tidy(() =>
    tf
      .matMul(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor2d([[5], [6]]),
      )
      .dataSync(),
  );
  if (Math.abs(got[0]! - 17) > 1e-4 || Math.abs(got[1]! - 39) > 1e-4) {
    throw new Error(`self-check failed: got [${Array.from(got).join(', ')}], want [17, 39]`);
  }
}

function parseOverride(raw: string | undefined): BackendName | undefined {
  if (!raw) return undefined;
  if ((BACKEND_NAMES as readonly string[]).includes(raw)) return raw as BackendName;
  throw new Error(`GLIMPSE_BACKEND must be one of ${BACKEND_NAMES.join(', ')}; got "${raw}"`);
}

/**
 * Initialises (once) and returns the active backend. `prefer` (or env GLIMPSE_BACKEND) forces one;
 * a forced backend that fails is an error, not a silent fallback.
 */
export function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  const forced = prefer ?? parseOverride(process.env.GLIMPSE_BACKEND);
  if (current && (!forced || current.name === forced)) return Promise.resolve(current);
  if (pending && !forced) return pending;
  pending = (async () => {
    const skipped: BackendInfo['skipped'] = [];
    for (const name of forced ? [forced] : BACKEND_NAMES) {
      try {
        const tfBackend = await activate(name);
        selfCheck();
        current = { name, tfBackend, gpu: name === 'node-gpu', skipped };
        return current;
      } catch (err) {
        const reason = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        if (forced) throw new Error(`backend "${name}" is not usable here: ${reason}`, { cause: err });
        skipped.push({ name, reason });
      }
    }
    throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
  })();
  try {
    return pending;
  } finally {
    pending.catch(() => {
      pending = null;
    });
  }
}
