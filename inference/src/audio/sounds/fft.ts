// In-place iterative radix-2 FFT on float64 re/im arrays with precomputed twiddles and
// bit-reversal, for the fixed 1024-point frames of the mel front end. No allocation per call.

export interface Fft {
  readonly size: number;
  /** Transforms (re, im) in place. */
  run(re: Float64Array, im: Float64Array): void;
}

export function createFft(size: number): Fft {
  if (!(size >= 2 && (size & (size - 1)) === 0))
    throw new RangeError(`FFT size must be a power of two, got ${size}`);
  const bits = Math.log2(size);
  const rev = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  const cos = new Float64Array(size / 2);
  const sin = new Float64Array(size / 2);
  for (let i = 0; i < size / 2; i++) {
    cos[i] = Math.cos((2 * Math.PI * i) / size);
    sin[i] = -Math.sin((2 * Math.PI * i) / size);
  }
  return {
    size,
    run(re, im) {
      for (let i = 0; i < size; i++) {
        const j = rev[i] as number;
        if (j > i) {
          const tr = re[i] as number;
          re[i] = re[j] as number;
          re[j] = tr;
          const ti = im[i] as number;
          im[i] = im[j] as number;
          im[j] = ti;
        }
      }
      for (let len = 2; len <= size; len <<= 1) {
        const half = len >> 1;
        const step = size / len;
        for (let start = 0; start < size; start += len) {
          for (let k = 0; k < half; k++) {
            const wr = cos[k * step] as number;
            const wi = sin[k * step] as number;
            const a = start + k;
            const b = a + half;
            const xr = re[b] as number;
            const xi = im[b] as number;
            const tr = xr * wr - xi * wi;
            const ti = xr * wi + xi * wr;
            re[b] = (re[a] as number) - tr;
            im[b] = (im[a] as number) - ti;
            re[a] = (re[a] as number) + tr;
            im[a] = (im[a] as number) + ti;
          }
        }
      }
    },
  };
}
