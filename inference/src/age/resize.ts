// Crop-and-resize of packed 8-bit frames into model tensors. Two sampling grids, because the
// models were trained with different resizers and the resize kernel moves their outputs (SSR-Net's
// reference face gives 36.7 with OpenCV INTER_LINEAR and 33–36 with other kernels).

/** Packed 3-channel pixels (RGB or BGR, as `format` says). */
export interface PackedImage {
  readonly width: number;
  readonly height: number;
  readonly format: 'rgb24' | 'bgr24';
  readonly data: Uint8Array;
}

/** A region of the image in its own pixels (may reach outside: edge pixels are repeated). */
export interface Region {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/**
 * 'half-pixel': OpenCV INTER_LINEAR (pixel centres, negative source coordinates clamped to 0).
 * 'align-corners': TF.js resizeBilinear(alignCorners=true), as nsfwjs uses it.
 */
export type ResizeGrid = 'half-pixel' | 'align-corners';

export interface TensorLayout {
  readonly width: number;
  readonly height: number;
  /** Channel order of the tensor. */
  readonly order: 'RGB' | 'BGR';
  readonly layout: 'NCHW' | 'NHWC';
  /** value = (pixel / scale - mean[c]) / std[c], c in the tensor's channel order. */
  readonly scale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly grid: ResizeGrid;
}

/** Source coordinate of destination index `i` along one axis. */
function coord(i: number, dst: number, start: number, len: number, grid: ResizeGrid): number {
  if (grid === 'align-corners') return start + (dst > 1 ? (i * (len - 1)) / (dst - 1) : 0);
  return start + Math.max(0, (i + 0.5) * (len / dst) - 0.5);
}

/** Writes the region, resized bilinearly, into `out` at `offset` (one image's worth of floats). */
export function regionToTensor(
  img: PackedImage,
  r: Region,
  t: TensorLayout,
  out: Float32Array,
  offset = 0,
): void {
  const { width: W, height: H, data } = img;
  const plane = t.width * t.height;
  // Input channel index for each tensor channel.
  const srcIsRgb = img.format === 'rgb24';
  const map = t.order === 'RGB' ? (srcIsRgb ? [0, 1, 2] : [2, 1, 0]) : srcIsRgb ? [2, 1, 0] : [0, 1, 2];
  const clampX = (v: number): number => (v < 0 ? 0 : v > W - 1 ? W - 1 : v);
  const clampY = (v: number): number => (v < 0 ? 0 : v > H - 1 ? H - 1 : v);
  for (let y = 0; y < t.height; y++) {
    const sy = coord(y, t.height, r.y, r.h, t.grid);
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const ra = clampY(y0) * W;
    const rb = clampY(y0 + 1) * W;
    for (let x = 0; x < t.width; x++) {
      const sx = coord(x, t.width, r.x, r.w, t.grid);
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const xa = clampX(x0);
      const xb = clampX(x0 + 1);
      for (let c = 0; c < 3; c++) {
        const s = map[c]!;
        const p00 = data[(ra + xa) * 3 + s]!;
        const p01 = data[(ra + xb) * 3 + s]!;
        const p10 = data[(rb + xa) * 3 + s]!;
        const p11 = data[(rb + xb) * 3 + s]!;
        const v = (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy;
        const n = (v / t.scale - t.mean[c]!) / t.std[c]!;
        const i =
          t.layout === 'NCHW' ? offset + c * plane + y * t.width + x : offset + (y * t.width + x) * 3 + c;
        out[i] = n;
      }
    }
  }
}

/** A box in source pixels → the same box in the frame's pixels (frames may be scaled down). */
export function boxToRegion(
  box: readonly [number, number, number, number],
  frame: { width: number; height: number; sourceWidth: number; sourceHeight: number },
): Region {
  const kx = frame.width / (frame.sourceWidth || frame.width);
  const ky = frame.height / (frame.sourceHeight || frame.height);
  return { x: box[0] * kx, y: box[1] * ky, w: (box[2] - box[0]) * kx, h: (box[3] - box[1]) * ky };
}

/** The square around a region's centre, `factor` times its long side (InsightFace's attribute crop). */
export function squareAround(r: Region, factor: number): Region {
  const side = Math.max(r.w, r.h) * factor;
  return { x: r.x + r.w / 2 - side / 2, y: r.y + r.h / 2 - side / 2, w: side, h: side };
}
