import type { RgbImage } from '../detect/letterbox.ts';

/** Long side of the working image every visual feature is measured on. */
export const WORK_LONG_SIDE = 320;

/**
 * A frame reduced by an integer box filter to ≤ 320 px on the long side: RGB bytes (always RGB
 * order) and BT.601 luma as floats (not rounded, so faint texture survives for the Laplacian).
 * Buffers belong to the Downsampler that filled them and are overwritten by its next call.
 */
export interface SmallImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
  readonly grey: Float32Array;
}

/** Box-filter downsampler that keeps its buffers between calls (they grow, never shrink). */
export class Downsampler {
  #rgb = new Uint8Array(0);
  #grey = new Float32Array(0);
  #acc = new Uint32Array(0);

  run(img: RgbImage): SmallImage {
    const { width: w, height: h, data } = img;
    if (!(w > 0 && h > 0) || data.length < w * h * 3) {
      throw new RangeError(`image data holds ${data.length} bytes, not ${w}x${h}x3`);
    }
    const f = Math.max(1, Math.ceil(Math.max(w, h) / WORK_LONG_SIDE));
    const sw = Math.ceil(w / f);
    const sh = Math.ceil(h / f);
    this.#ensure(sw, sh);
    const acc = this.#acc;
    const rgb = this.#rgb;
    const grey = this.#grey;
    // Which source byte is red: images may come as BGR.
    const r0 = img.bgr === true ? 2 : 0;
    const b0 = 2 - r0;
    for (let cy = 0; cy < sh; cy++) {
      acc.fill(0, 0, sw * 3);
      const y0 = cy * f;
      const y1 = Math.min(h, y0 + f);
      for (let y = y0; y < y1; y++) {
        const row = y * w * 3;
        for (let cx = 0, a = 0; cx < sw; cx++, a += 3) {
          let si = row + cx * f * 3;
          const end = row + Math.min(w, (cx + 1) * f) * 3;
          let r = 0;
          let g = 0;
          let b = 0;
          for (; si < end; si += 3) {
            r += data[si + r0]!;
            g += data[si + 1]!;
            b += data[si + b0]!;
          }
          acc[a]! += r;
          acc[a + 1]! += g;
          acc[a + 2]! += b;
        }
      }
      const rows = y1 - y0;
      for (let cx = 0; cx < sw; cx++) {
        const n = rows * (Math.min(w, (cx + 1) * f) - cx * f);
        const a = cx * 3;
        const r = acc[a]! / n;
        const g = acc[a + 1]! / n;
        const b = acc[a + 2]! / n;
        const o = cy * sw + cx;
        rgb[o * 3] = Math.round(r);
        rgb[o * 3 + 1] = Math.round(g);
        rgb[o * 3 + 2] = Math.round(b);
        grey[o] = 0.299 * r + 0.587 * g + 0.114 * b;
      }
    }
    return { width: sw, height: sh, rgb: rgb.subarray(0, sw * sh * 3), grey: grey.subarray(0, sw * sh) };
  }

  #ensure(sw: number, sh: number): void {
    if (this.#rgb.length < sw * sh * 3) this.#rgb = new Uint8Array(sw * sh * 3);
    if (this.#grey.length < sw * sh) this.#grey = new Float32Array(sw * sh);
    if (this.#acc.length < sw * 3) this.#acc = new Uint32Array(sw * 3);
  }
}
