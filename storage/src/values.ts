import { StoreError } from './errors.ts';

// Checks and conversions of numeric values at the storage boundary, shared by the row mappers.

/**
 * A plain number[] for a JSONEachRow array column (Float32Array included). JSON has no NaN or
 * Infinity (JSON.stringify writes null), so those are refused here with the field's name.
 */
export function finiteArray(what: string, values: ArrayLike<number>): number[] {
  const out = Array.from(values);
  for (const v of out) {
    if (!Number.isFinite(v)) throw new StoreError('STORE_QUERY_FAILED', `non-finite value in ${what}: ${v}`);
  }
  return out;
}

/** A [x1, y1, x2, y2] box read back from an Array(Float32) column. */
export function toBox(b: readonly (number | string)[]): [number, number, number, number] {
  return [Number(b[0] ?? 0), Number(b[1] ?? 0), Number(b[2] ?? 0), Number(b[3] ?? 0)];
}

/** An unsigned integer column value (UInt32/UInt64), refusing what the engine would wrap or clamp. */
export function uint(what: string, n: number): number {
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    throw new StoreError('STORE_QUERY_FAILED', `invalid ${what}: ${n}`);
  }
  return n;
}
