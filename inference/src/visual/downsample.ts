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
  #col = new Uint32Array(0);
  #colW = 0;
  #colF = 0;

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
    // One pass over the source: each pixel adds into its cell's column (a table lookup), not a loop
    // per cell, whose set-up cost dwarfs the two or three pixels it sums at these factors.
    const col = this.#columns(w, f);
    for (let cy = 0; cy < sh; cy++) {
      acc.fill(0, 0, sw * 3);
      const y0 = cy * f;
      const y1 = Math.min(h, y0 + f);
      for (let y = y0; y < y1; y++) {
        for (let x = 0, si = y * w * 3; x < w; x++, si += 3) {
          const a = col[x]!;
          acc[a]! += data[si + r0]!;
          acc[a + 1]! += data[si + 1]!;
          acc[a + 2]! += data[si + b0]!;
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
        // floor(x + 0.5) is Math.round for these non-negative means, and much cheaper on CPUs
        // without SSE4.1 rounding (V8 then calls out for Math.round).
        rgb[o * 3] = (r + 0.5) | 0;
        rgb[o * 3 + 1] = (g + 0.5) | 0;
        rgb[o * 3 + 2] = (b + 0.5) | 0;
        grey[o] = 0.299 * r + 0.587 * g + 0.114 * b;
      }
    }
    return { width: sw, height: sh, rgb: rgb.subarray(0, sw * sh * 3), grey: grey.subarray(0, sw * sh) };
  }

  /** Accumulator offset (cell column × 3) of each source column, for the last width and factor. */
  #columns(w: number, f: number): Uint32Array {
    if (this.#colW !== w || this.#colF !== f) {
      this.#col = new Uint32Array(w);
      for (let x = 0; x < w; x++) this.#col[x] = Math.floor(x / f) * 3;
      this.#colW = w;
      this.#colF = f;
    }
    return this.#col;
  }

  #ensure(sw: number, sh: number): void {
    if (this.#rgb.length < sw * sh * 3) this.#rgb = new Uint8Array(sw * sh * 3);
    if (this.#grey.length < sw * sh) this.#grey = new Float32Array(sw * sh);
    if (this.#acc.length < sw * 3) this.#acc = new Uint32Array(sw * 3);
  }
}
