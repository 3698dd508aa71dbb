import { AUDIO_SAMPLE_RATE } from './ffmpeg/args.ts';
import { parseAudioShowinfo } from './ffmpeg/stderr.ts';

interface Segment {
  /** Index (in our 16 kHz sample stream) of the segment's first sample. */
  readonly start: number;
  readonly samples: number;
  /** Media time (ms, ffmpeg's clock) of its first sample, after the continuity rule. */
  readonly ms: number;
}

// A frame that starts within this of where the previous one ended continues it: ashowinfo PTS are
// whole samples, and a resampler rebuild can land a sample or two off.
const CONTINUITY_MS = 2;

/**
 * Media time of any sample of the 16 kHz stream ffmpeg writes to the audio pipe, from the
 * ashowinfo line it prints for every frame it writes (PTS and sample count). The pipe and stderr
 * race, so a chunk may arrive before the line for its first sample; `at()` then waits for it.
 *
 * Time never runs backwards and chunks never overlap: a frame whose PTS lies before the end of the
 * previous one (concatenated segments that restart their clock, a resampler rebuilt after a
 * sample-rate change) continues where the previous frame ended. A frame starting later leaves a
 * hole, as in the media (aresample's async mode already fills holes within one filter graph).
 */
export class AudioClock {
  private segments: Segment[] = [];
  private written = 0;
  private last: Segment | undefined;
  private waiter: { sample: number; resolve: (ms: number) => void } | undefined;
  private ended = false;

  /** Feed every stderr line. */
  onLine(line: string): void {
    const frame = parseAudioShowinfo(line);
    if (frame === null || frame.samples <= 0) return;
    const raw = frame.pts === null ? null : (frame.pts * 1000) / frame.rate;
    const expected = this.last ? endMs(this.last) : null;
    let ms: number;
    if (expected === null) ms = raw ?? 0;
    else if (raw === null || raw < expected + CONTINUITY_MS) ms = expected;
    else ms = raw;
    const segment: Segment = { start: this.written, samples: frame.samples, ms };
    this.written += frame.samples;
    this.last = segment;
    this.segments.push(segment);
    this.wake();
  }

  /** Media time (ms, ffmpeg's clock) of sample `index`; samples are asked for in increasing order. */
  at(index: number): Promise<number> {
    const ms = this.lookup(index);
    if (ms !== null) return Promise.resolve(ms);
    return new Promise((resolve) => {
      this.waiter = { sample: index, resolve };
    });
  }

  /** stderr is done (or we stop): no more lines; waiting and later lookups extrapolate. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    const ms = this.lookup(waiter.sample);
    if (ms === null) return;
    this.waiter = undefined;
    waiter.resolve(ms);
  }

  private lookup(index: number): number | null {
    // Drop what lies wholly before `index`: nobody asks for it again.
    let drop = 0;
    while (drop < this.segments.length - 1 && end(this.segments[drop] as Segment) <= index) drop++;
    if (drop > 0) this.segments = this.segments.slice(drop);
    const seg = this.segments[0];
    if (seg !== undefined && index < end(seg)) return at(seg, index);
    if (!this.ended) return null;
    // No line for it (stderr gone, or lines lost): continue the last segment's clock.
    const last = this.last;
    return last ? at(last, index) : samplesToMs(index);
  }
}

function end(seg: Segment): number {
  return seg.start + seg.samples;
}

function endMs(seg: Segment): number {
  return seg.ms + samplesToMs(seg.samples);
}

function at(seg: Segment, index: number): number {
  return round(seg.ms + samplesToMs(index - seg.start));
}

/** Samples at 16 kHz → ms. */
export function samplesToMs(samples: number): number {
  return (samples * 1000) / AUDIO_SAMPLE_RATE;
}

/** To 1 µs: hides float noise (0.1 + 0.2) without losing the sample grid (62.5 µs). */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
