import type { ImageInputSpec } from '../models/manifest.ts';
import type { LetterboxTransform } from './types.ts';

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** Packed HWC, 3 bytes per pixel, RGB order (or BGR when `bgr` is set). */
  readonly data: Uint8Array;
  readonly bgr?: boolean;
}

/** Scale and padding that fit a w×h image inside the model input, keeping its aspect ratio. */
export function letterboxTransform(w: number, h: number, spec: ImageInputSpec): LetterboxTransform {
  const scale = Math.min(spec.width / w, spec.height / h);
  const nw = Math.round(w * scale);
  const nh = Math.round(h * scale);
  if (spec.letterbox.align === 'top-left') return { scale, padX: 0, padY: 0 };
  return { scale, padX: Math.floor((spec.width - nw) / 2), padY: Math.floor((spec.height - nh) / 2) };
}

/**
 * Writes `img` letterboxed into `out` (NCHW float32, one image at `offset` floats) in the model's
 * colour order and normalisation. Resizes bilinearly when the image is not already the fitted size;
 * the ingest layer normally asks ffmpeg for the fitted size, so the fast path is a plain copy.
 */
export function letterboxInto(
  img: RgbImage,
  spec: ImageInputSpec,
  out: Float32Array,
  offset = 0,
): LetterboxTransform {
  const t = letterboxTransform(img.width, img.height, spec);
  const W = spec.width;
  const H = spec.height;
  const plane = W * H;
  const nw = Math.min(W, Math.round(img.width * t.scale));
  const nh = Math.min(H, Math.round(img.height * t.scale));
  // Channel c of the model reads source byte (swap ? 2 - c : c) of each pixel.
  const swap = (spec.colorOrder === 'BGR') !== (img.bgr === true);
  const mean = spec.mean;
  const inv = [1 / spec.std[0], 1 / spec.std[1], 1 / spec.std[2]] as const;
  for (let c = 0; c < 3; c++) {
    const padValue = (spec.letterbox.pad - mean[c]!) * inv[c]!;
    out.fill(padValue, offset + c * plane, offset + (c + 1) * plane);
  }
  const src = img.data;
  const o0 = offset;
  const o1 = offset + plane;
  const o2 = offset + 2 * plane;
  const s0 = swap ? 2 : 0;
  const s2 = swap ? 0 : 2;
  const m0 = mean[0]!, m1 = mean[1]!, m2 = mean[2]!; // prettier-ignore
  const i0 = inv[0], i1 = inv[1], i2 = inv[2]; // prettier-ignore
  if (nw === img.width && nh === img.height) {
    for (let y = 0; y < nh; y++) {
      let si = y * img.width * 3;
      let di = (y + t.padY) * W + t.padX;
      for (let x = 0; x < nw; x++, si += 3, di++) {
        out[o0 + di] = (src[si + s0]! - m0) * i0;
        out[o1 + di] = (src[si + 1]! - m1) * i1;
        out[o2 + di] = (src[si + s2]! - m2) * i2;
      }
    }
    return t;
  }
  const sx = img.width / nw;
  const sy = img.height / nh;
  const maxX = img.width - 1;
  const maxY = img.height - 1;
  for (let y = 0; y < nh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), maxY);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, maxY);
    const wy = fy - y0;
    for (let x = 0; x < nw; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), maxX);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, maxX);
      const wx = fx - x0;
      const a = (y0 * img.width + x0) * 3;
      const b = (y0 * img.width + x1) * 3;
      const c = (y1 * img.width + x0) * 3;
      const d = (y1 * img.width + x1) * 3;
      const di = (y + t.padY) * W + x + t.padX;
      const px = (k: number): number =>
        (src[a + k]! * (1 - wx) + src[b + k]! * wx) * (1 - wy) +
        (src[c + k]! * (1 - wx) + src[d + k]! * wx) * wy;
      out[o0 + di] = (px(s0) - m0) * i0;
      out[o1 + di] = (px(1) - m1) * i1;
      out[o2 + di] = (px(s2) - m2) * i2;
    }
  }
  return t;
}
