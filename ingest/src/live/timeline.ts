import type { LiveGap } from './types.ts';

export interface Stamp {
  /** Wall-clock ms, never less than the previous frame's. */
  readonly ts: number;
  /** ms since the first frame of the source: `ts - firstTs`. */
  readonly ptsMs: number;
  /** Set on the first frame after a reconnect when frames had been stamped before it. */
  readonly gap: LiveGap | null;
}

/**
 * Wall-clock timestamps across reconnects. Each connection's epoch is the wall-clock time its
 * first frame arrived minus that frame's PTS, so `ts = epoch + ptsMs` follows the source's own
 * clock within a connection and re-anchors to the wall clock after each reconnect.
 *
 * `ts` never goes backwards: a connection whose epoch would put its first frame at or before the
 * previous frame (a source that delivered faster than real time, e.g. an HLS burst) is anchored
 * 1 ms after it instead, and a PTS that jumps back within a connection is clamped.
 */
export class LiveTimeline {
  private epochMs: number | null = null;
  private firstTs: number | null = null;
  private lastTs: number | null = null;

  /** A new connection starts: its first frame re-anchors the epoch. */
  reconnect(): void {
    this.epochMs = null;
  }

  /** Stamp a frame with PTS `ptsMs` (connection-relative) that arrived at wall-clock `arrivedMs`. */
  stamp(ptsMs: number, arrivedMs: number): Stamp {
    let gap: LiveGap | null = null;
    let ts: number;
    if (this.epochMs === null) {
      let epoch = arrivedMs - ptsMs;
      if (this.lastTs !== null) epoch = Math.max(epoch, this.lastTs + 1 - ptsMs);
      this.epochMs = epoch;
      ts = epoch + ptsMs;
      if (this.lastTs !== null) gap = { startTs: this.lastTs, endTs: ts };
    } else {
      ts = Math.max(this.epochMs + ptsMs, this.lastTs ?? -Infinity);
    }
    this.firstTs ??= ts;
    this.lastTs = ts;
    return { ts, ptsMs: ts - this.firstTs, gap };
  }
}
