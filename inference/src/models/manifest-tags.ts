import type { ModelSpec } from './manifest.ts';

/** Zero-shot image/text models and their data (issue 11): present in shared/models (tested with real weights). */
export const TAG_MODELS: readonly ModelSpec[] = [];

/** Zero-shot image/text models and their data (issue 11): users download them (real URLs and sha256; not tried here). */
export const TAG_DOWNLOAD_MODELS: readonly ModelSpec[] = [];
