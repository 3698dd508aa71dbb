/** Stable codes of the ingest package. Never reuse or rename a code. */
export type IngestErrorCode =
  | 'INGEST_FFMPEG_NOT_FOUND'
  | 'INGEST_FILE_NOT_FOUND'
  | 'INGEST_UNSUPPORTED_URL'
  | 'INGEST_NOT_MEDIA'
  | 'INGEST_NO_VIDEO'
  | 'INGEST_TRUNCATED'
  | 'INGEST_DECODE_FAILED'
  | 'INGEST_UNREACHABLE'
  | 'INGEST_ABORTED'
  | 'INGEST_AUDIO_UNSUPPORTED'
  | 'INGEST_AUDIO_DECODE_FAILED'
  | 'INGEST_SOURCE_BLOCKED'
  | 'INGEST_PATH_OUTSIDE_ROOTS';

/** HTTP status and CLI exit code for each code, in one place (exit codes: docs/conventions.md). */
export const ingestErrorInfo: Readonly<Record<IngestErrorCode, { httpStatus: number; exitCode: number }>> =
  Object.freeze({
    INGEST_FFMPEG_NOT_FOUND: { httpStatus: 500, exitCode: 1 },
    INGEST_FILE_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
    INGEST_UNSUPPORTED_URL: { httpStatus: 400, exitCode: 2 },
    INGEST_NOT_MEDIA: { httpStatus: 422, exitCode: 4 },
    INGEST_NO_VIDEO: { httpStatus: 422, exitCode: 4 },
    INGEST_TRUNCATED: { httpStatus: 422, exitCode: 4 },
    INGEST_DECODE_FAILED: { httpStatus: 422, exitCode: 4 },
    INGEST_UNREACHABLE: { httpStatus: 502, exitCode: 5 },
    INGEST_ABORTED: { httpStatus: 499, exitCode: 130 },
    INGEST_AUDIO_UNSUPPORTED: { httpStatus: 422, exitCode: 4 },
    INGEST_AUDIO_DECODE_FAILED: { httpStatus: 422, exitCode: 4 },
    // The source guard refused (policy, not bad input): 403, exit 2 like any refused value.
    INGEST_SOURCE_BLOCKED: { httpStatus: 403, exitCode: 2 },
    INGEST_PATH_OUTSIDE_ROOTS: { httpStatus: 403, exitCode: 2 },
  });

/**
 * The one error class of `@aima/ingest`. `message` is a single line and never contains
 * credentials: sources are named by their redacted `display` form.
 */
export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly code: IngestErrorCode;
  readonly httpStatus: number;
  readonly exitCode: number;

  constructor(code: IngestErrorCode, message: string, options?: { cause?: unknown }) {
    // Keep the one-line promise even when a caller hands us ffmpeg output.
    super(message.replace(/\s*[\r\n]+\s*/g, ' ').trim(), options);
    this.code = code;
    this.httpStatus = ingestErrorInfo[code].httpStatus;
    this.exitCode = ingestErrorInfo[code].exitCode;
  }
}

export function isIngestError(err: unknown): err is IngestError {
  return err instanceof IngestError;
}
