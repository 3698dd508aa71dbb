// RTMPose (SimCC) decoding: per keypoint, one classification over x bins and one over y bins, each
// `splitRatio` bins per input pixel. Top-down: one person box per call, warped to the input size.
import { KEYPOINT_COUNT, type CropRect } from './geometry.ts';

/** RTMPose body models' input (w×h) and SimCC split ratio (MMPose configs, 256x192 variants). */
export const RTMPOSE_INPUT = Object.freeze({ width: 192, height: 256, splitRatio: 2 });
/** RTMPose pre-processing: RGB, ImageNet mean/std on 0–255 values, NCHW. */
export const RTMPOSE_MEAN = [123.675, 116.28, 103.53] as const;
export const RTMPOSE_STD = [58.395, 57.12, 57.375] as const;

function argmax(a: ArrayLike<number>, from: number, len: number): [number, number] {
  let best = from;
  let max = a[from]!;
  for (let i = from + 1; i < from + len; i++) {
    if (a[i]! > max) {
      max = a[i]!;
      best = i;
    }
  }
  return [best - from, max];
}

/**
 * simcc_x [N,17,Wx], simcc_y [N,17,Hy] → 17 × [x, y, score] in source pixels for person `n`.
 * Location = argmax / splitRatio (input pixels), mapped through the crop; score = the smaller of
 * the two maxima (MMPose's get_simcc_maximum), clamped to 0..1.
 */
export function decodeSimcc(
  simccX: ArrayLike<number>,
  xDims: readonly number[],
  simccY: ArrayLike<number>,
  yDims: readonly number[],
  crop: CropRect,
  n = 0,
  input: { width: number; height: number; splitRatio: number } = RTMPOSE_INPUT,
): number[] {
  const wx = xDims[2]!;
  const hy = yDims[2]!;
  if (xDims[1] !== KEYPOINT_COUNT || yDims[1] !== KEYPOINT_COUNT)
    throw new RangeError(`simcc outputs need 17 keypoints, got [${xDims.join(',')}] / [${yDims.join(',')}]`);
  const kp = new Array<number>(KEYPOINT_COUNT * 3);
  for (let k = 0; k < KEYPOINT_COUNT; k++) {
    const [bx, vx] = argmax(simccX, (n * KEYPOINT_COUNT + k) * wx, wx);
    const [by, vy] = argmax(simccY, (n * KEYPOINT_COUNT + k) * hy, hy);
    const xIn = bx / input.splitRatio;
    const yIn = by / input.splitRatio;
    kp[k * 3] = crop.x + (xIn / input.width) * crop.w;
    kp[k * 3 + 1] = crop.y + (yIn / input.height) * crop.h;
    kp[k * 3 + 2] = Math.min(1, Math.max(0, Math.min(vx, vy)));
  }
  return kp;
}
