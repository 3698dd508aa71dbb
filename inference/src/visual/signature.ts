import type { SmallImage } from './downsample.ts';

/** 8 levels per RGB channel: 512 bins, coarse enough that noise and small motion barely move mass. */
const LEVELS = 8;
const HIST_BINS = LEVELS * LEVELS * LEVELS;

/**
 * Soft binning: each channel value is shared between the two nearest bin centres, so a small
 * global brightness drift (auto exposure over a flat grey road) moves histogram mass gradually
 * instead of flipping whole regions across a bin edge.
 */
const BIN_LO = new Uint8Array(256);
const BIN_HI = new Uint8Array(256);
const W_HI = new Float32Array(256);
for (let v = 0; v < 256; v++) {
  const p = Math.min(LEVELS - 1, Math.max(0, (v + 0.5) / (256 / LEVELS) - 0.5));
  const lo = Math.floor(p);
  BIN_LO[v] = lo;
  BIN_HI[v] = Math.min(LEVELS - 1, lo + 1);
  W_HI[v] = p - lo;
}
export const THUMB_W = 32;
export const THUMB_H = 18;

/** Mean luma every frame is scaled to before it is compared, and the limits of that gain. */
const TARGET_MEAN = 128;
const MIN_GAIN = 0.25;
const MAX_GAIN = 4;

/**
 * What a frame is compared by: a normalised colour histogram and a 32×18 grey thumbnail, both
 * taken after scaling the frame to a mean luma of 128. Without that gain, a camera's auto
 * exposure ramping over a flat scene (car-detection.mp4 when a white car drives in) scores as
 * high as a real cut between two dark shots (short_hamilton_clip.mp4).
 */
export class FrameSignature {
  readonly hist = new Float32Array(HIST_BINS);
  readonly thumb = new Float32Array(THUMB_W * THUMB_H);
  /** Cells that received at least one pixel (all of them unless the image is under 32×18). */
  readonly filled = new Uint8Array(THUMB_W * THUMB_H);
  readonly #cellCount = new Uint32Array(THUMB_W * THUMB_H);
  readonly #gainLut = new Uint8Array(256);
  /** Thumbnail column of each image column, for the last width seen. */
  #colCell = new Uint8Array(0);

  fill(small: SmallImage): void {
    const { width: w, height: h, rgb, grey } = small;
    const hist = this.hist;
    const thumb = this.thumb;
    const cellCount = this.#cellCount;
    hist.fill(0);
    thumb.fill(0);
    cellCount.fill(0);
    const n = w * h;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += grey[i]!;
    mean /= n;
    const gain = Math.min(MAX_GAIN, Math.max(MIN_GAIN, TARGET_MEAN / Math.max(1, mean)));
    const lut = this.#gainLut;
    for (let v = 0; v < 256; v++) lut[v] = Math.min(255, Math.round(v * gain));
    // The histogram samples every other pixel of every other row: a quarter of the work, and a
    // 160×90 sample of a 320×180 image is far more than 512 bins need.
    let samples = 0;
    if (this.#colCell.length !== w) {
      this.#colCell = new Uint8Array(w);
      for (let x = 0; x < w; x++) this.#colCell[x] = Math.min(THUMB_W - 1, Math.floor((x * THUMB_W) / w));
    }
    const colCell = this.#colCell;
    for (let y = 0; y < h; y++) {
      const row = Math.min(THUMB_H - 1, Math.floor((y * THUMB_H) / h)) * THUMB_W;
      const histRow = (y & 1) === 0 || h === 1;
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (histRow && ((x & 1) === 0 || w === 1)) {
          addSoft(hist, lut[rgb[i * 3]!]!, lut[rgb[i * 3 + 1]!]!, lut[rgb[i * 3 + 2]!]!);
          samples++;
        }
        const cell = row + colCell[x]!;
        thumb[cell]! += Math.min(255, grey[i]! * gain);
        cellCount[cell]!++;
      }
    }
    for (let b = 0; b < HIST_BINS; b++) hist[b]! /= samples;
    for (let c = 0; c < thumb.length; c++) {
      const k = cellCount[c]!;
      this.filled[c] = k > 0 ? 1 : 0;
      if (k > 0) thumb[c]! /= k;
    }
  }
}

function addSoft(hist: Float32Array, r: number, g: number, b: number): void {
  const r0 = BIN_LO[r]! * LEVELS * LEVELS;
  const r1 = BIN_HI[r]! * LEVELS * LEVELS;
  const g0 = BIN_LO[g]! * LEVELS;
  const g1 = BIN_HI[g]! * LEVELS;
  const b0 = BIN_LO[b]!;
  const b1 = BIN_HI[b]!;
  const wr = W_HI[r]!;
  const wg = W_HI[g]!;
  const wb = W_HI[b]!;
  const r0g0 = (1 - wr) * (1 - wg);
  const r0g1 = (1 - wr) * wg;
  const r1g0 = wr * (1 - wg);
  const r1g1 = wr * wg;
  hist[r0 + g0 + b0]! += r0g0 * (1 - wb);
  hist[r0 + g0 + b1]! += r0g0 * wb;
  hist[r0 + g1 + b0]! += r0g1 * (1 - wb);
  hist[r0 + g1 + b1]! += r0g1 * wb;
  hist[r1 + g0 + b0]! += r1g0 * (1 - wb);
  hist[r1 + g0 + b1]! += r1g0 * wb;
  hist[r1 + g1 + b0]! += r1g1 * (1 - wb);
  hist[r1 + g1 + b1]! += r1g1 * wb;
}

/** 1 − histogram intersection (= half the L1 distance of two normalised histograms), 0..1. */
export function histogramDistance(a: FrameSignature, b: FrameSignature): number {
  let l1 = 0;
  for (let i = 0; i < a.hist.length; i++) l1 += Math.abs(a.hist[i]! - b.hist[i]!);
  return Math.min(1, l1 / 2);
}

/** Mean absolute difference of the grey thumbnails over cells both filled, 0..1. */
export function structureDistance(a: FrameSignature, b: FrameSignature): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.thumb.length; i++) {
    if (a.filled[i] === 0 || b.filled[i] === 0) continue;
    sum += Math.abs(a.thumb[i]! - b.thumb[i]!);
    n++;
  }
  return n === 0 ? 0 : sum / n / 255;
}
