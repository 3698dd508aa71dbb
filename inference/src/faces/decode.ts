import { InferenceError } from '../errors.ts';
import { nmsSingleClass } from '../detect/nms.ts';
import type { TensorData } from '../ort/protocol.ts';
import type { FaceCandidate } from './types.ts';

export interface FaceDecodeParams {
  /** Model input size in pixels (multiples of 32). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly scoreThreshold: number;
}

const STRIDES = [8, 16, 32] as const;

type Outputs = Readonly<Record<string, TensorData | undefined>>;

function floats(outputs: Outputs, name: string, model: string): Float32Array {
  const t = outputs[name];
  if (!t || !(t.data instanceof Float32Array))
    throw new InferenceError('MODEL_BAD_OUTPUT', `${model}: output ${name} is missing or not float32`);
  return t.data;
}

function expectRows(model: string, name: string, data: Float32Array, rows: number, width: number): void {
  if (data.length !== rows * width) {
    throw new InferenceError(
      'MODEL_BAD_OUTPUT',
      `${model}: output ${name} has ${data.length} values, expected ${rows}×${width} for the input size`,
    );
  }
}

/**
 * YuNet (OpenCV Zoo, 2023mar/2026may exports): per stride s ∈ {8, 16, 32} one anchor per cell,
 * outputs `cls_s`, `obj_s` [1,N,1], `bbox_s` [1,N,4], `kps_s` [1,N,10], cells row-major.
 * score = √(clamp01(cls)·clamp01(obj)); box centre (g + b0,1)·s, size exp(b2,3)·s; keypoints
 * (g + k)·s. YuNet's landmark order is the subject's right eye first, i.e. the image-left eye:
 * already the ArcFace order (MANIFEST.md).
 */
export function decodeYunet(outputs: Outputs, p: FaceDecodeParams): FaceCandidate[] {
  const out: FaceCandidate[] = [];
  for (const s of STRIDES) {
    const gw = Math.floor(p.inputWidth / s);
    const gh = Math.floor(p.inputHeight / s);
    const n = gw * gh;
    const cls = floats(outputs, `cls_${s}`, 'yunet');
    const obj = floats(outputs, `obj_${s}`, 'yunet');
    const bbox = floats(outputs, `bbox_${s}`, 'yunet');
    const kps = floats(outputs, `kps_${s}`, 'yunet');
    expectRows('yunet', `cls_${s}`, cls, n, 1);
    expectRows('yunet', `obj_${s}`, obj, n, 1);
    expectRows('yunet', `bbox_${s}`, bbox, n, 4);
    expectRows('yunet', `kps_${s}`, kps, n, 10);
    // score ≥ t ⇔ cls·obj ≥ t²: skip the sqrt for the (many) cells far below the threshold.
    const t2 = p.scoreThreshold * p.scoreThreshold;
    for (let i = 0; i < n; i++) {
      const c = Math.min(Math.max(cls[i]!, 0), 1);
      const o = Math.min(Math.max(obj[i]!, 0), 1);
      if (c * o < t2) continue;
      const gx = i % gw;
      const gy = (i - gx) / gw;
      const b = i * 4;
      const cx = (gx + bbox[b]!) * s;
      const cy = (gy + bbox[b + 1]!) * s;
      const w = Math.exp(bbox[b + 2]!) * s;
      const h = Math.exp(bbox[b + 3]!) * s;
      const landmarks = new Float32Array(10);
      for (let j = 0; j < 5; j++) {
        landmarks[2 * j] = (kps[i * 10 + 2 * j]! + gx) * s;
        landmarks[2 * j + 1] = (kps[i * 10 + 2 * j + 1]! + gy) * s;
      }
      out.push({
        x1: cx - w / 2,
        y1: cy - h / 2,
        x2: cx + w / 2,
        y2: cy + h / 2,
        score: Math.sqrt(c * o),
        landmarks,
      });
    }
  }
  return out;
}

/**
 * SCRFD with keypoints (InsightFace det_500m / det_2.5g / det_10g exports): 9 outputs without a
 * batch dim, scores [N,1], distances [N,4], keypoints [N,10] per stride, 2 anchors per cell,
 * anchor centre (gx·s, gy·s). Box = centre ∓ distance·s, keypoint = centre + k·s, scores already
 * sigmoided. Output names differ between exports, so the outputs are told apart by their width
 * (1, 4, 10) and their stride by their length; pass them in any order.
 */
export function decodeScrfd(outputs: readonly TensorData[], p: FaceDecodeParams): FaceCandidate[] {
  const byWidth = (width: number): Float32Array[] =>
    outputs
      .filter((t) => t.dims[t.dims.length - 1] === width && t.data instanceof Float32Array)
      .map((t) => t.data as Float32Array)
      .sort((a, b) => b.length - a.length);
  const scores = byWidth(1);
  const boxes = byWidth(4);
  const kps = byWidth(10);
  if (scores.length !== 3 || boxes.length !== 3 || kps.length !== 3) {
    throw new InferenceError(
      'MODEL_BAD_OUTPUT',
      `scrfd: expected 3 score, 3 box and 3 keypoint outputs, got ${scores.length}, ${boxes.length}, ${kps.length} (not a 5-keypoint SCRFD export?)`,
    );
  }
  const out: FaceCandidate[] = [];
  STRIDES.forEach((s, k) => {
    const gw = Math.floor(p.inputWidth / s);
    const gh = Math.floor(p.inputHeight / s);
    const n = gw * gh * 2;
    const sc = scores[k]!;
    const bx = boxes[k]!;
    const kp = kps[k]!;
    expectRows('scrfd', `scores/${s}`, sc, n, 1);
    expectRows('scrfd', `boxes/${s}`, bx, n, 4);
    expectRows('scrfd', `keypoints/${s}`, kp, n, 10);
    for (let i = 0; i < n; i++) {
      const score = sc[i]!;
      if (score < p.scoreThreshold) continue;
      const cell = i >> 1;
      const gx = cell % gw;
      const cx = gx * s;
      const cy = ((cell - gx) / gw) * s;
      const b = i * 4;
      const landmarks = new Float32Array(10);
      for (let j = 0; j < 5; j++) {
        landmarks[2 * j] = cx + kp[i * 10 + 2 * j]! * s;
        landmarks[2 * j + 1] = cy + kp[i * 10 + 2 * j + 1]! * s;
      }
      out.push({
        x1: cx - bx[b]! * s,
        y1: cy - bx[b + 1]! * s,
        x2: cx + bx[b + 2]! * s,
        y2: cy + bx[b + 3]! * s,
        score,
        landmarks,
      });
    }
  });
  return out;
}

/** Greedy NMS over face candidates (one class): survivors by descending score. */
export function nmsFaces(
  cands: readonly FaceCandidate[],
  iouThreshold: number,
  maxFaces = 200,
): FaceCandidate[] {
  return nmsSingleClass(cands, iouThreshold, maxFaces);
}
