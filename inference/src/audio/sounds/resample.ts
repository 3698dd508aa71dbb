// 16 kHz → 32 kHz for the tagger: a streaming ×2 polyphase interpolator. Even outputs are the
// input samples; odd outputs come from a 32-tap Kaiser-windowed sinc (β = 8) at half-sample
// offsets, i.e. an anti-imaging low-pass at 8 kHz with ~80 dB stop band. The input has nothing
// above 8 kHz, so the 32 kHz stream has nothing above it either, as a 32 kHz capture of
// band-limited audio would. Latency: 16 input samples (1 ms).

export const HALF_TAPS = 16;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** Odd-phase taps for offsets d = −16..15: output 2m+1 = Σ taps[d+16]·x[m−d]. */
export function halfSampleTaps(beta = 8): Float64Array {
  const taps = new Float64Array(2 * HALF_TAPS);
  const span = HALF_TAPS + 0.5;
  let sum = 0;
  for (let d = -HALF_TAPS; d < HALF_TAPS; d++) {
    const t = d + 0.5; // distance in input samples from the output point
    const sinc = Math.sin(Math.PI * t) / (Math.PI * t);
    const r = t / span;
    const kaiser = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / besselI0(beta);
    taps[d + HALF_TAPS] = sinc * kaiser;
    sum += sinc * kaiser;
  }
  for (let i = 0; i < taps.length; i++) taps[i] = (taps[i] as number) / sum; // unity DC gain
  return taps;
}

export interface Upsampler2x {
  /** Feeds 16 kHz samples; returns the 32 kHz samples now complete (2 per input, delayed). */
  push(x: Float32Array): Float32Array;
  /** Ends the stream (zeros after it): returns the remaining output. Then reset. */
  flush(): Float32Array;
  reset(): void;
}

export function createUpsampler2x(): Upsampler2x {
  const taps = halfSampleTaps();
  // hist holds input samples x[next − 16 .. ] (zeros before the stream).
  let hist = new Float32Array(4096);
  let len = HALF_TAPS;

  const produce = (count: number): Float32Array => {
    const out = new Float32Array(2 * count);
    for (let k = 0; k < count; k++) {
      const m = HALF_TAPS + k; // index of x[next + k] in hist
      out[2 * k] = hist[m] as number;
      let s = 0;
      // 2m+1 sits between x[m] and x[m+1]: taps pair x[m−d] with offset d.
      for (let d = -HALF_TAPS; d < HALF_TAPS; d++)
        s += (taps[d + HALF_TAPS] as number) * (hist[m - d] as number);
      out[2 * k + 1] = s;
    }
    hist.copyWithin(0, count, len);
    len -= count;
    return out;
  };

  const reset = (): void => {
    hist.fill(0);
    len = HALF_TAPS;
  };

  return {
    push(x) {
      if (len + x.length > hist.length) {
        const next = new Float32Array(Math.max(hist.length * 2, len + x.length));
        next.set(hist.subarray(0, len));
        hist = next;
      }
      hist.set(x, len);
      len += x.length;
      // Output m needs x[m + 16] (d = −16 reaches m + 16).
      const ready = len - 2 * HALF_TAPS;
      return ready > 0 ? produce(ready) : new Float32Array(0);
    },
    flush() {
      const pending = len - HALF_TAPS;
      if (pending <= 0) {
        reset();
        return new Float32Array(0);
      }
      if (len + HALF_TAPS > hist.length) {
        const next = new Float32Array(len + HALF_TAPS);
        next.set(hist.subarray(0, len));
        hist = next;
      }
      hist.fill(0, len, len + HALF_TAPS);
      len += HALF_TAPS;
      const out = produce(pending);
      reset();
      return out;
    },
    reset,
  };
}
