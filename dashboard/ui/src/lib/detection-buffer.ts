// Results by timestamp, for drawing over a <video>: the picture shown at time t gets the
// detections (or skeletons) of the latest analysed frame at or before t. Bounded: the oldest go first.
import type { OverlayDetection, OverlayFace } from './overlay.ts';

export interface TimedDetections {
  readonly ts: number;
  readonly detections: readonly OverlayDetection[];
  /** Faces of the same frame, with their persons (drawn after the detections). */
  readonly faces?: readonly OverlayFace[];
  /** Size of the picture the boxes are in (source pixels); 0 = unknown (use the video's). */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/** Entries by timestamp: what was analysed for the picture shown at time t. */
export interface TimedBuffer<T extends { readonly ts: number }> {
  push(entry: T): void;
  /** The entry with the largest ts ≤ `ts`, if it is at most `maxAgeMs` older; else null. */
  at(ts: number, maxAgeMs: number): T | null;
  clear(): void;
  readonly size: number;
}

export type DetectionBuffer = TimedBuffer<TimedDetections>;

export function createDetectionBuffer(capacity = 600): DetectionBuffer {
  return createTimedBuffer<TimedDetections>(capacity);
}

/** A bounded buffer sorted by ts (the oldest entries go first); one entry per ts, the latest wins. */
export function createTimedBuffer<T extends { readonly ts: number }>(capacity = 600): TimedBuffer<T> {
  // Kept sorted by ts; entries nearly always arrive in order, so inserting is an append.
  let entries: T[] = [];
  return {
    push(e) {
      let i = entries.length;
      while (i > 0 && entries[i - 1]!.ts > e.ts) i--;
      if (i > 0 && entries[i - 1]!.ts === e.ts) entries[i - 1] = e;
      else entries.splice(i, 0, e);
      if (entries.length > capacity) entries = entries.slice(entries.length - capacity);
    },
    at(ts, maxAgeMs) {
      let lo = 0;
      let hi = entries.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (entries[mid]!.ts <= ts) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      const e = found >= 0 ? entries[found]! : null;
      return e && ts - e.ts <= maxAgeMs ? e : null;
    },
    clear() {
      entries = [];
    },
    get size() {
      return entries.length;
    },
  };
}
