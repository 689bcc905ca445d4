/**
 * The renderer's handle on the API contract: the preload bridge in Electron. Web mode (served over
 * loopback HTTP) plugs in here with the same GlimpseApi type.
 */
import type { GlimpseApi } from '../../shared/contract';

declare global {
  interface Window {
    glimpse?: GlimpseApi;
  }
}

export function getApi(): GlimpseApi | null {
  return window.glimpse ?? null;
}
