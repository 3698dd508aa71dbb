import { inspect } from 'node:util';

/** Stable error codes of the storage package (never reused or renamed). */
export type StoreErrorCode =
  | 'STORE_DATA_DIR_UNWRITABLE'
  | 'STORE_UNAVAILABLE'
  | 'STORE_QUERY_FAILED'
  | 'STORE_MIGRATION_FAILED'
  | 'STORE_CLOSED'
  | 'STORE_INSERT_FAILED'
  | 'STORE_UNKNOWN_TABLE';

/** HTTP status and CLI exit code for each storage error code (exit 7 = storage, see conventions). */
export const STORE_ERROR_CODES: Readonly<Record<StoreErrorCode, { httpStatus: number; exitCode: number }>> =
  Object.freeze({
    STORE_DATA_DIR_UNWRITABLE: { httpStatus: 500, exitCode: 7 },
    STORE_UNAVAILABLE: { httpStatus: 503, exitCode: 7 },
    STORE_QUERY_FAILED: { httpStatus: 500, exitCode: 7 },
    STORE_MIGRATION_FAILED: { httpStatus: 500, exitCode: 7 },
    STORE_CLOSED: { httpStatus: 500, exitCode: 7 },
    STORE_INSERT_FAILED: { httpStatus: 503, exitCode: 7 },
    STORE_UNKNOWN_TABLE: { httpStatus: 500, exitCode: 7 },
  });

/** The one error class of `@aima/storage`: a stable `code` plus a one-line message. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  readonly httpStatus: number;
  readonly exitCode: number;
  /** ClickHouse's numeric error code, as a string ("60" = UNKNOWN_TABLE), when the engine reported one. */
  readonly clickhouseCode: string | undefined;

  constructor(
    code: StoreErrorCode,
    message: string,
    opts: { cause?: unknown; clickhouseCode?: string } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.httpStatus = STORE_ERROR_CODES[code].httpStatus;
    this.exitCode = STORE_ERROR_CODES[code].exitCode;
    this.clickhouseCode = opts.clickhouseCode;
  }
}

/** True for a StoreError, optionally with the given code. */
export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}

// Node socket errors that mean "the server is not there", as opposed to "it refused the query".
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

export interface ToStoreErrorOptions {
  /** Code for an error the engine reported (a failed query vs. a failed insert). */
  readonly fallback: StoreErrorCode;
  /** What we were doing, prefixed to the message ("insert into detections"). */
  readonly context: string;
  /** Removes secrets (URL credentials) from any text that leaves the adapter. */
  readonly scrub?: (text: string) => string;
}

/**
 * Converts whatever an adapter threw (chDB's `ChdbError` family with `.clickhouseCode`, the server
 * client's `ClickHouseError` with a string `.code`, a Node socket error, an abort) into a StoreError.
 * Both libraries are duck-typed: chDB's error classes are not exported from its ESM entry.
 */
export function toStoreError(e: unknown, opts: ToStoreErrorOptions): StoreError {
  if (e instanceof StoreError) return e;
  const scrub = opts.scrub ?? ((s: string) => s);
  const err = e instanceof Error ? e : new Error(String(e));
  const rawCode = (err as { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const chCode = (err as { clickhouseCode?: unknown }).clickhouseCode;
  // The first line of a ClickHouse exception is the useful part; the rest is a stack trace.
  const detail = scrub(firstLine(err.message));
  const cause = opts.scrub === undefined || !leaks(err, opts.scrub) ? err : scrubbedCopy(err, opts.scrub);

  if (err.name === 'AbortError' || code === 'CHDB_ABORT' || code === 'ABORT_ERR') {
    return new StoreError(opts.fallback, `${opts.context}: aborted`, { cause });
  }
  if (code === 'CHDB_CLOSED') {
    return new StoreError('STORE_CLOSED', `${opts.context}: the embedded engine is closed`, { cause });
  }
  if (code === 'CHDB_CONNECTION' || (code !== undefined && UNREACHABLE.has(code))) {
    return new StoreError('STORE_UNAVAILABLE', `${opts.context}: ClickHouse unavailable: ${detail}`, {
      cause,
    });
  }
  let clickhouseCode: string | undefined;
  if (typeof chCode === 'number') clickhouseCode = String(chCode);
  else if (err.constructor.name === 'ClickHouseError' && code !== undefined) clickhouseCode = code;
  return new StoreError(opts.fallback, `${opts.context}: ${detail}`, {
    cause,
    ...(clickhouseCode === undefined ? {} : { clickhouseCode }),
  });
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

// Looks at everything a logger could print: nested causes and extra fields such as a
// TypeError's `input` (the raw URL) included.
function leaks(err: Error, scrub: (s: string) => string): boolean {
  const all = inspect(err, { depth: 8 });
  return scrub(all) !== all;
}

// A cause that mentioned a secret is replaced, not kept: loggers serialize `cause` too.
function scrubbedCopy(err: Error, scrub: (s: string) => string): Error {
  const copy = new Error(scrub(err.message));
  copy.name = err.name;
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}
