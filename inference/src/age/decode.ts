// Output decoders of the age models. Pure; a malformed output is MODEL_BAD_OUTPUT (the caller
// turns that into an 'unknown' verdict: a model that cannot be read never passes anyone).
import { InferenceError } from '../errors.ts';
import type { TensorData } from '../ort/protocol.ts';

export type AgeDecoder = 'ssrnet' | 'genderage';

export interface AgeEstimate {
  /** Years. */
  readonly age: number;
  /** genderage only: P(male) from its two gender logits; null for SSR-Net. */
  readonly male: number | null;
}

function floats(t: TensorData | undefined, what: string): Float32Array {
  if (!t || !(t.data instanceof Float32Array)) {
    throw new InferenceError('MODEL_BAD_OUTPUT', `${what}: expected a float32 output`);
  }
  return t.data;
}

/** SSR-Net: one float, the age in years ([1] or [1,1]). */
export function decodeSsrnet(t: TensorData | undefined): AgeEstimate {
  const d = floats(t, 'ssrnet');
  if (d.length !== 1)
    throw new InferenceError('MODEL_BAD_OUTPUT', `ssrnet: expected 1 value, got ${d.length}`);
  const age = d[0]!;
  if (!Number.isFinite(age)) throw new InferenceError('MODEL_BAD_OUTPUT', 'ssrnet: the age is not a number');
  return { age, male: null };
}

/**
 * InsightFace genderage: [1, 3] = two gender logits (female, male) and age / 100
 * (insightface/model_zoo/attribute.py: gender = argmax(pred[:2]), age = round(pred[2] * 100)).
 */
export function decodeGenderage(t: TensorData | undefined): AgeEstimate {
  const d = floats(t, 'genderage');
  if (d.length !== 3)
    throw new InferenceError('MODEL_BAD_OUTPUT', `genderage: expected 3 values, got ${d.length}`);
  const [f, m, a] = [d[0]!, d[1]!, d[2]!];
  if (![f, m, a].every(Number.isFinite)) {
    throw new InferenceError('MODEL_BAD_OUTPUT', 'genderage: non-finite output');
  }
  const hi = Math.max(f, m);
  const ef = Math.exp(f - hi);
  const em = Math.exp(m - hi);
  return { age: a * 100, male: em / (ef + em) };
}

export function decodeAge(decoder: AgeDecoder, t: TensorData | undefined): AgeEstimate {
  return decoder === 'ssrnet' ? decodeSsrnet(t) : decodeGenderage(t);
}
