// Kaldi-compatible log-mel filterbank, as kaldi-native-fbank computes it for sherpa-onnx's speaker
// embedders (FeatureExtractor: dither 0, snip_edges false, high_freq -400, 80 bins, povey window,
// pre-emphasis 0.97, DC removal, power spectrum, log floored at FLT_EPSILON). The embedding models
// were trained on exactly these features, so the ORT path must reproduce them; the speakers test
// checks this implementation against sherpa's own on real speech.
import { createFft } from '../audio/sounds/fft.ts';

/** Options of the filterbank (defaults are sherpa-onnx's speaker-embedding front end). */
export interface FbankOptions {
  readonly sampleRate?: number;
  readonly numBins?: number;
  /** Hz; <= 0 means Nyquist + highFreq (Kaldi convention). */
  readonly highFreq?: number;
  readonly lowFreq?: number;
  readonly frameLengthMs?: number;
  readonly frameShiftMs?: number;
}

const FLT_EPSILON = 1.1920928955078125e-7;

const melScale = (f: number): number => 1127 * Math.log(1 + f / 700);

/** A reusable filterbank: window, FFT tables and mel weights computed once. */
export interface Fbank {
  readonly numBins: number;
  /** Frames for `n` samples (snip_edges false: one per shift, centred). */
  numFrames(n: number): number;
  /** Row-major [frames × numBins] log-mel energies of `samples` (scaled as the model expects). */
  compute(samples: Float32Array): Float32Array;
}

export function createFbank(opts: FbankOptions = {}): Fbank {
  const sr = opts.sampleRate ?? 16000;
  const numBins = opts.numBins ?? 80;
  const frameLength = Math.round((sr * (opts.frameLengthMs ?? 25)) / 1000);
  const frameShift = Math.round((sr * (opts.frameShiftMs ?? 10)) / 1000);
  let nfft = 1;
  while (nfft < frameLength) nfft *= 2;
  const half = nfft / 2;

  const window = new Float64Array(frameLength);
  const a = (2 * Math.PI) / (frameLength - 1);
  for (let i = 0; i < frameLength; i++) window[i] = Math.pow(0.5 - 0.5 * Math.cos(a * i), 0.85);

  // Mel triangles over FFT bins 0..half-1 (Kaldi leaves the Nyquist bin out).
  const nyquist = sr / 2;
  const lowFreq = opts.lowFreq ?? 20;
  const highFreq = (opts.highFreq ?? -400) > 0 ? opts.highFreq! : nyquist + (opts.highFreq ?? -400);
  const melLow = melScale(lowFreq);
  const melDelta = (melScale(highFreq) - melLow) / (numBins + 1);
  const binWidth = sr / nfft;
  const weights: Array<{ first: number; w: Float64Array }> = [];
  for (let b = 0; b < numBins; b++) {
    const left = melLow + b * melDelta;
    const center = left + melDelta;
    const right = center + melDelta;
    const row: number[] = [];
    let first = -1;
    for (let i = 0; i < half; i++) {
      const mel = melScale(binWidth * i);
      if (mel > left && mel < right) {
        if (first < 0) first = i;
        row[i - first] = mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center);
      }
    }
    weights.push({ first: Math.max(0, first), w: Float64Array.from(row, (x) => x ?? 0) });
  }

  const fft = createFft(nfft);
  const frame = new Float64Array(nfft); // the FFT's real part, in place
  const im = new Float64Array(nfft);
  const power = new Float64Array(half + 1);

  const numFrames = (n: number): number => Math.floor((n + Math.floor(frameShift / 2)) / frameShift);

  return {
    numBins,
    numFrames,
    compute(samples) {
      const n = samples.length;
      const frames = n > 0 ? numFrames(n) : 0;
      const out = new Float32Array(frames * numBins);
      for (let f = 0; f < frames; f++) {
        const start = f * frameShift + Math.floor(frameShift / 2) - Math.floor(frameLength / 2);
        let mean = 0;
        for (let i = 0; i < frameLength; i++) {
          let s = start + i;
          // Reflect at both ends (Kaldi: -1 → 0, n → n-1).
          while (s < 0 || s >= n) s = s < 0 ? -s - 1 : 2 * n - 1 - s;
          frame[i] = samples[s]!;
          mean += frame[i]!;
        }
        mean /= frameLength;
        for (let i = 0; i < frameLength; i++) frame[i]! -= mean;
        for (let i = frameLength - 1; i > 0; i--) frame[i]! -= 0.97 * frame[i - 1]!;
        frame[0]! -= 0.97 * frame[0]!;
        for (let i = 0; i < frameLength; i++) frame[i]! *= window[i]!;
        frame.fill(0, frameLength);
        im.fill(0);
        fft.run(frame, im);
        for (let k = 0; k <= half; k++) power[k] = frame[k]! * frame[k]! + im[k]! * im[k]!;
        for (let b = 0; b < numBins; b++) {
          const { first, w } = weights[b]!;
          let e = 0;
          for (let k = 0; k < w.length; k++) e += w[k]! * power[first + k]!;
          out[f * numBins + b] = Math.log(Math.max(e, FLT_EPSILON));
        }
      }
      return out;
    },
  };
}
