import type { ModelSpec } from './manifest.ts';

/** Audio models present in shared/models (EfficientAT tagging and its labels). */
export const AUDIO_MODELS: readonly ModelSpec[] = [];
