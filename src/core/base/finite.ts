/** Whether every value is a finite number: a plain loop, far faster than `every(Number.isFinite)`. */
export function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
