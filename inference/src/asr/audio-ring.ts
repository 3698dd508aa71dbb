// A bounded ring of recent 16 kHz audio, kept as the chunks arrived so that every extracted sample
// keeps its own wall-clock time (chunk ts + sample offset), across dropped chunks and clock jumps.

export const SAMPLE_RATE = 16000;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;

/** Where a run of extracted samples starts on the wall clock. */
export interface ClockAnchor {
  /** Index into the extracted samples. */
  readonly index: number;
  readonly ts: number;
}

/** Samples of one time span, with the anchors that map sample indices back to wall-clock ms. */
export interface ExtractedAudio {
  readonly samples: Float32Array;
  readonly anchors: readonly ClockAnchor[];
  readonly startTs: number;
  readonly endTs: number;
}

export interface AudioRing {
  push(ts: number, samples: Float32Array): void;
  /** Wall-clock ms just after the newest sample (-Infinity when empty). */
  readonly latestTs: number;
  /** Wall-clock ms of the oldest sample kept (Infinity when empty). */
  readonly earliestTs: number;
  /** Audio overlapping [startTs, endTs); null when none of it is held. */
  extract(startTs: number, endTs: number): ExtractedAudio | null;
  /** Samples dropped because the ring was full (for summaries). */
  readonly droppedSamples: number;
  clear(): void;
}

interface Chunk {
  readonly ts: number;
  readonly samples: Float32Array;
}

/** Holds at most `capacityMs` of audio; the oldest chunks go first. */
export function createAudioRing(capacityMs: number): AudioRing {
  const capacity = Math.ceil(capacityMs * SAMPLES_PER_MS);
  const chunks: Chunk[] = [];
  let held = 0;
  let dropped = 0;
  const endOf = (c: Chunk): number => c.ts + c.samples.length / SAMPLES_PER_MS;
  return {
    push(ts, samples) {
      if (samples.length === 0) return;
      // Copied: hosts may reuse their chunk buffers once the call returns.
      chunks.push({ ts, samples: samples.slice() });
      held += samples.length;
      while (held - chunks[0]!.samples.length >= capacity) {
        const old = chunks.shift()!;
        held -= old.samples.length;
        dropped += old.samples.length;
      }
    },
    get latestTs() {
      const last = chunks[chunks.length - 1];
      return last ? endOf(last) : -Infinity;
    },
    get earliestTs() {
      return chunks[0]?.ts ?? Infinity;
    },
    get droppedSamples() {
      return dropped;
    },
    extract(startTs, endTs) {
      const parts: Float32Array[] = [];
      const anchors: ClockAnchor[] = [];
      let n = 0;
      for (const c of chunks) {
        if (endOf(c) <= startTs || c.ts >= endTs) continue;
        const i0 = Math.max(0, Math.round((startTs - c.ts) * SAMPLES_PER_MS));
        const i1 = Math.min(c.samples.length, Math.round((endTs - c.ts) * SAMPLES_PER_MS));
        if (i1 <= i0) continue;
        anchors.push({ index: n, ts: c.ts + i0 / SAMPLES_PER_MS });
        parts.push(c.samples.subarray(i0, i1));
        n += i1 - i0;
      }
      if (n === 0) return null;
      const samples = new Float32Array(n);
      let o = 0;
      for (const p of parts) {
        samples.set(p, o);
        o += p.length;
      }
      const last = anchors[anchors.length - 1]!;
      return {
        samples,
        anchors,
        startTs: anchors[0]!.ts,
        endTs: last.ts + (n - last.index) / SAMPLES_PER_MS,
      };
    },
    clear() {
      chunks.length = 0;
      held = 0;
    },
  };
}

/** Wall-clock ms of a time `offsetMs` into extracted audio (piecewise over its anchors). */
export function clockAt(anchors: readonly ClockAnchor[], offsetMs: number): number {
  const index = offsetMs * SAMPLES_PER_MS;
  let a = anchors[0]!;
  for (const x of anchors) {
    if (x.index > index) break;
    a = x;
  }
  return a.ts + (index - a.index) / SAMPLES_PER_MS;
}

/** Cuts [startTs, endTs) into equal pieces no longer than maxMs (long speech → several utterances). */
export function splitSpan(startTs: number, endTs: number, maxMs: number): Array<[number, number]> {
  const dur = endTs - startTs;
  if (dur <= 0) return [];
  const n = Math.max(1, Math.ceil(dur / maxMs));
  const piece = dur / n;
  return Array.from({ length: n }, (_, i) => [
    startTs + i * piece,
    i === n - 1 ? endTs : startTs + (i + 1) * piece,
  ]);
}

/** RMS level in dBFS (-Infinity for digital silence). */
export function rmsDbfs(samples: Float32Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
  const n = Math.max(1, to - from);
  return 10 * Math.log10(sum / n);
}
