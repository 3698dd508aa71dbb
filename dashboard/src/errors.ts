/** Stable codes of the dashboard (control plane + HTTP API). Never reuse or rename a code. */
export type DashboardErrorCode =
  | 'API_BAD_REQUEST'
  | 'API_NOT_FOUND'
  | 'AUTH_REQUIRED'
  | 'AUTH_INVALID'
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_EXISTS'
  | 'UPLOAD_TOO_LARGE'
  | 'FRAME_UNAVAILABLE'
  | 'SERVER_LISTEN_FAILED'
  | 'PERSON_NOT_FOUND'
  | 'APPEARANCE_NOT_FOUND'
  | 'PERSON_CONFLICT'
  | 'FACES_DISABLED'
  | 'SPEAKER_NOT_FOUND';

export const dashboardErrorInfo: Readonly<
  Record<DashboardErrorCode, { httpStatus: number; exitCode: number }>
> = Object.freeze({
  API_BAD_REQUEST: { httpStatus: 400, exitCode: 2 },
  API_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  AUTH_REQUIRED: { httpStatus: 401, exitCode: 2 },
  AUTH_INVALID: { httpStatus: 401, exitCode: 2 },
  SOURCE_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  SOURCE_EXISTS: { httpStatus: 409, exitCode: 2 },
  UPLOAD_TOO_LARGE: { httpStatus: 413, exitCode: 2 },
  FRAME_UNAVAILABLE: { httpStatus: 404, exitCode: 3 },
  SERVER_LISTEN_FAILED: { httpStatus: 500, exitCode: 1 },
  PERSON_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  APPEARANCE_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  PERSON_CONFLICT: { httpStatus: 409, exitCode: 2 },
  FACES_DISABLED: { httpStatus: 409, exitCode: 2 },
  SPEAKER_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
});

export class DashboardError extends Error {
  override readonly name = 'DashboardError';
  readonly code: DashboardErrorCode;
  readonly httpStatus: number;
  readonly exitCode: number;
  constructor(code: DashboardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.httpStatus = dashboardErrorInfo[code].httpStatus;
    this.exitCode = dashboardErrorInfo[code].exitCode;
  }
}

/** Any package's coded error (they all carry code + httpStatus); others become INTERNAL / 500. */
export function toErrorBody(err: unknown): { status: number; body: { code: string; message: string } } {
  const e = err as { code?: unknown; httpStatus?: unknown; message?: unknown };
  if (err instanceof Error && typeof e.code === 'string' && typeof e.httpStatus === 'number') {
    return { status: e.httpStatus, body: { code: e.code, message: err.message } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error' } };
}
