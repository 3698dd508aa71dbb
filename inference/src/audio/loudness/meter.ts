// EBU R128 metering of one mono 16 kHz stream: K-weighted energy in 100 ms blocks, momentary
// (400 ms) and short-term (3 s) loudness at each block end, one summary per second, and the
// gated integrated loudness (BS.1770-4: 400 ms blocks, 75 % overlap, -70 LUFS absolute and
// -10 LU relative gates) from a 0.1 LU histogram so memory stays fixed on endless streams.
import { createKWeighting, lufs } from './kweight.ts';

export interface LoudnessMeterOptions {
  readonly sampleRate: number;
  /** Short-term loudness below this marks a second silent. */
  readonly silenceLufs: number;
  /** |x| at or above this counts as a clipped sample. */
  readonly clipLevel: number;
}

/** One measured second (relative to the run start). */
export interface LoudnessSecond {
  readonly index: number;
  /** Samples in it (the last second of a run may be short). */
  readonly samples: number;
  readonly momentaryMaxLufs: number;
  readonly shortTermLufs: number;
  readonly peakDbfs: number;
  readonly silent: boolean;
  readonly clippedSamples: number;
}

/** Momentary/short-term value at the end of one 100 ms block (ebur128's 10 Hz log lines). */
export interface LoudnessTick {
  /** End of the block, seconds from the run start. */
  readonly t: number;
  readonly momentaryLufs: number;
  readonly shortTermLufs: number;
}

export interface LoudnessMeter {
  /** Measures `x`; returns the seconds it completed. `onTick` sees every 100 ms value. */
  push(x: Float32Array, onTick?: (t: LoudnessTick) => void): LoudnessSecond[];
  /** Ends the run: the partial second (if any), filter state and windows reset; totals kept. */
  flush(): LoudnessSecond[];
  /** Gated integrated loudness over everything measured (all runs), LUFS. */
  integratedLufs(): number;
}

const BLOCKS_MOMENTARY = 4;
const BLOCKS_SHORT = 30;
const HIST_MIN = -70;
const HIST_BINS = 1000; // 0.1 LU bins from -70 to +30 LUFS

export function createLoudnessMeter(o: LoudnessMeterOptions): LoudnessMeter {
  const blockSize = Math.round(o.sampleRate / 10);
  const kw = createKWeighting(o.sampleRate);
  const ring = new Float64Array(BLOCKS_SHORT); // mean squares of the last 30 blocks
  let blocks = 0; // blocks completed in this run
  let blockSum = 0;
  let blockFill = 0;
  // Current second.
  let second = 0;
  let secSamples = 0;
  let secMomentary = -Infinity;
  let secShort = -Infinity;
  let secPeak = 0;
  let secClipped = 0;
  // Integrated-loudness histogram (energy sum and count per bin).
  const histEnergy = new Float64Array(HIST_BINS);
  const histCount = new Uint32Array(HIST_BINS);

  const windowMean = (n: number): number => {
    const k = Math.min(n, blocks);
    if (k === 0) return 0;
    let s = 0;
    for (let i = 0; i < k; i++) s += ring[(blocks - 1 - i) % BLOCKS_SHORT] as number;
    return s / k;
  };

  const endBlock = (onTick?: (t: LoudnessTick) => void): void => {
    ring[blocks % BLOCKS_SHORT] = blockSum / blockSize;
    blocks++;
    blockSum = 0;
    blockFill = 0;
    const mMs = windowMean(BLOCKS_MOMENTARY);
    const m = lufs(mMs);
    const s = lufs(windowMean(BLOCKS_SHORT));
    if (m > secMomentary) secMomentary = m;
    secShort = s;
    if (blocks >= BLOCKS_MOMENTARY && m > HIST_MIN) {
      const bin = Math.min(HIST_BINS - 1, Math.floor((m - HIST_MIN) * 10));
      histEnergy[bin] = (histEnergy[bin] as number) + mMs;
      histCount[bin] = (histCount[bin] as number) + 1;
    }
    onTick?.({ t: blocks / 10, momentaryLufs: m, shortTermLufs: s });
  };

  const endSecond = (): LoudnessSecond => {
    const out: LoudnessSecond = {
      index: second,
      samples: secSamples,
      momentaryMaxLufs: secMomentary,
      shortTermLufs: secShort,
      peakDbfs: secPeak > 0 ? 20 * Math.log10(secPeak) : -Infinity,
      silent: !(secShort >= o.silenceLufs),
      clippedSamples: secClipped,
    };
    second++;
    secSamples = 0;
    secMomentary = -Infinity;
    secPeak = 0;
    secClipped = 0;
    return out;
  };

  return {
    push(x, onTick) {
      const done: LoudnessSecond[] = [];
      let i = 0;
      while (i < x.length) {
        // Up to the end of the current block (seconds are whole blocks).
        const n = Math.min(x.length - i, blockSize - blockFill);
        blockSum += kw.sumSquares(x, i, i + n);
        for (let j = i; j < i + n; j++) {
          const a = Math.abs(x[j] as number);
          if (a > secPeak) secPeak = a;
          if (a >= o.clipLevel) secClipped++;
        }
        blockFill += n;
        secSamples += n;
        i += n;
        if (blockFill === blockSize) {
          endBlock(onTick);
          if (blocks % 10 === 0) done.push(endSecond());
        }
      }
      return done;
    },
    flush() {
      const done: LoudnessSecond[] = [];
      if (secSamples > 0) {
        // The partial block counts with the samples it has (no zero padding to dilute it).
        if (blockFill > 0) {
          ring[blocks % BLOCKS_SHORT] = blockSum / blockFill;
          blocks++;
          const m = lufs(windowMean(BLOCKS_MOMENTARY));
          if (m > secMomentary) secMomentary = m;
          secShort = lufs(windowMean(BLOCKS_SHORT));
        }
        done.push(endSecond());
      }
      kw.reset();
      ring.fill(0);
      blocks = 0;
      blockSum = 0;
      blockFill = 0;
      second = 0;
      secShort = -Infinity;
      return done;
    },
    integratedLufs() {
      let e = 0;
      let c = 0;
      for (let b = 0; b < HIST_BINS; b++) {
        e += histEnergy[b] as number;
        c += histCount[b] as number;
      }
      if (c === 0) return -Infinity;
      const relGate = lufs(e / c) - 10;
      e = 0;
      c = 0;
      for (let b = 0; b < HIST_BINS; b++) {
        // A bin's lower edge decides (the 0.1 LU granularity only touches the gate, not the energies).
        if (HIST_MIN + b / 10 >= relGate - 0.05) {
          e += histEnergy[b] as number;
          c += histCount[b] as number;
        }
      }
      return c === 0 ? -Infinity : lufs(e / c);
    },
  };
}
