import type { ModelSpec } from './manifest.ts';

/** Pose models (issue 11): present in shared/models (tested with real weights). */
export const POSE_MODELS: readonly ModelSpec[] = [];

/** Pose models (issue 11): users download them (real URLs and sha256; not tried here). */
export const POSE_DOWNLOAD_MODELS: readonly ModelSpec[] = [];
