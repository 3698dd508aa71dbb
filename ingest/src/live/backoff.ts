// Reconnect timing, kept pure so it can be tested without waiting. "Full jitter" (a uniform delay
// between 0 and an exponentially growing ceiling) spreads the reconnects of many streams that lost
// the same camera or relay at once, instead of having them retry in lockstep.
import type { IngestErrorCode } from '../errors.ts';

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay (ms). */
  readonly baseMs: number;
  /** The ceiling never grows past this (ms). */
  readonly capMs: number;
  /** A connection that stays live this long starts the failure count again (ms). */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  baseMs: 500,
  capMs: 30_000,
  resetAfterMs: 30_000,
});

/** `policy` with defaults filled in; RangeError for values that make no sense. */
export function backoffPolicy(partial: Partial<BackoffPolicy> = {}): BackoffPolicy {
  const policy = { ...DEFAULT_BACKOFF, ...partial };
  for (const key of ['baseMs', 'capMs', 'resetAfterMs'] as const) {
    const v = policy[key];
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`backoff.${key} must be a finite number >= 0`);
  }
  if (policy.capMs < policy.baseMs) throw new RangeError('backoff.capMs must be >= backoff.baseMs');
  return Object.freeze(policy);
}

/** The delay ceiling after `failures` consecutive failures (1-based): min(cap, base * 2^(n-1)). */
export function backoffCeiling(failures: number, policy: BackoffPolicy): number {
  if (!(failures >= 1)) return 0;
  // 2 ** n overflows to Infinity after ~1024 failures; min() still lands on the cap.
  return Math.min(policy.capMs, policy.baseMs * 2 ** (failures - 1));
}

/**
 * Full-jitter delay before the next attempt: uniform in [0, ceiling). `random` returns numbers in
 * [0, 1) like Math.random (injected so tests are deterministic); values outside are clamped
 * into it.
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * backoffCeiling(failures, policy));
}

/** Should the failure count restart? Only after a connection stayed live for `resetAfterMs`. */
export function shouldResetFailures(liveMs: number | null, policy: BackoffPolicy): boolean {
  return liveMs !== null && liveMs >= policy.resetAfterMs;
}

// Retrying cannot fix these: the URL is not one we can open, or there is no ffmpeg to open it with.
const FATAL: ReadonlySet<IngestErrorCode> = new Set(['INGEST_UNSUPPORTED_URL', 'INGEST_FFMPEG_NOT_FOUND']);

/**
 * Is an attempt that failed with `code` worth retrying? Everything else is: cameras answer
 * restarts with refused connections, timeouts, half streams and garbage before they recover.
 */
export function isRetryable(code: IngestErrorCode): boolean {
  return !FATAL.has(code);
}
