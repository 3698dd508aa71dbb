// Pure geometry of poses: COCO-17 indices, crop rectangles around person boxes, keypoint access.
// Keypoints are flat arrays of 17 × [x, y, score] in source pixels (PoseRow.keypoints).

export type Box = readonly [number, number, number, number];

/** A rectangle of the source picture (may reach outside it: those pixels read as black). */
export interface CropRect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** One person's pose as a decoder found it, before smoothing. */
export interface PoseCandidate {
  /** Person box [x1, y1, x2, y2], source pixels. */
  readonly box: Box;
  /** Person score (the detector's, or the pose model's own for multi-person models). */
  readonly score: number;
  /** 17 × [x, y, score], source pixels. */
  readonly keypoints: number[];
}

export const KP = Object.freeze({
  nose: 0,
  leftEye: 1,
  rightEye: 2,
  leftEar: 3,
  rightEar: 4,
  leftShoulder: 5,
  rightShoulder: 6,
  leftElbow: 7,
  rightElbow: 8,
  leftWrist: 9,
  rightWrist: 10,
  leftHip: 11,
  rightHip: 12,
  leftKnee: 13,
  rightKnee: 14,
  leftAnkle: 15,
  rightAnkle: 16,
});
export const KEYPOINT_COUNT = 17;

/**
 * A square around a person box, `pad` of its longer side added on every side, centred on the box.
 * MoveNet reads its input undistorted only when the crop is square.
 */
export function squareCrop(box: Box, pad = 0.15): CropRect {
  const [x1, y1, x2, y2] = box;
  const side = Math.max(x2 - x1, y2 - y1) * (1 + 2 * pad);
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  return { x: cx - side / 2, y: cy - side / 2, w: side, h: side };
}

/**
 * The top-down crop of MMPose/RTMPose: the box scaled by `padding` (1.25) around its centre, then
 * widened or heightened to the input's aspect ratio (w/h), so the affine warp keeps proportions.
 */
export function aspectCrop(box: Box, inputW: number, inputH: number, padding = 1.25): CropRect {
  const [x1, y1, x2, y2] = box;
  let w = (x2 - x1) * padding;
  let h = (y2 - y1) * padding;
  const aspect = inputW / inputH;
  if (w > h * aspect) h = w / aspect;
  else w = h * aspect;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  return { x: cx - w / 2, y: cy - h / 2, w, h };
}

/** Mean keypoint score. */
export function meanScore(kp: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < KEYPOINT_COUNT; i++) s += kp[i * 3 + 2] ?? 0;
  return s / KEYPOINT_COUNT;
}

/** Keypoint i as {x, y, s}, or null when its score is under `minScore`. */
export function point(
  kp: readonly number[],
  i: number,
  minScore: number,
): { x: number; y: number; s: number } | null {
  const s = kp[i * 3 + 2] ?? 0;
  if (s < minScore) return null;
  return { x: kp[i * 3]!, y: kp[i * 3 + 1]!, s };
}

/** Intersection over union of two xyxy boxes. */
export function boxIou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy IoU matching of multi-person poses to detect's person tracks (highest IoU first, each
 * used once). Returns, per pose, the matched track's index or -1.
 */
export function matchByIou(poses: readonly Box[], tracks: readonly Box[], minIou = 0.3): number[] {
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < poses.length; i++)
    for (let j = 0; j < tracks.length; j++) {
      const iou = boxIou(poses[i]!, tracks[j]!);
      if (iou >= minIou) pairs.push([iou, i, j]);
    }
  pairs.sort((a, b) => b[0] - a[0]);
  const out = new Array<number>(poses.length).fill(-1);
  const used = new Set<number>();
  for (const [, i, j] of pairs) {
    if (out[i] !== -1 || used.has(j)) continue;
    out[i] = j;
    used.add(j);
  }
  return out;
}
