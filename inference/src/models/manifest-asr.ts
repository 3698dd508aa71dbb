import type { ModelSpec } from './manifest.ts';

/** Speech-recognition model sets users download (sherpa-onnx Whisper and zipformer); not in shared/models. */
export const ASR_MODELS: readonly ModelSpec[] = [];
