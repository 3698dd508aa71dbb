// Silero VAD v6.2 on a shared ORT session: one stream's recurrent state and 64-sample context.
// The state recurrence makes windows of one stream strictly sequential, so each call is one
// 512-sample window; the feed buffers travel to the worker and back and are reused, so a call
// allocates nothing but the two small output tensors.
import { InferenceError } from '../../errors.ts';
import type { TensorData, TensorMap } from '../../ort/protocol.ts';
import type { ModelSession } from '../../ort/session.ts';

export const SILERO_WINDOW = 512;
export const SILERO_CONTEXT = 64;
const STATE_SIZE = 2 * 1 * 128;

export interface SileroStream {
  /** Speech probability of each 512-sample window of `samples` (length a multiple of 512), in order. */
  run(samples: Float32Array): Promise<Float32Array>;
  /** Zeroes state and context (a new, unrelated run of audio). */
  reset(): void;
}

export function createSileroStream(session: ModelSession): SileroStream {
  const names = session.inputs.map((i) => i.name);
  const outs = session.outputs.map((o) => o.name);
  if (!names.includes('input') || !names.includes('state') || !names.includes('sr') || outs.length < 2)
    throw new InferenceError('MODEL_BAD_OUTPUT', `model ${session.label}: not a Silero VAD v5/v6 graph`);
  const probName = outs.includes('output') ? 'output' : (outs[0] as string);
  const stateName = outs.includes('stateN') ? 'stateN' : (outs[1] as string);

  let feeds: TensorMap = {
    input: {
      type: 'float32',
      data: new Float32Array(SILERO_CONTEXT + SILERO_WINDOW),
      dims: [1, SILERO_CONTEXT + SILERO_WINDOW],
    },
    state: { type: 'float32', data: new Float32Array(STATE_SIZE), dims: [2, 1, 128] },
    sr: { type: 'int64', data: new BigInt64Array([16000n]), dims: [] },
  };
  const context = new Float32Array(SILERO_CONTEXT);

  const step = async (window: Float32Array): Promise<number> => {
    const input = feeds.input?.data as Float32Array;
    input.set(context, 0);
    input.set(window, SILERO_CONTEXT);
    context.set(window.subarray(SILERO_WINDOW - SILERO_CONTEXT));
    const res = await session.run(feeds);
    feeds = res.feeds;
    const prob = res.outputs[probName];
    const next = res.outputs[stateName];
    if (!prob || !next || next.data.length !== STATE_SIZE)
      throw new InferenceError('MODEL_BAD_OUTPUT', `model ${session.label}: missing output or state`);
    ((feeds.state as TensorData).data as Float32Array).set(next.data as Float32Array);
    return (prob.data as Float32Array)[0] ?? 0;
  };

  return {
    async run(samples) {
      const n = Math.floor(samples.length / SILERO_WINDOW);
      const probs = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        probs[i] = await step(samples.subarray(i * SILERO_WINDOW, (i + 1) * SILERO_WINDOW));
      }
      return probs;
    },
    reset() {
      context.fill(0);
      (feeds.state?.data as Float32Array).fill(0);
    },
  };
}
