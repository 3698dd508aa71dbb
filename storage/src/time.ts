import { StoreError } from './errors.ts';

/**
 * Epoch ms → `'YYYY-MM-DD hh:mm:ss.sss'` (UTC), the form we send for every DateTime64(3, 'UTC')
 * value, both as a JSONEachRow field and as a `{name:DateTime64(3, 'UTC')}` parameter.
 *
 * Why not the number: chDB 26.7 reads a JSON integer as ticks (ms), the digit string
 * "1700000000" as seconds, and rejects a fractional number; how bare integers are read has varied
 * between ClickHouse versions, and a server adapter may meet any version. This text form is
 * unambiguous under `date_time_input_format` 'basic' (server default) and 'best_effort' (chDB
 * default), and is read in the column's zone, UTC.
 */
export function toDateTime64(ms: number): string {
  if (!Number.isFinite(ms)) throw new StoreError('STORE_QUERY_FAILED', `invalid timestamp: ${ms}`);
  const d = new Date(Math.round(ms));
  const year = d.getUTCFullYear();
  // DateTime64's range; outside it ClickHouse would clamp silently.
  if (year < 1900 || year > 2299) {
    throw new StoreError('STORE_QUERY_FAILED', `timestamp out of range (1900–2299): ${ms}`);
  }
  return d.toISOString().replace('T', ' ').slice(0, 23);
}

/**
 * Reads an epoch-ms value selected as `toUnixTimestamp64Milli(col)`. Int64 arrives as a JSON number
 * or, where `output_format_json_quote_64bit_integers = 1` (older servers' default), as a string.
 */
export function fromMs(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n))
    throw new StoreError('STORE_QUERY_FAILED', `unexpected timestamp value: ${String(v)}`);
  return n;
}

/** toDateTime64 for a Nullable column: null stays null. */
export const nullableDateTime64 = (ms: number | null): string | null =>
  ms === null ? null : toDateTime64(ms);

/** fromMs for a Nullable column: null stays null. */
export const nullableMs = (v: unknown): number | null => (v === null ? null : fromMs(v));

let lastVersion = 0;

/**
 * A strictly increasing row version for ReplacingMergeTree tables (µs-scaled wall clock, bumped
 * when two writes land in the same µs tick), so the later of two writes in one ms still wins.
 * Stays below 2^53 until the year 2255, so it round-trips through JSON numbers.
 */
export function nextVersion(): number {
  const now = Date.now() * 1000;
  lastVersion = now > lastVersion ? now : lastVersion + 1;
  return lastVersion;
}
