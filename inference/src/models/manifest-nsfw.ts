import type { ModelSpec } from './manifest.ts';

/** Content-classification models (issue 11): present in shared/models (tested with real weights). */
export const NSFW_MODELS: readonly ModelSpec[] = [];

/** Content-classification models (issue 11): users download them (real URLs and sha256; not tried here). */
export const NSFW_DOWNLOAD_MODELS: readonly ModelSpec[] = [];
