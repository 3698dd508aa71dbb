// Reconnect delays: exponential from 0.5 s, capped at 10 s, with jitter so that many browsers
// reconnecting after a server restart do not arrive in lockstep.

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;

/** Delay before reconnect attempt `attempt` (0-based); `random` in [0, 1). */
export function backoffDelay(attempt: number, random = Math.random()): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
  return Math.round(base * (0.5 + random / 2));
}
