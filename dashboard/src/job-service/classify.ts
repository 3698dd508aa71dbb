/**
 * Whether a failed item is worth another attempt. Transient: the machinery failed, not the media
 * (a worker went away, the store or the network hiccuped, ffmpeg died without saying why, the
 * server restarted). Everything else, bad media above all (INGEST_FILE_NOT_FOUND, INGEST_NOT_MEDIA,
 * INGEST_TRUNCATED, INGEST_NO_VIDEO, ...), and unknown codes fail at once: a retry would fail the
 * same way and, on a rented GPU, cost money.
 */
const TRANSIENT: ReadonlySet<string> = new Set([
  // ingest: network sources that did not answer; ffmpeg exiting without a classifiable error
  // (killed by a signal, crashed) is reported as a decode failure.
  'INGEST_UNREACHABLE',
  'INGEST_DECODE_FAILED',
  // storage
  'STORE_UNAVAILABLE',
  'STORE_INSERT_FAILED',
  // inference runtime (a failed ORT run: device reset, out of memory)
  'INFER_FAILED',
  // the source manager: cut off by a restart or a crash
  'SOURCE_INTERRUPTED',
  // GPU providers: their API or network, not the job
  'GPU_PROVIDER_UNREACHABLE',
  'GPU_PROVIDER_ERROR',
  'GPU_RATE_LIMITED',
]);

/** Worker codes that mean "the machine went away", whatever their exact name. */
const TRANSIENT_PREFIXES = ['WORKER_LOST', 'WORKER_DISCONNECTED', 'WORKER_TIMEOUT', 'WORKER_UNREACHABLE'];

export function isTransientFailure(code: string): boolean {
  return TRANSIENT.has(code) || TRANSIENT_PREFIXES.some((p) => code.startsWith(p));
}

/** Delay before retry number `retry` (1-based); the last delay repeats. */
export function retryDelay(retry: number, delays: readonly number[]): number {
  if (delays.length === 0) return 0;
  return delays[Math.min(Math.max(retry, 1), delays.length) - 1]!;
}
