/** Errors that carry a contract error code, so front ends can show them as data. */
import type { ApiError, ErrorCode, Result } from '../../shared/contract.js';

export class GlimpseError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GlimpseError';
  }
}

/** Re-labels errors thrown inside `fn` with `code` (unless they already carry one). */
export async function as<T>(code: ErrorCode, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GlimpseError || (err as Error).name === 'AbortError') throw err;
    throw new GlimpseError(code, (err as Error).message);
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof GlimpseError) return { code: err.code, message: err.message };
  if ((err as Error)?.name === 'AbortError') return { code: 'cancelled', message: 'cancelled' };
  return { code: 'internal', message: (err as Error)?.message ?? String(err) };
}

export async function toResult<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: toApiError(err) };
  }
}
