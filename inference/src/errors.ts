/** Stable codes of the inference package. Never reuse or rename a code. */
export type InferenceErrorCode =
  | 'MODEL_UNKNOWN'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_HASH_MISMATCH'
  | 'MODEL_DOWNLOAD_FAILED'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_BAD_OUTPUT'
  | 'INFER_FAILED'
  | 'INFER_CLOSED'
  | 'INFER_UNKNOWN_CLASS'
  | 'INFER_BAD_CONFIG'
  | 'INFER_UNKNOWN_ANALYZER'
  | 'INFER_ANALYZER_FAILED'
  // Safety rule files (issue 11)
  | 'SAFETY_BAD_RULES'
  // Zero-shot tag vocabularies (issue 11)
  | 'SAFETY_BAD_VOCABULARY'
  // GPU provider clients (issue 10)
  | 'GPU_PROVIDER_AUTH'
  | 'GPU_NO_CAPACITY'
  | 'GPU_INSUFFICIENT_FUNDS'
  | 'GPU_RATE_LIMITED'
  | 'GPU_PROVIDER_ERROR'
  | 'GPU_PROVIDER_UNREACHABLE'
  | 'GPU_PROVIDER_BAD_REQUEST'
  | 'GPU_OFFER_GONE'
  | 'GPU_OFFER_UNKNOWN'
  | 'GPU_PRICE_ABOVE_CAP'
  | 'GPU_ABORTED'
  // The minor-protection gate (issue 11)
  | 'SAFETY_AGE_GATE_REQUIRED'
  | 'SAFETY_MINOR_STOP'
  | 'SAFETY_AGE_GATE_FAILED';

/** HTTP status and CLI exit code for each code, in one place. */
export const inferenceErrorInfo: Readonly<
  Record<InferenceErrorCode, { httpStatus: number; exitCode: number }>
> = Object.freeze({
  MODEL_UNKNOWN: { httpStatus: 404, exitCode: 6 },
  MODEL_NOT_FOUND: { httpStatus: 503, exitCode: 6 },
  MODEL_HASH_MISMATCH: { httpStatus: 503, exitCode: 6 },
  MODEL_DOWNLOAD_FAILED: { httpStatus: 503, exitCode: 6 },
  MODEL_LOAD_FAILED: { httpStatus: 503, exitCode: 6 },
  MODEL_BAD_OUTPUT: { httpStatus: 500, exitCode: 6 },
  INFER_FAILED: { httpStatus: 500, exitCode: 1 },
  INFER_CLOSED: { httpStatus: 500, exitCode: 1 },
  INFER_UNKNOWN_CLASS: { httpStatus: 400, exitCode: 2 },
  INFER_BAD_CONFIG: { httpStatus: 400, exitCode: 2 },
  INFER_UNKNOWN_ANALYZER: { httpStatus: 400, exitCode: 2 },
  INFER_ANALYZER_FAILED: { httpStatus: 500, exitCode: 1 },
  SAFETY_BAD_RULES: { httpStatus: 400, exitCode: 2 },
  SAFETY_BAD_VOCABULARY: { httpStatus: 400, exitCode: 2 },
  GPU_PROVIDER_AUTH: { httpStatus: 502, exitCode: 8 },
  GPU_NO_CAPACITY: { httpStatus: 503, exitCode: 8 },
  GPU_INSUFFICIENT_FUNDS: { httpStatus: 402, exitCode: 8 },
  GPU_RATE_LIMITED: { httpStatus: 503, exitCode: 8 },
  GPU_PROVIDER_ERROR: { httpStatus: 502, exitCode: 8 },
  GPU_PROVIDER_UNREACHABLE: { httpStatus: 502, exitCode: 8 },
  GPU_PROVIDER_BAD_REQUEST: { httpStatus: 502, exitCode: 8 },
  GPU_OFFER_GONE: { httpStatus: 409, exitCode: 8 },
  GPU_OFFER_UNKNOWN: { httpStatus: 404, exitCode: 8 },
  GPU_PRICE_ABOVE_CAP: { httpStatus: 409, exitCode: 8 },
  GPU_ABORTED: { httpStatus: 499, exitCode: 1 },
  SAFETY_AGE_GATE_REQUIRED: { httpStatus: 409, exitCode: 2 },
  SAFETY_MINOR_STOP: { httpStatus: 403, exitCode: 1 },
  SAFETY_AGE_GATE_FAILED: { httpStatus: 500, exitCode: 1 },
});

export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  readonly code: InferenceErrorCode;
  readonly httpStatus: number;
  readonly exitCode: number;

  constructor(code: InferenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.httpStatus = inferenceErrorInfo[code].httpStatus;
    this.exitCode = inferenceErrorInfo[code].exitCode;
  }
}
