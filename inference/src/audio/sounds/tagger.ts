// EfficientAT on a shared ORT session: a batch of equal-length log-mel windows in, 527 sigmoid
// probabilities per window out.
import { InferenceError } from '../../errors.ts';
import type { ModelSession } from '../../ort/session.ts';
import { MEL_BANDS } from './mel.ts';

export const AUDIOSET_CLASSES = 527;

export interface AudioTagger {
  /** `mels`: one [128, frames] window each, all with the same frame count. */
  run(mels: readonly Float32Array[], frames: number): Promise<Float32Array[]>;
}

export function createAudioTagger(session: ModelSession): AudioTagger {
  const input = session.inputs[0]?.name;
  const output = session.outputs[0]?.name;
  if (!input || !output)
    throw new InferenceError('MODEL_BAD_OUTPUT', `model ${session.label}: no input/output`);
  return {
    async run(mels, frames) {
      const batch = mels.length;
      if (batch === 0) return [];
      const size = MEL_BANDS * frames;
      const data = new Float32Array(batch * size);
      mels.forEach((m, b) => data.set(m.subarray(0, size), b * size));
      const res = await session.run({
        [input]: { type: 'float32', data, dims: [batch, 1, MEL_BANDS, frames] },
      });
      const logits = res.outputs[output];
      if (!logits || logits.data.length !== batch * AUDIOSET_CLASSES)
        throw new InferenceError(
          'MODEL_BAD_OUTPUT',
          `model ${session.label}: expected [${batch},${AUDIOSET_CLASSES}] logits`,
        );
      const out: Float32Array[] = [];
      for (let b = 0; b < batch; b++) {
        const p = new Float32Array(AUDIOSET_CLASSES);
        for (let c = 0; c < AUDIOSET_CLASSES; c++)
          p[c] = 1 / (1 + Math.exp(-(logits.data[b * AUDIOSET_CLASSES + c] as number)));
        out.push(p);
      }
      return out;
    },
  };
}
