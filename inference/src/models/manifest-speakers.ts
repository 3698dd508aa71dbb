import type { ModelSpec } from './manifest.ts';

/** Speaker segmentation and embedding models users download (sherpa-onnx diarization); not in shared/models. */
export const SPEAKER_MODELS: readonly ModelSpec[] = [];
