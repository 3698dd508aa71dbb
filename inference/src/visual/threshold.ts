/**
 * Adaptive cut threshold: median + k·MAD of the last `size` scores, never below `floor`. The
 * window is a ring buffer; median and MAD are taken on a reused scratch copy.
 */
export class AdaptiveThreshold {
  readonly #ring: Float64Array;
  readonly #scratch: Float64Array;
  #next = 0;
  #count = 0;

  constructor(
    size: number,
    readonly k: number,
    readonly floor: number,
  ) {
    this.#ring = new Float64Array(size);
    this.#scratch = new Float64Array(size);
  }

  get count(): number {
    return this.#count;
  }

  /** The threshold for the next score; the floor alone while the window is empty. */
  value(): number {
    const n = this.#count;
    if (n === 0) return this.floor;
    const s = this.#scratch.subarray(0, n);
    s.set(this.#ring.subarray(0, n));
    s.sort();
    const median = medianOfSorted(s);
    for (let i = 0; i < n; i++) s[i] = Math.abs(s[i]! - median);
    s.sort();
    const mad = medianOfSorted(s);
    return Math.max(this.floor, median + this.k * mad);
  }

  add(score: number): void {
    this.#ring[this.#next] = score;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#count < this.#ring.length) this.#count++;
  }
}

function medianOfSorted(s: Float64Array): number {
  const n = s.length;
  const mid = n >> 1;
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
