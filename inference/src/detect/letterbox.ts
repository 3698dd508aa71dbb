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
 * the ingest layer normally asks ffmpeg for the fitted size, so the hot path is a table lookup per byte.
 */
export function letterboxInto(
  img: RgbImage,
  spec: ImageInputSpec,
  out: Float32Array,
  offset = 0,
): LetterboxTransform {
  const t = letterboxTransform(img.width, img.height, spec);
  const W = spec.width;
  const plane = W * spec.height;
  const nw = Math.min(W, Math.round(img.width * t.scale));
  const nh = Math.min(spec.height, Math.round(img.height * t.scale));
  // Model channel c reads source byte (swap ? 2 - c : c) of each pixel.
  const swap = (spec.colorOrder === 'BGR') !== (img.bgr === true);
  const s0 = swap ? 2 : 0;
  const s2 = swap ? 0 : 2;
  const lut = normalisationLut(spec);
  const p0 = offset;
  const p1 = offset + plane;
  const p2 = offset + 2 * plane;
  fillPadding(out, spec, t, nw, nh, [p0, p1, p2], [lut[768]!, lut[769]!, lut[770]!]);
  const src = img.data;
  const order: ChannelOrder = { s0, s2 };
  if (nw === img.width && nh === img.height) {
    for (let y = 0; y < nh; y++) {
      const row = (y + t.padY) * W + t.padX;
      directRow(src, y * img.width * 3, nw, lut, order, out, [p0 + row, p1 + row, p2 + row]);
    }
    return t;
  }
  const sx = img.width / nw;
  const sy = img.height / nh;
  // Bilinear resize. The column taps are the same on every row: computed once.
  const taps = columnTaps(nw, sx, img.width - 1);
  for (let y = 0; y < nh; y++) {
    const row = (y + t.padY) * W + t.padX;
    bilinearRow(img, y, sy, taps, nw, spec, order, out, [p0 + row, p1 + row, p2 + row]);
  }
  return t;
}

/** Which source byte each model channel 0 and 2 reads (channel 1 is always byte 1). */
export interface ChannelOrder {
  readonly s0: number;
  readonly s2: number;
}

/** Byte offsets of the two source columns each output column blends, and the blend weight. */
export interface ColumnTaps {
  readonly x0s: Int32Array;
  readonly x1s: Int32Array;
  readonly wxs: Float32Array;
}

/** Taps of output columns first … first + n − 1 of a resize by `sx` (source columns 0 … maxX). */
export function columnTaps(n: number, sx: number, maxX: number, first = 0): ColumnTaps {
  const x0s = new Int32Array(n);
  const x1s = new Int32Array(n);
  const wxs = new Float32Array(n);
  for (let x = 0; x < n; x++) {
    const fx = Math.min(Math.max((first + x + 0.5) * sx - 0.5, 0), maxX);
    const x0 = Math.floor(fx);
    x0s[x] = x0 * 3;
    x1s[x] = Math.min(x0 + 1, maxX) * 3;
    wxs[x] = fx - x0;
  }
  return { x0s, x1s, wxs };
}

/**
 * n pixels of one unscaled source row from byte `si`, normalised through the table, written at
 * out[o[c] + x] for model channel c. No closures in the pixel loops here: a function created per
 * pixel costs more than the arithmetic.
 */
export function directRow(
  src: Uint8Array,
  si: number,
  n: number,
  lut: Float32Array,
  { s0, s2 }: ChannelOrder,
  out: Float32Array,
  [o0, o1, o2]: readonly [number, number, number],
): void {
  for (let x = 0; x < n; x++, si += 3) {
    out[o0 + x] = lut[src[si + s0]!]!;
    out[o1 + x] = lut[256 + src[si + 1]!]!;
    out[o2 + x] = lut[512 + src[si + s2]!]!;
  }
}

/** n pixels of output row y of a bilinear resize (rows scaled by `sy`), normalised, as directRow. */
export function bilinearRow(
  img: RgbImage,
  y: number,
  sy: number,
  { x0s, x1s, wxs }: ColumnTaps,
  n: number,
  spec: ImageInputSpec,
  { s0, s2 }: ChannelOrder,
  out: Float32Array,
  [o0, o1, o2]: readonly [number, number, number],
): void {
  const src = img.data;
  const maxY = img.height - 1;
  const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), maxY);
  const y0 = Math.floor(fy);
  const y1 = Math.min(y0 + 1, maxY);
  const wy = fy - y0;
  const r0 = y0 * img.width * 3;
  const r1 = y1 * img.width * 3;
  const [m0, m1, m2] = spec.mean;
  const [d0, d1, d2] = spec.std;
  for (let x = 0; x < n; x++) {
    const a = r0 + x0s[x]!;
    const b = r0 + x1s[x]!;
    const c = r1 + x0s[x]!;
    const d = r1 + x1s[x]!;
    const wx = wxs[x]!;
    const w00 = (1 - wx) * (1 - wy);
    const w01 = wx * (1 - wy);
    const w10 = (1 - wx) * wy;
    const w11 = wx * wy;
    const v0 = src[a + s0]! * w00 + src[b + s0]! * w01 + src[c + s0]! * w10 + src[d + s0]! * w11;
    const v1 = src[a + 1]! * w00 + src[b + 1]! * w01 + src[c + 1]! * w10 + src[d + 1]! * w11;
    const v2 = src[a + s2]! * w00 + src[b + s2]! * w01 + src[c + s2]! * w10 + src[d + s2]! * w11;
    out[o0 + x] = (v0 - m0) / d0;
    out[o1 + x] = (v1 - m1) / d1;
    out[o2 + x] = (v2 - m2) / d2;
  }
}

const luts = new WeakMap<ImageInputSpec, Float32Array>();

/** 3×256 normalised values (model channel order) plus the 3 normalised pad values, per spec. */
export function normalisationLut(spec: ImageInputSpec): Float32Array {
  let lut = luts.get(spec);
  if (!lut) {
    lut = new Float32Array(771);
    for (let c = 0; c < 3; c++) {
      for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v - spec.mean[c]!) / spec.std[c]!;
      lut[768 + c] = (spec.letterbox.pad - spec.mean[c]!) / spec.std[c]!;
    }
    luts.set(spec, lut);
  }
  return lut;
}

/** Writes the pad value only where the image does not cover the input (usually a bottom band). */
function fillPadding(
  out: Float32Array,
  spec: ImageInputSpec,
  t: LetterboxTransform,
  nw: number,
  nh: number,
  planes: readonly [number, number, number],
  pads: readonly [number, number, number],
): void {
  const W = spec.width;
  for (let c = 0; c < 3; c++) {
    const base = planes[c]!;
    const v = pads[c]!;
    out.fill(v, base, base + t.padY * W);
    out.fill(v, base + (t.padY + nh) * W, base + spec.height * W);
    if (nw < W) {
      for (let y = t.padY; y < t.padY + nh; y++) {
        const row = base + y * W;
        out.fill(v, row, row + t.padX);
        out.fill(v, row + t.padX + nw, row + W);
      }
    }
  }
}
