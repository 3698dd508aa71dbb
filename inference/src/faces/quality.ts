import { ALIGNED_SIZE } from './align.ts';
import type { FaceQuality, FaceRejectReason } from './types.ts';

/** When a face counts as good enough to identify: every field has a default. */
export interface FaceQualityOptions {
  /** Shorter side of the face box, analysed-image pixels. Default 32. */
  readonly minSizePx?: number;
  /** Laplacian variance of the aligned crop's centre. Default 30. */
  readonly minSharpness?: number;
  /** |yaw| above this is a profile view. Default 0.6. */
  readonly maxYaw?: number;
  /** |pitch| above this is looking too far up or down. Default 0.7. */
  readonly maxPitch?: number;
  /** Detector score below this (default 0.7; the face analyzer sets one per detector). */
  readonly minScore?: number;
}

/**
 * Measured on short_hamilton_clip.mp4 (640×360) and the test stills: in-focus faces have a
 * sharpness of 60–490 (stills up to ~5000), out-of-focus audience faces 1–8; 32 px boxes are about
 * where an aligned 112-px crop becomes mostly interpolation. Yaw 0.6 ≈ 40° of head turn.
 */
export const DEFAULT_FACE_QUALITY: Readonly<Required<FaceQualityOptions>> = Object.freeze({
  minSizePx: 32,
  minSharpness: 30,
  maxYaw: 0.6,
  maxPitch: 0.7,
  minScore: 0.7,
});

// The face proper inside the aligned crop (the template's eyes sit at y ≈ 52, mouth at y ≈ 92):
// measuring the border too would count the black fill of faces at the image edge as detail.
const INNER_FROM = 16;
const INNER_TO = 100;

/**
 * Variance of the 4-neighbour Laplacian (cv2.Laplacian ksize 1) of the grey crop's inner part
 * (rows and columns 16..99 of 112). Blur and upsampled small faces score low; JPEG noise on
 * flat skin barely moves it.
 */
export function cropSharpness(crop: Uint8Array, size = ALIGNED_SIZE): number {
  const grey = new Float32Array(size * size);
  for (let i = 0; i < size * size; i++)
    grey[i] = 0.299 * crop[i * 3]! + 0.587 * crop[i * 3 + 1]! + 0.114 * crop[i * 3 + 2]!;
  const from = Math.max(1, Math.round((INNER_FROM * size) / ALIGNED_SIZE));
  const to = Math.min(size - 1, Math.round((INNER_TO * size) / ALIGNED_SIZE));
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  for (let y = from; y < to; y++) {
    for (let x = from; x < to; x++) {
      const i = y * size + x;
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - size]! + grey[i + size]! - 4 * grey[i]!;
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sum2 / n - mean * mean;
}

/**
 * Head pose from the 5 landmarks (ArcFace order), in the face's own frame (rotated so the eye line
 * is horizontal, which removes roll). Yaw: where the nose sits between the eyes, −1..1. Pitch:
 * where it sits between the eye line and the mouth line, mapped so the template's ratio is 0.
 */
export function landmarkPose(lm: ArrayLike<number>): { yaw: number; pitch: number } {
  const ex = lm[2]! - lm[0]!;
  const ey = lm[3]! - lm[1]!;
  const iod = Math.hypot(ex, ey);
  if (!(iod > 0)) return { yaw: 0, pitch: 0 };
  const cos = ex / iod;
  const sin = ey / iod;
  // Coordinates along (u) and across (v) the eye line, origin at the left eye.
  const u = (x: number, y: number): number => (x - lm[0]!) * cos + (y - lm[1]!) * sin;
  const v = (x: number, y: number): number => -(x - lm[0]!) * sin + (y - lm[1]!) * cos;
  const noseU = u(lm[4]!, lm[5]!);
  const noseV = v(lm[4]!, lm[5]!);
  const mouthV = (v(lm[6]!, lm[7]!) + v(lm[8]!, lm[9]!)) / 2;
  const yaw = clamp((2 * noseU) / iod - 1, -1, 1);
  // ArcFace template: nose 20.1 px below the eye line, mouth 40.7 px → ratio 0.495.
  const ratio = mouthV > 0 ? noseV / mouthV : 0;
  const pitch = clamp((ratio - 0.495) / 0.4, -1, 1);
  return { yaw, pitch };
}

export interface QualityInput {
  readonly score: number;
  /** Face box shorter side in analysed-image pixels. */
  readonly sizePx: number;
  /** Landmarks (any pixel unit; only ratios are used). */
  readonly landmarks: ArrayLike<number>;
  readonly crop: Uint8Array;
}

/** Scores one face and decides whether it is good enough to identify (first failed check wins). */
export function assessQuality(f: QualityInput, opts: FaceQualityOptions = {}): FaceQuality {
  const o = { ...DEFAULT_FACE_QUALITY, ...definedOnly(opts) };
  const sharpness = cropSharpness(f.crop);
  const { yaw, pitch } = landmarkPose(f.landmarks);
  let reason: FaceRejectReason = '';
  if (f.score < o.minScore) reason = 'low-score';
  else if (f.sizePx < o.minSizePx) reason = 'small';
  else if (Math.abs(yaw) > o.maxYaw || Math.abs(pitch) > o.maxPitch) reason = 'pose';
  else if (sharpness < o.minSharpness) reason = 'blurry';
  // Each factor reaches 1 at twice its threshold, so the score ranks crops among good faces too.
  const score =
    clamp(f.sizePx / (2 * o.minSizePx), 0, 1) *
    clamp(sharpness / (2 * o.minSharpness), 0, 1) *
    clamp(1 - Math.abs(yaw), 0, 1) *
    clamp(1 - 0.5 * Math.abs(pitch), 0, 1) *
    clamp(f.score, 0, 1);
  return { score, sizePx: f.sizePx, sharpness, yaw, pitch, good: reason === '', reason };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
