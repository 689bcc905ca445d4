/** IPC channel names derived from the contract's method names: one named channel per method. */
import type { MethodName } from './contract.js';

export function ipcChannel(method: MethodName): string {
  return `glimpse:${method}`;
}
