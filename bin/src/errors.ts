/** Stable codes of the CLI itself. Never reuse or rename a code. */
export type CliErrorCode =
  | 'CLI_USAGE'
  | 'CLI_UNKNOWN_COMMAND'
  | 'CLI_BAD_VALUE'
  | 'CLI_NOT_FOUND'
  | 'CLI_OUTPUT_FAILED'
  | 'CLI_SERVER_UNREACHABLE'
  | 'CLI_SERVER_ERROR'
  | 'CLI_NO_TOKEN';

const info: Readonly<Record<CliErrorCode, { httpStatus: number; exitCode: number }>> = {
  CLI_USAGE: { httpStatus: 400, exitCode: 2 },
  CLI_UNKNOWN_COMMAND: { httpStatus: 404, exitCode: 2 },
  CLI_BAD_VALUE: { httpStatus: 400, exitCode: 2 },
  CLI_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  CLI_OUTPUT_FAILED: { httpStatus: 500, exitCode: 1 },
  CLI_SERVER_UNREACHABLE: { httpStatus: 502, exitCode: 5 },
  CLI_SERVER_ERROR: { httpStatus: 502, exitCode: 1 },
  CLI_NO_TOKEN: { httpStatus: 401, exitCode: 2 },
};

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: CliErrorCode;
  readonly httpStatus: number;
  readonly exitCode: number;
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.httpStatus = info[code].httpStatus;
    this.exitCode = info[code].exitCode;
  }
}

/** The shape every package's error shares (see docs/conventions.md). */
export interface AimaErrorShape {
  readonly code: string;
  readonly message: string;
  readonly exitCode: number;
}

export function isAimaError(err: unknown): err is AimaErrorShape {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; exitCode?: unknown };
  return typeof e.code === 'string' && typeof e.exitCode === 'number';
}

/** The one error boundary: a coded error becomes `CODE: message` and its exit code. */
export function describeError(err: unknown): { line: string; exitCode: number; code: string } {
  if (isAimaError(err))
    return { line: `${err.code}: ${err.message}`, exitCode: err.exitCode, code: err.code };
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return { line: `INTERNAL: ${message}`, exitCode: 1, code: 'INTERNAL' };
}
