/** Most colours a palette holds. */
export const PALETTE_SIZE = 5;
/** Boxes standing for less than this share of the pixels are left out of the palette. */
const MIN_SHARE = 0.01;

const BITS = 5;
const LEVELS = 1 << BITS;
const BINS = LEVELS * LEVELS * LEVELS;

export interface Palette {
  readonly colors: number[];
  readonly shares: number[];
}

interface Box {
  /** Range [lo, hi) in the sorted list of occupied bins. */
  lo: number;
  hi: number;
  count: number;
}

/**
 * Median-cut quantiser over a 5-bit-per-channel histogram (the MMCQ scheme): the box with the
 * most pixels × widest channel range is split at the pixel median of that channel until there
 * are PALETTE_SIZE boxes or none can be split. Each colour is the mean of the real pixels in its
 * box, so a flat colour comes back exactly. Deterministic; buffers are reused between calls.
 */
export class PaletteQuantizer {
  readonly #count = new Uint32Array(BINS);
  readonly #sum = new Float64Array(BINS * 3);
  #bins = new Uint32Array(0);

  run(rgb: Uint8Array, pixels: number): Palette {
    const count = this.#count;
    const sum = this.#sum;
    // count and sum are all zero here: the previous run cleared the bins it used.
    let occupied = 0;
    for (let i = 0; i < pixels; i++) {
      const r = rgb[i * 3]!;
      const g = rgb[i * 3 + 1]!;
      const b = rgb[i * 3 + 2]!;
      const bin = ((r >> 3) << (2 * BITS)) | ((g >> 3) << BITS) | (b >> 3);
      if (count[bin]!++ === 0) occupied++;
      sum[bin * 3]! += r;
      sum[bin * 3 + 1]! += g;
      sum[bin * 3 + 2]! += b;
    }
    if (pixels === 0) return { colors: [], shares: [] };
    if (this.#bins.length < occupied) this.#bins = new Uint32Array(occupied);
    const bins = this.#bins;
    for (let bin = 0, j = 0; bin < BINS; bin++) if (count[bin]! > 0) bins[j++] = bin;

    const boxes: Box[] = [{ lo: 0, hi: occupied, count: pixels }];
    while (boxes.length < PALETTE_SIZE) {
      let best = -1;
      let bestPriority = 0;
      let bestChannel = 0;
      for (let i = 0; i < boxes.length; i++) {
        const { channel, range } = widestChannel(bins, boxes[i]!);
        const priority = boxes[i]!.count * range;
        if (priority > bestPriority) {
          best = i;
          bestPriority = priority;
          bestChannel = channel;
        }
      }
      if (best < 0) break;
      const halves = this.#split(boxes[best]!, bestChannel);
      boxes.splice(best, 1, ...halves);
    }

    const out = boxes.map((box) => {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = box.lo; j < box.hi; j++) {
        const bin = bins[j]!;
        r += sum[bin * 3]!;
        g += sum[bin * 3 + 1]!;
        b += sum[bin * 3 + 2]!;
      }
      const color =
        (Math.round(r / box.count) << 16) | (Math.round(g / box.count) << 8) | Math.round(b / box.count);
      return { color, share: box.count / pixels };
    });
    for (let j = 0; j < occupied; j++) {
      const bin = bins[j]!;
      count[bin] = 0;
      sum[bin * 3] = 0;
      sum[bin * 3 + 1] = 0;
      sum[bin * 3 + 2] = 0;
    }
    out.sort((a, b) => b.share - a.share || a.color - b.color);
    const kept = out.filter((c) => c.share >= MIN_SHARE);
    return { colors: kept.map((c) => c.color), shares: kept.map((c) => c.share) };
  }

  /**
   * Sorts the box's bins along `channel` and cuts at the level boundary nearest to the pixel
   * median (never between two bins of the same level, so both halves are narrower).
   */
  #split(box: Box, channel: number): [Box, Box] {
    const count = this.#count;
    const bins = this.#bins;
    const shift = (2 - channel) * BITS;
    const level = (bin: number) => (bin >> shift) & (LEVELS - 1);
    bins.subarray(box.lo, box.hi).sort((a, b) => level(a) - level(b) || a - b);
    let left = 0;
    let cut = -1;
    let cutLeft = 0;
    let bestGap = Infinity;
    for (let j = box.lo + 1; j < box.hi; j++) {
      left += count[bins[j - 1]!]!;
      if (level(bins[j]!) === level(bins[j - 1]!)) continue;
      const gap = Math.abs(2 * left - box.count);
      if (gap < bestGap) {
        bestGap = gap;
        cut = j;
        cutLeft = left;
      }
    }
    return [
      { lo: box.lo, hi: cut, count: cutLeft },
      { lo: cut, hi: box.hi, count: box.count - cutLeft },
    ];
  }
}

function widestChannel(bins: Uint32Array, box: Box): { channel: number; range: number } {
  let channel = 0;
  let range = 0;
  for (let c = 0; c < 3; c++) {
    const shift = (2 - c) * BITS;
    let lo = LEVELS;
    let hi = -1;
    for (let j = box.lo; j < box.hi; j++) {
      const v = (bins[j]! >> shift) & (LEVELS - 1);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi - lo > range) {
      range = hi - lo;
      channel = c;
    }
  }
  return { channel, range };
}
