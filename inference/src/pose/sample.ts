// Crops a rectangle of a frame into a model-sized RGB image (bilinear). Pure: writes into buffers
// the caller owns (reused per frame), never allocates in the pixel loop.
import type { VideoInput } from '../analyzers/contract.ts';
import type { CropRect } from './geometry.ts';

/** The pixels of one analysed frame; `rect`s are in its source size (it may be decoded smaller). */
export type FramePixels = Pick<
  VideoInput,
  'width' | 'height' | 'format' | 'data' | 'sourceWidth' | 'sourceHeight'
>;

/**
 * Writes `rect` (source pixels) of `frame`, resized to outW×outH, into `out` as packed RGB bytes
 * (HWC). Pixels outside the frame are black (zero), as a zero-padded crop.
 */
export function cropRgbInto(
  frame: FramePixels,
  rect: CropRect,
  outW: number,
  outH: number,
  out: Uint8Array,
): void {
  const fx = frame.width / frame.sourceWidth;
  const fy = frame.height / frame.sourceHeight;
  const x0 = rect.x * fx;
  const y0 = rect.y * fy;
  const sx = (rect.w * fx) / outW;
  const sy = (rect.h * fy) / outH;
  const W = frame.width;
  const H = frame.height;
  const src = frame.data;
  const bgr = frame.format === 'bgr24';
  const c0 = bgr ? 2 : 0;
  const c2 = bgr ? 0 : 2;
  // Column taps are the same on every row: byte offsets of the two source columns, the blend
  // weight, and -1 for columns outside the frame (black).
  const xa = new Int32Array(outW);
  const xb = new Int32Array(outW);
  const wxs = new Float32Array(outW);
  for (let u = 0; u < outW; u++) {
    const px = x0 + (u + 0.5) * sx - 0.5;
    if (px < -0.5 || px > W - 0.5) {
      xa[u] = -1;
      continue;
    }
    const cx = Math.min(Math.max(px, 0), W - 1);
    const a = Math.floor(cx);
    xa[u] = a * 3;
    xb[u] = Math.min(a + 1, W - 1) * 3;
    wxs[u] = cx - a;
  }
  for (let v = 0; v < outH; v++) {
    const py = y0 + (v + 0.5) * sy - 0.5;
    const row = v * outW * 3;
    if (py < -0.5 || py > H - 0.5) {
      out.fill(0, row, row + outW * 3);
      continue;
    }
    const cy = Math.min(Math.max(py, 0), H - 1);
    const ya = Math.floor(cy);
    const r0 = ya * W * 3;
    const r1 = Math.min(ya + 1, H - 1) * W * 3;
    const wy = cy - ya;
    for (let u = 0; u < outW; u++) {
      const o = row + u * 3;
      const ta = xa[u]!;
      if (ta < 0) {
        out[o] = 0;
        out[o + 1] = 0;
        out[o + 2] = 0;
        continue;
      }
      const tb = xb[u]!;
      const wx = wxs[u]!;
      const w00 = (1 - wx) * (1 - wy);
      const w01 = wx * (1 - wy);
      const w10 = (1 - wx) * wy;
      const w11 = wx * wy;
      const a = r0 + ta;
      const b = r0 + tb;
      const c = r1 + ta;
      const d = r1 + tb;
      out[o] = src[a + c0]! * w00 + src[b + c0]! * w01 + src[c + c0]! * w10 + src[d + c0]! * w11 + 0.5;
      out[o + 1] = src[a + 1]! * w00 + src[b + 1]! * w01 + src[c + 1]! * w10 + src[d + 1]! * w11 + 0.5;
      out[o + 2] = src[a + c2]! * w00 + src[b + c2]! * w01 + src[c + c2]! * w10 + src[d + c2]! * w11 + 0.5;
    }
  }
}

/** Packed RGB bytes (HWC) → normalised NCHW float32: (v − mean[c]) / std[c]. */
export function rgbToNchw(
  rgb: Uint8Array,
  w: number,
  h: number,
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
  out: Float32Array,
  offset = 0,
): void {
  const plane = w * h;
  for (let i = 0; i < plane; i++) {
    out[offset + i] = (rgb[i * 3]! - mean[0]) / std[0];
    out[offset + plane + i] = (rgb[i * 3 + 1]! - mean[1]) / std[1];
    out[offset + 2 * plane + i] = (rgb[i * 3 + 2]! - mean[2]) / std[2];
  }
}
