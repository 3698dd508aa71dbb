// nsfwjs MobileNetV2 on whole frames: pre-processing, decoding, and a session wrapper. The scores
// describe content only; they never decide anything about anyone's age (the gate does that first).
import { InferenceError } from '../errors.ts';
import type { ModelSession } from '../ort/session.ts';
import type { TensorData } from '../ort/protocol.ts';
import { regionToTensor, type PackedImage, type TensorLayout } from '../age/resize.ts';

export interface NsfwScores {
  readonly drawing: number;
  readonly hentai: number;
  readonly neutral: number;
  readonly porn: number;
  readonly sexy: number;
}

/** RGB, /255, bilinear 224×224 with aligned corners (as nsfwjs resizes), NHWC. */
export const NSFWJS_INPUT: TensorLayout = {
  width: 224,
  height: 224,
  order: 'RGB',
  layout: 'NHWC',
  scale: 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  grid: 'align-corners',
};

/** The whole frame as nsfwjs's input tensor. */
export function nsfwjsTensor(img: PackedImage, out = new Float32Array(224 * 224 * 3)): Float32Array {
  regionToTensor(img, { x: 0, y: 0, w: img.width, h: img.height }, NSFWJS_INPUT, out);
  return out;
}

/** Softmax probabilities in nsfwjs order: Drawing, Hentai, Neutral, Porn, Sexy. */
export function decodeNsfwjs(t: TensorData | undefined): NsfwScores {
  if (!t || !(t.data instanceof Float32Array) || t.data.length !== 5) {
    throw new InferenceError('MODEL_BAD_OUTPUT', 'nsfwjs: expected 5 float32 probabilities');
  }
  const d = t.data;
  if (!Array.from(d).every((v) => Number.isFinite(v) && v >= 0)) {
    throw new InferenceError('MODEL_BAD_OUTPUT', 'nsfwjs: probabilities out of range');
  }
  return { drawing: d[0]!, hentai: d[1]!, neutral: d[2]!, porn: d[3]!, sexy: d[4]! };
}

export interface NsfwClassifier {
  classify(img: PackedImage): Promise<NsfwScores>;
}

export function createNsfwClassifier(session: ModelSession): NsfwClassifier {
  const input = session.inputs[0]?.name ?? 'input';
  const output = session.outputs[0]?.name;
  return {
    async classify(img) {
      const data = nsfwjsTensor(img);
      const r = await session.run({ [input]: { type: 'float32', data, dims: [1, 224, 224, 3] } });
      return decodeNsfwjs(output ? r.outputs[output] : Object.values(r.outputs)[0]);
    },
  };
}
