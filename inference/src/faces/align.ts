import type { RgbImage } from '../detect/letterbox.ts';
import type { ImageInputSpec } from '../models/manifest.ts';

/** Side of the aligned face crop every supported embedder takes. */
export const ALIGNED_SIZE = 112;

/**
 * The standard 5-point ArcFace template for 112×112 crops (InsightFace `arcface_dst`; also what
 * OpenCV's FaceRecognizerSF aligns to): image-left eye, image-right eye, nose tip, image-left and
 * image-right mouth corner, x0, y0, …, x4, y4.
 */
export const ARCFACE_TEMPLATE_112: readonly number[] = Object.freeze([
  38.2946, 51.6963, 73.5318, 51.5014, 56.0252, 71.7366, 41.5493, 92.3655, 70.7299, 92.2041,
]);

/**
 * A 2-D similarity transform `[a, -b, tx, b, a, ty]` (row-major 2×3): x' = a·x − b·y + tx,
 * y' = b·x + a·y + ty, i.e. uniform scale √(a²+b²), rotation atan2(b, a), no reflection.
 */
export type Similarity2D = readonly [number, number, number, number, number, number];

/**
 * Least-squares similarity transform taking the points `src` onto `dst` (x0, y0, x1, y1, …),
 * Umeyama (1991) restricted to proper rotations. In 2-D its SVD has this closed form: with both
 * point sets centred, a = Σ(p·q)/Σ|p|², b = Σ(p×q)/Σ|p|².
 */
export function similarityTransform(src: ArrayLike<number>, dst: ArrayLike<number>): Similarity2D {
  const n = Math.min(src.length, dst.length) >> 1;
  let msx = 0;
  let msy = 0;
  let mdx = 0;
  let mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[2 * i]!;
    msy += src[2 * i + 1]!;
    mdx += dst[2 * i]!;
    mdy += dst[2 * i + 1]!;
  }
  msx /= n;
  msy /= n;
  mdx /= n;
  mdy /= n;
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = src[2 * i]! - msx;
    const py = src[2 * i + 1]! - msy;
    const qx = dst[2 * i]! - mdx;
    const qy = dst[2 * i + 1]! - mdy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (!(norm > 0)) return [1, 0, mdx - msx, 0, 1, mdy - msy];
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, mdx - (a * msx - b * msy), b, a, mdy - (b * msx + a * msy)];
}

/** Applies a similarity to points (x0, y0, …), into a new array. */
export function applySimilarity(m: Similarity2D, pts: ArrayLike<number>): Float32Array {
  const out = new Float32Array(pts.length);
  for (let i = 0; i + 1 < pts.length; i += 2) {
    const x = pts[i]!;
    const y = pts[i + 1]!;
    out[i] = m[0] * x + m[1] * y + m[2];
    out[i + 1] = m[3] * x + m[4] * y + m[5];
  }
  return out;
}

/**
 * Warps the face with the given landmarks (in `image` pixels, ArcFace order) onto the 112×112
 * ArcFace template: bilinear, pixels outside the image black (cv2.warpAffine's defaults, which
 * the embedders were trained with). Returns RGB HWC whatever the image's byte order.
 */
export function alignFace(
  image: RgbImage,
  landmarks: ArrayLike<number>,
  out: Uint8Array = new Uint8Array(ALIGNED_SIZE * ALIGNED_SIZE * 3),
): Uint8Array {
  const [a, , tx, b, , ty] = similarityTransform(landmarks, ARCFACE_TEMPLATE_112);
  // Inverse map: src = A⁻¹(dst − t), A⁻¹ = [a b; −b a] / (a² + b²).
  const k = 1 / (a * a + b * b);
  const ia = a * k;
  const ib = b * k;
  const { width: W, height: H, data: src } = image;
  const r = image.bgr ? 2 : 0;
  const bl = image.bgr ? 0 : 2;
  for (let v = 0; v < ALIGNED_SIZE; v++) {
    for (let u = 0; u < ALIGNED_SIZE; u++) {
      const du = u - tx;
      const dv = v - ty;
      const sx = ia * du + ib * dv;
      const sy = -ib * du + ia * dv;
      const o = (v * ALIGNED_SIZE + u) * 3;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const wx = sx - x0;
      const wy = sy - y0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        // All 4 neighbours inside (almost every pixel): the loop below unrolled, the same
        // arithmetic in the same order, so the same bytes.
        const w00 = (1 - wx) * (1 - wy);
        const w01 = wx * (1 - wy);
        const w10 = (1 - wx) * wy;
        const w11 = wx * wy;
        const i00 = (y0 * W + x0) * 3;
        const i10 = i00 + W * 3;
        out[o] =
          src[i00 + r]! * w00 + src[i00 + 3 + r]! * w01 + src[i10 + r]! * w10 + src[i10 + 3 + r]! * w11 + 0.5;
        out[o + 1] =
          src[i00 + 1]! * w00 + src[i00 + 4]! * w01 + src[i10 + 1]! * w10 + src[i10 + 4]! * w11 + 0.5;
        out[o + 2] =
          src[i00 + bl]! * w00 +
          src[i00 + 3 + bl]! * w01 +
          src[i10 + bl]! * w10 +
          src[i10 + 3 + bl]! * w11 +
          0.5;
        continue;
      }
      // Each of the 4 neighbours contributes only when inside the image (constant-0 border).
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      for (let j = 0; j < 4; j++) {
        const x = x0 + (j & 1);
        const y = y0 + (j >> 1);
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        const w = ((j & 1) === 1 ? wx : 1 - wx) * (j >> 1 === 1 ? wy : 1 - wy);
        const i = (y * W + x) * 3;
        c0 += src[i + r]! * w;
        c1 += src[i + 1]! * w;
        c2 += src[i + bl]! * w;
      }
      out[o] = c0 + 0.5;
      out[o + 1] = c1 + 0.5;
      out[o + 2] = c2 + 0.5;
    }
  }
  return out;
}

/**
 * Writes an aligned RGB crop into `out` (NCHW float32, at `offset` floats) in the embedder's
 * colour order and normalisation (`(pixel − mean) / std` per model channel).
 */
export function cropToTensor(crop: Uint8Array, spec: ImageInputSpec, out: Float32Array, offset = 0): void {
  const plane = ALIGNED_SIZE * ALIGNED_SIZE;
  const swap = spec.colorOrder === 'BGR';
  for (let c = 0; c < 3; c++) {
    const srcC = swap ? 2 - c : c;
    const mean = spec.mean[c]!;
    const inv = 1 / spec.std[c]!;
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (crop[i * 3 + srcC]! - mean) * inv;
  }
}
