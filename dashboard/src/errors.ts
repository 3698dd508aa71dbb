/** Stable codes of the dashboard (control plane + HTTP API). Never reuse or rename a code. */
export type DashboardErrorCode =
  | 'API_BAD_REQUEST'
  | 'API_NOT_FOUND'
  | 'API_BODY_TOO_LARGE'
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
  | 'SPEAKER_NOT_FOUND'
  | 'GPU_UNAVAILABLE'
  | 'GPU_PROVIDER_NOT_CONFIGURED'
  | 'GPU_NO_OFFER'
  | 'GPU_BOOT_TIMEOUT'
  | 'GPU_BUDGET_EXCEEDED'
  | 'GPU_DAILY_BUDGET_EXCEEDED'
  | 'GPU_INSTANCE_LOST'
  | 'GPU_IDLE_TIMEOUT'
  | 'GPU_STOPPED'
  | 'GPU_POOL_CLOSED'
  | 'GPU_ORPHAN'
  | 'QUEUE_UNAVAILABLE'
  | 'QUEUE_LEASE_LOST'
  | 'QUEUE_FULL'
  | 'QUEUE_INVALID'
  | 'WORKER_TOKEN_INVALID'
  | 'WORKER_NOT_FOUND'
  | 'WORKER_UNAVAILABLE'
  | 'WORKER_LOST'
  | 'WORKER_RPC_REFUSED'
  | 'WORKER_STALE_ATTEMPT'
  | 'WORKER_PROTOCOL'
  | 'WORKER_SOURCE_REFUSED'
  | 'WORKER_FILE_DENIED'
  | 'WORKER_FAILED'
  | 'JOB_NOT_FOUND'
  | 'JOB_BAD_STATE'
  | 'JOB_MEDIA_MISSING'
  | 'JOB_BUDGET_REQUIRED'
  | 'JOB_BUDGET_INVALID'
  | 'JOB_GPU_UNAVAILABLE'
  | 'JOB_NO_OFFER'
  | 'JOB_ITEMS_FAILED'
  | 'SOURCE_INTERRUPTED'
  | 'ANALYZE_UNAVAILABLE'
  | 'ANALYZE_BUSY'
  | 'ANALYZE_BAD_FRAME'
  | 'ANALYZE_FRAME_TOO_LARGE'
  | 'ANALYZE_PIXELS_MISMATCH'
  | 'ANALYZE_FRAME_SIZE_MISMATCH'
  | 'ANALYZE_TOO_MANY_FRAMES'
  | 'ANALYZE_BAD_AUDIO'
  | 'ANALYZE_BAD_SAMPLE_RATE'
  | 'ANALYZE_AUDIO_TOO_LONG'
  | 'ANALYZE_MODEL_MISSING'
  | 'ANALYZE_NO_AUDIO'
  // Safety events (issue 11)
  | 'SAFETY_EVENT_NOT_FOUND'
  // The zero-shot tag vocabulary (issue 11)
  | 'TAGS_BAD_VOCABULARY'
  // The minor-protection gate: a quarantined source serves no pixels (issue 11)
  | 'SOURCE_QUARANTINED'
  // WebRTC live view and WHIP publishing (issue 12)
  | 'RTC_DISABLED'
  | 'RTC_WORKER_MISSING'
  | 'RTC_WORKER_DIED'
  | 'RTC_UNAVAILABLE'
  | 'RTC_VIEWER_LIMIT'
  | 'RTC_ROUTER_LIMIT'
  | 'RTC_NO_VIDEO'
  | 'RTC_VIEWER_NOT_FOUND'
  | 'RTC_BAD_REQUEST'
  | 'WHIP_BAD_OFFER'
  | 'WHIP_UNSUPPORTED_MEDIA'
  | 'WHIP_NO_CODEC'
  | 'WHIP_SESSION_NOT_FOUND'
  | 'WHIP_BUSY';

export const dashboardErrorInfo: Readonly<
  Record<DashboardErrorCode, { httpStatus: number; exitCode: number }>
