import type { AudioInput } from '../analyzers/contract.ts';

/**
 * Maps sample indices of one continuous audio run to wall-clock ms. The run is anchored at its
 * first chunk (after start or a gap); later chunks are assumed contiguous, because the host
 * calls gap() whenever the audio clock jumps. Counting samples instead of trusting each chunk's
 * rounded ts keeps sub-ms precision over hours.
 */
export interface SampleClock {
  /** Samples seen since the anchor. */
  readonly samples: number;
  /** Notes a chunk (the first of a run anchors it). */
  push(chunk: AudioInput): void;
  /** Wall-clock ms of a (possibly fractional) sample index of the run. */
  tsAt(sample: number): number;
  /** Starts a new run with the next chunk. */
  reset(): void;
}

export function createSampleClock(sampleRate: number): SampleClock {
  let anchorTs = 0;
  let samples = 0;
  let anchored = false;
  return {
    get samples() {
      return samples;
    },
    push(chunk) {
      if (!anchored) {
        anchorTs = chunk.ts;
        samples = 0;
        anchored = true;
      }
      samples += chunk.samples.length;
    },
    tsAt(sample) {
      return anchorTs + (sample * 1000) / sampleRate;
    },
    reset() {
      anchored = false;
      samples = 0;
    },
  };
}

/** Rounds a ts to 0.1 ms (rows stay readable; sample precision at 16 kHz is 0.0625 ms). */
export function roundTs(ts: number): number {
  return Math.round(ts * 10) / 10;
}
