import type { AudioInput } from '../analyzers/contract.ts';
import { InferenceError } from '../errors.ts';

/** Audio analyzers take the host's 16 kHz mono stream only; anything else is a wiring bug. */
export function checkAudioChunk(analyzerId: string, chunk: AudioInput): void {
  if (chunk.sampleRate !== 16000)
    throw new InferenceError(
      'INFER_BAD_CONFIG',
      `analyzer ${analyzerId}: expects 16000 Hz audio, got ${chunk.sampleRate} Hz`,
    );
}
