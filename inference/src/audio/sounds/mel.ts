// EfficientAT's front end (AugmentMelSTFT in eval mode), exactly as shared/models/MANIFEST.md
// states it: 32 kHz, pre-emphasis y[n] = x[n+1] − 0.97·x[n], centred 1024-point STFT (reflect
// padding) with an 800-sample symmetric Hann window centred in the frame, hop 320, power
// spectrum, Kaldi mel banks (mel = 1127·ln(1 + f/700), 128 bands, 0–15 kHz, 512 bins + a zero
// Nyquist column), then (ln(mel + 1e-5) + 4.5) / 5.
import { createFft } from './fft.ts';

export const MEL_SAMPLE_RATE = 32000;
export const MEL_BANDS = 128;
export const MEL_HOP = 320;
export const N_FFT = 1024;
export const WIN_LENGTH = 800;
const F_MIN = 0;
const F_MAX = 15000;
export const PREEMPHASIS = 0.97;

interface Band {
  readonly first: number;
  readonly weights: Float64Array;
}

const melScale = (f: number): number => 1127 * Math.log(1 + f / 700);

/** Kaldi's get_mel_banks (no VTLN warp): triangles in the mel domain over FFT bins 0..511. */
export function kaldiMelBanks(): Band[] {
  const numFftBins = N_FFT / 2;
  const binWidth = MEL_SAMPLE_RATE / N_FFT;
  const lo = melScale(F_MIN);
  const hi = melScale(F_MAX);
  const delta = (hi - lo) / (MEL_BANDS + 1);
  const bands: Band[] = [];
  for (let m = 0; m < MEL_BANDS; m++) {
    const left = lo + m * delta;
    const center = lo + (m + 1) * delta;
    const right = lo + (m + 2) * delta;
    const w = new Float64Array(numFftBins);
    let first = -1;
    let last = -1;
    for (let k = 0; k < numFftBins; k++) {
      const mel = melScale(binWidth * k);
      const v = Math.max(0, Math.min((mel - left) / (center - left), (right - mel) / (right - center)));
      w[k] = v;
      if (v > 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    bands.push(
      first < 0 ? { first: 0, weights: new Float64Array(0) } : { first, weights: w.slice(first, last + 1) },
    );
  }
  return bands;
}

/** The 1024-point analysis window: symmetric Hann(800) zero-padded to the centre. */
export function analysisWindow(): Float64Array {
  const w = new Float64Array(N_FFT);
  const off = (N_FFT - WIN_LENGTH) / 2;
  for (let i = 0; i < WIN_LENGTH; i++)
    w[off + i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (WIN_LENGTH - 1));
  return w;
}

/** Computes one mel frame from the 1024 (pre-emphasised) samples around a frame centre. */
export interface MelFrameComputer {
  /** `frame` holds the 1024 samples [centre − 512, centre + 512); writes 128 values to `out`. */
  compute(frame: Float64Array, out: Float32Array, outOffset?: number, outStride?: number): void;
}

export function createMelFrameComputer(): MelFrameComputer {
  const fft = createFft(N_FFT);
  const win = analysisWindow();
  const bands = kaldiMelBanks();
  const re = new Float64Array(N_FFT);
  const im = new Float64Array(N_FFT);
  const power = new Float64Array(N_FFT / 2 + 1);
  return {
    compute(frame, out, outOffset = 0, outStride = 1) {
      for (let i = 0; i < N_FFT; i++) {
        re[i] = (frame[i] as number) * (win[i] as number);
        im[i] = 0;
      }
      fft.run(re, im);
      for (let k = 0; k <= N_FFT / 2; k++) power[k] = (re[k] as number) ** 2 + (im[k] as number) ** 2;
      for (let m = 0; m < MEL_BANDS; m++) {
        const b = bands[m] as Band;
        let s = 0;
        for (let k = 0; k < b.weights.length; k++)
          s += (b.weights[k] as number) * (power[b.first + k] as number);
        out[outOffset + m * outStride] = (Math.log(s + 1e-5) + 4.5) / 5;
      }
    },
  };
}

/**
 * The whole-clip log-mel of 32 kHz samples, [128, frames] row-major (frames = 1 + ⌊(n−1)/320⌋),
 * as EfficientAT computes it for one clip. The streaming analyzer uses the same frames.
 */
export function logMel(x: Float32Array): { readonly data: Float32Array; readonly frames: number } {
  const pre = preEmphasis(x);
  const m = pre.length;
  const frames = 1 + Math.floor(m / MEL_HOP);
  const data = new Float32Array(MEL_BANDS * frames);
  const comp = createMelFrameComputer();
  const frame = new Float64Array(N_FFT);
  for (let t = 0; t < frames; t++) {
    const c = t * MEL_HOP;
    for (let i = 0; i < N_FFT; i++) frame[i] = pre[reflect(c - N_FFT / 2 + i, m)] as number;
    comp.compute(frame, data, t, frames);
  }
  return { data, frames };
}

export function preEmphasis(x: Float32Array): Float64Array {
  const out = new Float64Array(Math.max(0, x.length - 1));
  for (let n = 0; n < out.length; n++) out[n] = (x[n + 1] as number) - PREEMPHASIS * (x[n] as number);
  return out;
}

/** torch 'reflect' padding index (edge not repeated). */
export function reflect(i: number, n: number): number {
  if (n <= 1) return 0;
  let j = i;
  const period = 2 * (n - 1);
  j = ((j % period) + period) % period;
  return j < n ? j : period - j;
}
