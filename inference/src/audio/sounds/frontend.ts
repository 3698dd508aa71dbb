// The streaming form of the EfficientAT front end: 16 kHz chunks → ×2 upsampling → pre-emphasis
// → one log-mel frame every 10 ms. Frames are computed once on the continuous stream, so
// overlapping windows share them and a window's frames have their real neighbours (a window
// cut from the stream, not a clip padded on its own). Only the run's two ends use torch's reflect
// padding, exactly as logMel() does for a whole clip.
import { createMelFrameComputer, MEL_BANDS, MEL_HOP, N_FFT, PREEMPHASIS, reflect } from './mel.ts';
import { createUpsampler2x } from './resample.ts';

const HALF = N_FFT / 2;

export interface MelStream {
  /** Frames computed so far in this run (frame j is centred on 16 kHz sample 160·j). */
  readonly frames: number;
  /** Index of the oldest frame still held. */
  readonly firstHeld: number;
  push(x16: Float32Array): void;
  /** End of the run: the last frames, reflect-padded at the end as torch does. */
  flush(): void;
  /** Frames [from, from + n) as one [128, n] row-major window. */
  window(from: number, n: number): Float32Array;
  /** Frees frames before `index`. */
  discardBefore(index: number): void;
  reset(): void;
}

export function createMelStream(): MelStream {
  const up = createUpsampler2x();
  const mel = createMelFrameComputer();
  const frameBuf = new Float64Array(N_FFT);
  let pre = new Float64Array(1 << 16); // pre-emphasised 32 kHz samples from index preBase
  let preBase = 0;
  let preLen = 0;
  let prevY = NaN; // last 32 kHz sample of the run (pre-emphasis looks one ahead)
  let nextFrame = 0;
  let held: Float32Array[] = [];
  let heldBase = 0;

  const appendPre = (y: Float32Array): void => {
    let start = 0;
    if (Number.isNaN(prevY)) {
      if (y.length === 0) return;
      prevY = y[0] as number;
      start = 1;
    }
    const need = preLen + y.length;
    if (need > pre.length) {
      const next = new Float64Array(Math.max(pre.length * 2, need));
      next.set(pre.subarray(0, preLen));
      pre = next;
    }
    for (let i = start; i < y.length; i++) {
      const v = y[i] as number;
      pre[preLen++] = v - PREEMPHASIS * prevY;
      prevY = v;
    }
  };

  // Computes frame j; `total` is the run's final pre-emphasis length (reflect at the end) or -1.
  const computeFrame = (j: number, total: number): void => {
    const c = j * MEL_HOP;
    for (let i = 0; i < N_FFT; i++) {
      let k = c - HALF + i;
      if (k < 0) k = -k;
      else if (total >= 0 && k >= total) k = reflect(k, total);
      frameBuf[i] = pre[k - preBase] ?? 0;
    }
    const out = new Float32Array(MEL_BANDS);
    mel.compute(frameBuf, out);
    held.push(out);
  };

  const trimPre = (): void => {
    // Keep from the first sample the next frame needs, plus a frame of margin for the reflection
    // at the run's end (it reads up to 513 samples before the end).
    const keep = Math.max(0, nextFrame * MEL_HOP - HALF - N_FFT);
    const drop = keep - preBase;
    if (drop > 4096) {
      pre.copyWithin(0, drop, preLen);
      preLen -= drop;
      preBase += drop;
    }
  };

  const run = (final: boolean): void => {
    const avail = preBase + preLen;
    if (final) {
      const last = Math.floor(avail / MEL_HOP);
      for (; nextFrame <= last && avail > 0; nextFrame++) computeFrame(nextFrame, avail);
    } else {
      for (; nextFrame * MEL_HOP + HALF <= avail; nextFrame++) computeFrame(nextFrame, -1);
    }
    trimPre();
  };

  const reset = (): void => {
    up.reset();
    preBase = 0;
    preLen = 0;
    prevY = NaN;
    nextFrame = 0;
    held = [];
    heldBase = 0;
  };

  return {
    get frames() {
      return nextFrame;
    },
    get firstHeld() {
      return heldBase;
    },
    push(x16) {
      appendPre(up.push(x16));
      run(false);
    },
    flush() {
      appendPre(up.flush());
      run(true);
    },
    window(from, n) {
      const out = new Float32Array(MEL_BANDS * n);
      for (let t = 0; t < n; t++) {
        const f = held[from + t - heldBase];
        if (!f) throw new RangeError(`mel frame ${from + t} is not held`);
        for (let m = 0; m < MEL_BANDS; m++) out[m * n + t] = f[m] as number;
      }
      return out;
    },
    discardBefore(index) {
      const k = index - heldBase;
      if (k > 0) {
        held = held.slice(k);
        heldBase = index;
      }
    },
    reset,
  };
}
