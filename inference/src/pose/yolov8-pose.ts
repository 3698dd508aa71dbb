// YOLOv8/11-pose decoding (Ultralytics ONNX export): one output [1, 56, N] (or [1, N, 56]) with per
// anchor cx, cy, w, h, person score, then 17 × (x, y, visibility), all already decoded (boxes in
// letterboxed input pixels, scores sigmoided by the export's head).
import { nmsSingleClass } from '../detect/nms.ts';
import { KEYPOINT_COUNT, type PoseCandidate } from './geometry.ts';

const CHANNELS = 5 + KEYPOINT_COUNT * 3;

/** Maps input pixels back to source pixels: source = ((v − pad) / scale) · (source / frame size). */
export interface InputTransform {
  readonly scale: number;
  readonly padX: number;
  readonly padY: number;
  /** sourceWidth / frame width (1 when the frame is the source size). */
  readonly toSourceX: number;
  readonly toSourceY: number;
}

export interface YoloPoseOptions {
  readonly scoreThreshold: number;
  readonly iouThreshold: number;
  readonly maxPersons: number;
}

export const DEFAULT_YOLO_POSE: YoloPoseOptions = {
  scoreThreshold: 0.25,
  iouThreshold: 0.45,
  maxPersons: 20,
};

/** Decodes one image's output; returns people by descending score, NMS applied. */
export function decodeYoloPose(
  data: ArrayLike<number>,
  dims: readonly number[],
  t: InputTransform,
  o: YoloPoseOptions = DEFAULT_YOLO_POSE,
): PoseCandidate[] {
  const channelsFirst = dims[1] === CHANNELS;
  if (!channelsFirst && dims[2] !== CHANNELS)
    throw new RangeError(`yolo-pose output dims [${dims.join(',')}] lack a 56-wide axis`);
  const n = channelsFirst ? dims[2]! : dims[1]!;
  const at = channelsFirst
    ? (c: number, i: number) => data[c * n + i]!
    : (c: number, i: number) => data[i * CHANNELS + c]!;
  const sx = (v: number): number => ((v - t.padX) / t.scale) * t.toSourceX;
  const sy = (v: number): number => ((v - t.padY) / t.scale) * t.toSourceY;
  const cands: Array<{ x1: number; y1: number; x2: number; y2: number; score: number; i: number }> = [];
  for (let i = 0; i < n; i++) {
    const score = at(4, i);
    if (!(score >= o.scoreThreshold)) continue;
    const cx = at(0, i);
    const cy = at(1, i);
    const w = at(2, i);
    const h = at(3, i);
    cands.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, i });
  }
  return nmsSingleClass(cands, o.iouThreshold, o.maxPersons).map((c) => {
    const kp = new Array<number>(KEYPOINT_COUNT * 3);
    for (let k = 0; k < KEYPOINT_COUNT; k++) {
      kp[k * 3] = sx(at(5 + k * 3, c.i));
      kp[k * 3 + 1] = sy(at(6 + k * 3, c.i));
      kp[k * 3 + 2] = Math.min(1, Math.max(0, at(7 + k * 3, c.i)));
    }
    return { box: [sx(c.x1), sy(c.y1), sx(c.x2), sy(c.y2)] as const, score: c.score, keypoints: kp };
  });
}