> = Object.freeze({
  API_BAD_REQUEST: { httpStatus: 400, exitCode: 2 },
  API_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  API_BODY_TOO_LARGE: { httpStatus: 413, exitCode: 2 },
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
  GPU_UNAVAILABLE: { httpStatus: 503, exitCode: 1 },
  GPU_PROVIDER_NOT_CONFIGURED: { httpStatus: 409, exitCode: 2 },
  GPU_NO_OFFER: { httpStatus: 503, exitCode: 8 },
  GPU_BOOT_TIMEOUT: { httpStatus: 504, exitCode: 8 },
  GPU_BUDGET_EXCEEDED: { httpStatus: 402, exitCode: 8 },
  GPU_DAILY_BUDGET_EXCEEDED: { httpStatus: 402, exitCode: 8 },
  GPU_INSTANCE_LOST: { httpStatus: 502, exitCode: 8 },
  GPU_IDLE_TIMEOUT: { httpStatus: 409, exitCode: 8 },
  GPU_STOPPED: { httpStatus: 409, exitCode: 8 },
  GPU_POOL_CLOSED: { httpStatus: 503, exitCode: 1 },
  GPU_ORPHAN: { httpStatus: 409, exitCode: 8 },
  QUEUE_UNAVAILABLE: { httpStatus: 503, exitCode: 1 },
  QUEUE_LEASE_LOST: { httpStatus: 409, exitCode: 1 },
  QUEUE_FULL: { httpStatus: 503, exitCode: 1 },
  QUEUE_INVALID: { httpStatus: 400, exitCode: 2 },
  WORKER_TOKEN_INVALID: { httpStatus: 401, exitCode: 2 },
  WORKER_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  WORKER_UNAVAILABLE: { httpStatus: 503, exitCode: 5 },
  WORKER_LOST: { httpStatus: 503, exitCode: 5 },
  WORKER_RPC_REFUSED: { httpStatus: 403, exitCode: 2 },
  WORKER_STALE_ATTEMPT: { httpStatus: 409, exitCode: 2 },
  WORKER_PROTOCOL: { httpStatus: 400, exitCode: 2 },
  WORKER_SOURCE_REFUSED: { httpStatus: 403, exitCode: 2 },
  WORKER_FILE_DENIED: { httpStatus: 403, exitCode: 2 },
  WORKER_FAILED: { httpStatus: 500, exitCode: 1 },
  JOB_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  JOB_BAD_STATE: { httpStatus: 409, exitCode: 2 },
  JOB_MEDIA_MISSING: { httpStatus: 400, exitCode: 2 },
  JOB_BUDGET_REQUIRED: { httpStatus: 400, exitCode: 2 },
  JOB_BUDGET_INVALID: { httpStatus: 400, exitCode: 2 },
  JOB_GPU_UNAVAILABLE: { httpStatus: 409, exitCode: 2 },
  JOB_NO_OFFER: { httpStatus: 409, exitCode: 2 },
  JOB_ITEMS_FAILED: { httpStatus: 422, exitCode: 4 },
  SOURCE_INTERRUPTED: { httpStatus: 409, exitCode: 1 },
  SOURCE_QUARANTINED: { httpStatus: 403, exitCode: 2 },
  ANALYZE_UNAVAILABLE: { httpStatus: 503, exitCode: 1 },
  ANALYZE_BUSY: { httpStatus: 503, exitCode: 1 },
  ANALYZE_BAD_FRAME: { httpStatus: 400, exitCode: 2 },
  ANALYZE_FRAME_TOO_LARGE: { httpStatus: 413, exitCode: 2 },
  ANALYZE_PIXELS_MISMATCH: { httpStatus: 400, exitCode: 2 },
  ANALYZE_FRAME_SIZE_MISMATCH: { httpStatus: 400, exitCode: 2 },
  ANALYZE_TOO_MANY_FRAMES: { httpStatus: 413, exitCode: 2 },
  ANALYZE_BAD_AUDIO: { httpStatus: 400, exitCode: 2 },
  ANALYZE_BAD_SAMPLE_RATE: { httpStatus: 400, exitCode: 2 },
  ANALYZE_AUDIO_TOO_LONG: { httpStatus: 413, exitCode: 2 },
  ANALYZE_MODEL_MISSING: { httpStatus: 422, exitCode: 6 },
  /** Not thrown: an audio analyzer named in a request without audio is listed as unavailable with it. */
  ANALYZE_NO_AUDIO: { httpStatus: 400, exitCode: 2 },
  SAFETY_EVENT_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  TAGS_BAD_VOCABULARY: { httpStatus: 400, exitCode: 2 },
  RTC_DISABLED: { httpStatus: 503, exitCode: 1 },
  RTC_WORKER_MISSING: { httpStatus: 503, exitCode: 1 },
  RTC_WORKER_DIED: { httpStatus: 503, exitCode: 1 },
  RTC_UNAVAILABLE: { httpStatus: 503, exitCode: 1 },
  RTC_VIEWER_LIMIT: { httpStatus: 429, exitCode: 1 },
  RTC_ROUTER_LIMIT: { httpStatus: 503, exitCode: 1 },
  RTC_NO_VIDEO: { httpStatus: 404, exitCode: 3 },
  RTC_VIEWER_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  RTC_BAD_REQUEST: { httpStatus: 400, exitCode: 2 },
  WHIP_BAD_OFFER: { httpStatus: 400, exitCode: 2 },
  WHIP_UNSUPPORTED_MEDIA: { httpStatus: 415, exitCode: 2 },
  WHIP_NO_CODEC: { httpStatus: 406, exitCode: 2 },
  WHIP_SESSION_NOT_FOUND: { httpStatus: 404, exitCode: 3 },
  WHIP_BUSY: { httpStatus: 409, exitCode: 2 },
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
