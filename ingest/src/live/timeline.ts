import type { LiveGap } from './types.ts';

export type Track = 'video' | 'audio';

export interface Stamp {
  /** Wall-clock ms: never less than the previous frame's; an audio chunk never overlaps the last. */
  readonly ts: number;
  /** ms since the source's clock origin (its first connection's media time 0): `ts - originTs`. */
  readonly ptsMs: number;
  /** Set on the first item after a reconnect when items had been stamped before it. */
  readonly gap: LiveGap | null;
}

/**
 * Wall-clock timestamps across reconnects, one clock for frames and audio. Each connection's
 * epoch is the wall-clock time its first item (frame or audio chunk) arrived minus that item's
 * media time (for a chunk: the time of its last sample, which is when it arrives), so
 * `ts = epoch + ptsMs` follows the source's own clock within a connection, for video and audio
 * alike, and re-anchors to the wall clock after each reconnect.
 *
 * `ts` never goes backwards: a connection whose epoch would put its first item at or before the
 * previous one (a source that delivered faster than real time, e.g. an HLS burst) is anchored
 * 1 ms after it instead, and a PTS that jumps back within a connection is clamped (per track).
 */
export class LiveTimeline {
  private epochMs: number | null = null;
  private originTs: number | null = null;
  /** The last ts of each track, and where the last audio chunk ended. */
  private readonly lastTs: Record<Track, number | null> = { video: null, audio: null };
  private audioEnd: number | null = null;

  /** A new connection starts: its first item re-anchors the epoch. */
  reconnect(): void {
    this.epochMs = null;
  }

  /**
   * Stamp an item with connection-relative media time `ptsMs` (`durationMs` long: 0 for a frame)
   * that arrived at wall-clock `arrivedMs`.
   */
  stamp(ptsMs: number, arrivedMs: number, track: Track = 'video', durationMs = 0): Stamp {
    let gap: LiveGap | null = null;
    let ts: number;
    if (this.epochMs === null) {
      let epoch = arrivedMs - ptsMs - durationMs;
      const last = this.latest();
      if (last !== null) epoch = Math.max(epoch, last + 1 - ptsMs);
      this.epochMs = epoch;
      ts = epoch + ptsMs;
      if (last !== null) gap = { startTs: last, endTs: ts };
    } else {
      const floor = track === 'audio' ? this.audioEnd : this.lastTs.video;
      ts = Math.max(this.epochMs + ptsMs, floor ?? -Infinity);
    }
    // The first connection's media time 0: ptsMs stays the media's own time (the first frame of a
    // video-only source, counted from itself, is 0).
    this.originTs ??= this.epochMs;
    this.lastTs[track] = ts;
    if (track === 'audio') this.audioEnd = ts + durationMs;
    return { ts, ptsMs: ts - this.originTs, gap };
  }

  private latest(): number | null {
    const values = [this.lastTs.video, this.lastTs.audio].filter((v): v is number => v !== null);
    return values.length === 0 ? null : Math.max(...values);
  }
}
