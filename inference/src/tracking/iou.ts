import type { Box } from './types.ts';

/** Intersection over union of two [x1, y1, x2, y2] boxes; 0 when either box has no area. */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (!(iw > 0 && ih > 0)) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * IoU of every box in `a` (rows) against every box in `b` (columns), row-major.
 * Pass `out` (at least a.length * b.length long) to reuse a buffer.
 */
export function iouMatrix(a: readonly Box[], b: readonly Box[], out?: Float64Array): Float64Array {
  const cols = b.length;
  const result = out ?? new Float64Array(a.length * cols);
  if (result.length < a.length * cols) throw new RangeError('iouMatrix: out is too small');
  a.forEach((boxA, r) => {
    b.forEach((boxB, c) => {
      result[r * cols + c] = iou(boxA, boxB);
    });
  });
  return result;
}
