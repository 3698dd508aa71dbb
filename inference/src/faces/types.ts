import type { BoxXYXY } from '../detect/types.ts';

/**
 * One detected face. Landmarks are in ArcFace order: image-left eye, image-right eye, nose tip,
 * image-left mouth corner, image-right mouth corner (x0, y0, …, x4, y4), in source-frame pixels.
 */
export interface FaceDetection {
  readonly box: BoxXYXY;
  readonly score: number;
  readonly landmarks: Float32Array;
}

/** Why a face is not good enough to identify anyone; '' when it is. */
export type FaceRejectReason = '' | 'small' | 'blurry' | 'pose' | 'low-score';

export interface FaceQuality {
  /** 0..1, the product of the size, sharpness, pose and detector-score factors (for ranking crops). */
  readonly score: number;
  /** Shorter side of the face box in the analysed image's pixels (what the crop was sampled from). */
  readonly sizePx: number;
  /** Variance of the 4-neighbour Laplacian of the aligned crop's grey centre (higher = sharper). */
  readonly sharpness: number;
  /** −1..1 from landmark geometry: 0 frontal, ±1 profile (positive: nose towards image right). */
  readonly yaw: number;
  /** −1..1 from landmark geometry: 0 when the nose sits half-way between eye line and mouth line. */
  readonly pitch: number;
  readonly good: boolean;
  readonly reason: FaceRejectReason;
}

export interface Face extends FaceDetection {
  readonly quality: FaceQuality;
  /** L2-normalised embedding; null when the face is not good. */
  readonly embedding: Float32Array | null;
  /** Aligned 112×112 crop, RGB HWC (for thumbnails). */
  readonly crop: Uint8Array;
}

/** A raw face candidate in model-input pixels, before NMS and mapping back to the frame. */
export interface FaceCandidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  /** 10 values, ArcFace order, model-input pixels. */
  landmarks: Float32Array;
}
