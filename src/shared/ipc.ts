/** IPC channel names derived from the contract's method names: one named channel per method. */
import type { MethodName } from './contract.js';

export function ipcChannel(method: MethodName): string {
  return `glimpse:${method}`;
}

/** Main → renderer: progress of the call numbered by the preload. */
export const PROGRESS_CHANNEL = 'glimpse:progress';
/** Desktop only: the native folder picker. */
export const PICK_FOLDER_CHANNEL = 'glimpse:pick-folder';
