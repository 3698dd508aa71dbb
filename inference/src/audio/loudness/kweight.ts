// ITU-R BS.1770-4 K-weighting for any sample rate. The standard gives the two biquads only for
// 48 kHz; like libebur128 (and ffmpeg's ebur128 filter) we derive them for the actual rate from
// the analog prototypes (shelf f0/G/Q, high-pass f0/Q) through the bilinear transform.

export interface Biquad {
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly a1: number;
  readonly a2: number;
}

/** Stage 1: the head's acoustic effect, a +4 dB high shelf around 1.68 kHz. */
export function preFilter(sampleRate: number): Biquad {
  const f0 = 1681.974450955533;
  const G = 3.999843853973347;
  const Q = 0.7071752369554196;
  const K = Math.tan((Math.PI * f0) / sampleRate);
  const Vh = Math.pow(10, G / 20);
  const Vb = Math.pow(Vh, 0.4996667741545416);
  const a0 = 1 + K / Q + K * K;
  return {
    b0: (Vh + (Vb * K) / Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
}

/** Stage 2: the RLB high-pass around 38 Hz. */
export function rlbFilter(sampleRate: number): Biquad {
  const f0 = 38.13547087602444;
  const Q = 0.5003270373238773;
  const K = Math.tan((Math.PI * f0) / sampleRate);
  const a0 = 1 + K / Q + K * K;
  return { b0: 1, b1: -2, b2: 1, a1: (2 * (K * K - 1)) / a0, a2: (1 - K / Q + K * K) / a0 };
}

/** The two stages in series, direct form II with float64 state (the 38 Hz pole pair needs it). */
export interface KWeighting {
  /** Filters `x` and returns the sum of the squared outputs. */
  sumSquares(x: Float32Array, from?: number, to?: number): number;
  reset(): void;
}

export function createKWeighting(sampleRate: number): KWeighting {
  const p = preFilter(sampleRate);
  const r = rlbFilter(sampleRate);
  let s1 = 0;
  let s2 = 0;
  let t1 = 0;
  let t2 = 0;
  return {
    sumSquares(x, from = 0, to = x.length) {
      let sum = 0;
      for (let i = from; i < to; i++) {
        const w = (x[i] as number) - p.a1 * s1 - p.a2 * s2;
        const y = p.b0 * w + p.b1 * s1 + p.b2 * s2;
        s2 = s1;
        s1 = w;
        const v = y - r.a1 * t1 - r.a2 * t2;
        const z = v - 2 * t1 + t2;
        t2 = t1;
        t1 = v;
        sum += z * z;
      }
      return sum;
    },
    reset() {
      s1 = s2 = t1 = t2 = 0;
    },
  };
}

/** Mean square of K-weighted samples → LUFS (mono: channel weight 1). */
export function lufs(meanSquare: number): number {
  return meanSquare > 0 ? -0.691 + 10 * Math.log10(meanSquare) : -Infinity;
}
