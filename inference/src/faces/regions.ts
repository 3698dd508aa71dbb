import {
  bilinearRow,
  columnTaps,
  directRow,
  normalisationLut,
  type ChannelOrder,
  type RgbImage,
} from '../detect/letterbox.ts';
import type { BoxXYXY } from '../detect/types.ts';
import type { ImageInputSpec } from '../models/manifest.ts';

/** A window of the whole-frame detector input, in its pixels: x, y, width, height (multiples of the grid). */
export interface InputWindow {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/**
 * Where a person's face can be, in the person box's own pixels: the box widened by a quarter of
 * its width each side, from a quarter of its width above the top down to 80 % of its height.
 * linkFacesToPersons only links faces centred in the upper half of the box; the margins keep a
 * head that pokes out of a tight box (a raised chin, a box cut at the shoulders) whole.
 */
export function faceSearchRegion(person: BoxXYXY): BoxXYXY {
  const [x1, y1, x2, y2] = person;
  const w = x2 - x1;
  const h = y2 - y1;
  return [x1 - 0.25 * w, y1 - 0.25 * w, x2 + 0.25 * w, y1 + 0.8 * h];
}

export interface WindowPlanOptions {
  /** Window sides and offsets are multiples of this (the detector's largest stride: 32). */
  readonly grid?: number;
  /** Smallest window side in input pixels (default 64). */
  readonly minSide?: number;
  /**
   * When the windows would cover at least this share of the whole input, the whole input runs
   * instead (one run is cheaper than several of nearly its size). Default 0.6.
   */
  readonly maxShare?: number;
}

/**
 * The detector windows for some regions of a W×H (grid-multiple) input: each region snapped
 * outwards to the grid (a window then sees exactly the pixels, and the same anchor cells, the
 * whole-frame run would), clamped to the input, overlapping ones merged into their bounding box.
 * 'full' when they would cover most of the input anyway; [] when no region lies inside it.
 */
export function planWindows(
  regions: readonly BoxXYXY[],
  W: number,
  H: number,
  opts: WindowPlanOptions = {},
): InputWindow[] | 'full' {
  const g = opts.grid ?? 32;
  const minSide = Math.min(opts.minSide ?? 64, W, H);
  const maxShare = opts.maxShare ?? 0.6;
  let rects: Array<[number, number, number, number]> = [];
  for (const [a, b, c, d] of regions) {
    let x1 = Math.max(0, Math.floor(a / g) * g);
    let y1 = Math.max(0, Math.floor(b / g) * g);
    let x2 = Math.min(W, Math.ceil(c / g) * g);
    let y2 = Math.min(H, Math.ceil(d / g) * g);
    if (!(x2 > x1 && y2 > y1)) continue;
    // Too small a window: grown around its centre (still on the grid, still inside).
    if (x2 - x1 < minSide) [x1, x2] = grow(x1, x2, minSide, W, g);
    if (y2 - y1 < minSide) [y1, y2] = grow(y1, y2, minSide, H, g);
    rects.push([x1, y1, x2, y2]);
  }
  // Merge until no two overlap (a few persons per frame: quadratic is fine).
  for (let merged = true; merged;) {
    merged = false;
    outer: for (let i = 0; i < rects.length; i++) {
      for (let j = i + 1; j < rects.length; j++) {
        const p = rects[i]!;
        const q = rects[j]!;
        if (p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3]) {
          rects[i] = [Math.min(p[0], q[0]), Math.min(p[1], q[1]), Math.max(p[2], q[2]), Math.max(p[3], q[3])];
          rects = rects.filter((_, k) => k !== j);
          merged = true;
          break outer;
        }
      }
    }
  }
  const area = rects.reduce((s, r) => s + (r[2] - r[0]) * (r[3] - r[1]), 0);
  if (rects.length > 0 && area >= maxShare * W * H) return 'full';
  return rects.map(([x1, y1, x2, y2]) => ({ x: x1, y: y1, w: x2 - x1, h: y2 - y1 }));
}

function grow(lo: number, hi: number, side: number, max: number, g: number): [number, number] {
  const want = Math.ceil(side / g) * g;
  let a = Math.max(0, Math.floor(((lo + hi) / 2 - want / 2) / g) * g);
  const b = Math.min(max, a + want);
  a = Math.max(0, b - want);
  return [a, b];
}

/**
 * Writes window `win` of what letterboxInto(img, full) would write for the whole image (top-left
 * aligned, scaled to fit `full`) into `out` (NCHW float32, win.w × win.h): the same bilinear taps
 * and normalisation, pad value outside the image. Only the window's pixels are computed.
 */
export function letterboxWindowInto(
  img: RgbImage,
  full: ImageInputSpec,
  win: InputWindow,
  out: Float32Array,
): void {
  const scale = Math.min(full.width / img.width, full.height / img.height);
  const nw = Math.min(full.width, Math.round(img.width * scale));
  const nh = Math.min(full.height, Math.round(img.height * scale));
  const swap = (full.colorOrder === 'BGR') !== (img.bgr === true);
  const order: ChannelOrder = { s0: swap ? 2 : 0, s2: swap ? 0 : 2 };
  const lut = normalisationLut(full);
  const plane = win.w * win.h;
  const pad0 = lut[768]!;
  const pad1 = lut[769]!;
  const pad2 = lut[770]!;
  const direct = nw === img.width && nh === img.height;
  const sy = img.height / nh;
  // Columns of the window inside the image, and their taps (the same on every row).
  const xEnd = Math.max(0, Math.min(win.w, nw - win.x));
  const taps = direct ? null : columnTaps(xEnd, img.width / nw, img.width - 1, win.x);
  for (let y = 0; y < win.h; y++) {
    const Y = win.y + y;
    const row = y * win.w;
    if (Y >= nh) {
      out.fill(pad0, row, row + win.w);
      out.fill(pad1, plane + row, plane + row + win.w);
      out.fill(pad2, 2 * plane + row, 2 * plane + row + win.w);
      continue;
    }
    if (xEnd < win.w) {
      out.fill(pad0, row + xEnd, row + win.w);
      out.fill(pad1, plane + row + xEnd, plane + row + win.w);
      out.fill(pad2, 2 * plane + row + xEnd, 2 * plane + row + win.w);
    }
    const o = [row, plane + row, 2 * plane + row] as const;
    if (taps) bilinearRow(img, Y, sy, taps, xEnd, full, order, out, o);
    else directRow(img.data, (Y * img.width + win.x) * 3, xEnd, lut, order, out, o);
  }
}
