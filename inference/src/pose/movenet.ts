// MoveNet SinglePose (Lightning) decoding: one person per square crop (shared/models/MANIFEST.md).
import { KEYPOINT_COUNT, type CropRect } from './geometry.ts';

/** MoveNet Lightning's input side (uint8 NHWC RGB). */
export const MOVENET_SIZE = 192;

/**
 * Output [1,1,17,3] = [y, x, score] normalised to the crop → 17 × [x, y, score] in source pixels.
 * Scores are clamped to 0..1 (int8 dequantisation can step a hair outside).
 */
export function decodeMovenet(out: ArrayLike<number>, crop: CropRect): number[] {
  if (out.length < KEYPOINT_COUNT * 3)
    throw new RangeError(`movenet output has ${out.length} values, want 51`);
  const kp = new Array<number>(KEYPOINT_COUNT * 3);
  for (let i = 0; i < KEYPOINT_COUNT; i++) {
    const y = out[i * 3]!;
    const x = out[i * 3 + 1]!;
    const s = out[i * 3 + 2]!;
    kp[i * 3] = crop.x + x * crop.w;
    kp[i * 3 + 1] = crop.y + y * crop.h;
    kp[i * 3 + 2] = Math.min(1, Math.max(0, s));
  }
  return kp;
}
