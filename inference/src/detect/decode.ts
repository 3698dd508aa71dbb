import { InferenceError } from '../errors.ts';
import type { Candidate } from './types.ts';

export interface DecodeParams {
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly numClasses: number;
  /** Minimum score per class id; a class below its threshold is never a candidate. */
  readonly thresholds: Float32Array;
  /** min(thresholds): rows below it are skipped before the class scan. */
  readonly minThreshold: number;
}

const YOLOX_STRIDES = [8, 16, 32] as const;

/**
 * YOLOX head output [1, N, 5 + C]: rows are the stride-8, -16, -32 grids, row-major; each row
 * `[dx, dy, log w, log h, obj, cls...]` with obj and cls already sigmoided (MANIFEST.md).
 * `batchIndex` selects the image in a batched output.
 */
export function decodeYolox(
  data: Float32Array,
  dims: readonly number[],
  p: DecodeParams,
  batchIndex = 0,
): Candidate[] {
  const rows = dims[1] ?? 0;
  const width = dims[2] ?? 0;
  if (width !== 5 + p.numClasses) {
    throw new InferenceError(
      'MODEL_BAD_OUTPUT',
      `yolox output has ${width} values per row, expected ${5 + p.numClasses} (wrong --decoder or --labels for this model?)`,
    );
  }
  let expected = 0;
  for (const s of YOLOX_STRIDES) expected += Math.floor(p.inputHeight / s) * Math.floor(p.inputWidth / s);
  if (rows !== expected) {
    throw new InferenceError(
      'MODEL_BAD_OUTPUT',
      `yolox output has ${rows} rows, expected ${expected} for the input size`,
    );
  }
  const out: Candidate[] = [];
  let r = 0;
  const base = batchIndex * rows * width;
  for (const s of YOLOX_STRIDES) {
    const gw = Math.floor(p.inputWidth / s);
    const gh = Math.floor(p.inputHeight / s);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, r++) {
        const o = base + r * width;
        const obj = data[o + 4]!;
        if (obj < p.minThreshold) continue;
        let best = 0;
        let bestScore = -1;
        for (let c = 0; c < p.numClasses; c++) {
          const v = data[o + 5 + c]!;
          if (v > bestScore) {
            bestScore = v;
            best = c;
          }
        }
        const score = obj * bestScore;
        if (score < p.thresholds[best]!) continue;
        const cx = (data[o]! + gx) * s;
        const cy = (data[o + 1]! + gy) * s;
        const w = Math.exp(data[o + 2]!) * s;
        const h = Math.exp(data[o + 3]!) * s;
        out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, classId: best });
      }
    }
  }
  return out;
}

/**
 * YOLOv8/v11-style output: [1, 4 + C, N] (ultralytics default, channels first) or [1, N, 4 + C];
 * boxes are cx, cy, w, h in input pixels, class scores already sigmoided, no objectness.
 */
export function decodeYolov8(
  data: Float32Array,
  dims: readonly number[],
  p: DecodeParams,
  batchIndex = 0,
): Candidate[] {
  const a = dims[1] ?? 0;
  const b = dims[2] ?? 0;
  const channels = 4 + p.numClasses;
  let n: number;
  let stride: number; // distance between consecutive channels of one anchor
  let step: number; // distance between consecutive anchors
  if (a === channels) {
    n = b;
    stride = n;
    step = 1;
  } else if (b === channels) {
    n = a;
    stride = 1;
    step = channels;
  } else {
    throw new InferenceError(
      'MODEL_BAD_OUTPUT',
      `yolov8 output dims [${dims.join(',')}] do not hold ${channels} channels (wrong --decoder for this model?)`,
    );
  }
  const base = batchIndex * n * channels;
  const out: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const o = base + i * step;
    let best = 0;
    let bestScore = -1;
    for (let c = 0; c < p.numClasses; c++) {
      const v = data[o + (4 + c) * stride]!;
      if (v > bestScore) {
        bestScore = v;
        best = c;
      }
    }
    if (bestScore < p.thresholds[best]!) continue;
    const cx = data[o]!;
    const cy = data[o + stride]!;
    const w = data[o + 2 * stride]!;
    const h = data[o + 3 * stride]!;
    out.push({
      x1: cx - w / 2,
      y1: cy - h / 2,
      x2: cx + w / 2,
      y2: cy + h / 2,
      score: bestScore,
      classId: best,
    });
  }
  return out;
}
