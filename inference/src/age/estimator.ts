// Ages one face of a frame with a real model session: crop, resize, normalise, run, decode.
import type { ModelSession } from '../ort/session.ts';
import { decodeAge, type AgeDecoder, type AgeEstimate } from './decode.ts';
import {
  boxToRegion,
  regionToTensor,
  squareAround,
  type PackedImage,
  type Region,
  type TensorLayout,
} from './resize.ts';

/** How each decoder's model wants its face (MANIFEST.md; InsightFace attribute.py). */
export const AGE_INPUTS: Readonly<Record<AgeDecoder, TensorLayout & { readonly expand: number }>> = {
  // Face crop kept BGR, 64×64 INTER_LINEAR, /255, ImageNet mean/std on B, G, R in that order.
  ssrnet: {
    width: 64,
    height: 64,
    order: 'BGR',
    layout: 'NCHW',
    scale: 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    grid: 'half-pixel',
    expand: 1,
  },
  // A square 1.5× the face box around its centre, 96×96, RGB, raw 0–255 (input_mean 0, std 1).
  genderage: {
    width: 96,
    height: 96,
    order: 'RGB',
    layout: 'NCHW',
    scale: 1,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    grid: 'half-pixel',
    expand: 1.5,
  },
};

export interface AgeFrame extends PackedImage {
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/** The face region in frame pixels: whole pixels inside the frame (a cv2 crop), or null if empty. */
export function faceRegion(
  frame: AgeFrame,
  box: readonly [number, number, number, number],
  decoder: AgeDecoder,
): Region | null {
  const r = boxToRegion(box, frame);
  const spec = AGE_INPUTS[decoder];
  // The expanded square may leave the frame: edge pixels repeat (InsightFace pads with black,
  // which ages nobody differently at 1.5×; SSR-Net crops inside the frame).
  if (spec.expand !== 1) return squareAround(r, spec.expand);
  const x0 = Math.max(0, Math.round(r.x));
  const y0 = Math.max(0, Math.round(r.y));
  const x1 = Math.min(frame.width, Math.round(r.x + r.w));
  const y1 = Math.min(frame.height, Math.round(r.y + r.h));
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

export interface AgeModel {
  readonly decoder: AgeDecoder;
  /** Ages the faces (boxes in source pixels) of one frame in one batch per face; null = not aged. */
  estimate(frame: AgeFrame, box: readonly [number, number, number, number]): Promise<AgeEstimate | null>;
}

export function createAgeModel(session: ModelSession, decoder: AgeDecoder): AgeModel {
  const spec = AGE_INPUTS[decoder];
  const inputName = session.inputs[0]?.name ?? 'input';
  const outputName = session.outputs[0]?.name;
  return {
    decoder,
    async estimate(frame, box) {
      const region = faceRegion(frame, box, decoder);
      if (!region) return null;
      const data = new Float32Array(3 * spec.width * spec.height);
      regionToTensor(frame, region, spec, data);
      const dims = spec.layout === 'NCHW' ? [1, 3, spec.height, spec.width] : [1, spec.height, spec.width, 3];
      const r = await session.run({ [inputName]: { type: 'float32', data, dims } });
      return decodeAge(decoder, outputName ? r.outputs[outputName] : Object.values(r.outputs)[0]);
    },
  };
}
