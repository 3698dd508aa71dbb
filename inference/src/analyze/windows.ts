import { InferenceError } from '../errors.ts';

export interface WindowSpec {
  /** Window length in ms (default 1000). */
  readonly lengthMs: number;
  /** Distance between window starts in ms; = lengthMs for tumbling windows, < lengthMs to overlap. */
  readonly strideMs: number;
}

export interface WindowBounds {
  readonly windowId: number;
  readonly startTs: number;
  readonly endTs: number;
}

/**
 * Pure window arithmetic: window k covers [origin + k*stride, origin + k*stride + length).
 * The origin is the first frame's ts, so window 0 starts with the media.
 */
export function windowsContaining(ts: number, origin: number, w: WindowSpec): WindowBounds[] {
  const rel = ts - origin;
  if (rel < 0) return [];
  const last = Math.floor(rel / w.strideMs);
  const first = Math.max(0, Math.floor((rel - w.lengthMs) / w.strideMs) + 1);
  const out: WindowBounds[] = [];
  for (let k = first; k <= last; k++) {
    const startTs = origin + k * w.strideMs;
    out.push({ windowId: k, startTs, endTs: startTs + w.lengthMs });
  }
  return out;
}

export function validateWindowSpec(w: WindowSpec): WindowSpec {
  if (!(w.lengthMs > 0) || !(w.strideMs > 0) || w.strideMs > w.lengthMs) {
    throw new InferenceError(
      'INFER_BAD_CONFIG',
      `window length ${w.lengthMs} ms and stride ${w.strideMs} ms must be > 0 with stride ≤ length`,
    );
  }
  return w;
}

/** Collects items into rolling windows; a window closes once an item at or past its end arrives. */
export interface Windower<T> {
  /** Adds an item; returns the windows this item closed, oldest first. */
  push(ts: number, item: T): Array<WindowBounds & { items: T[] }>;
  /** Closes every open window (end of media). */
  flush(): Array<WindowBounds & { items: T[] }>;
}

export function createWindower<T>(spec: WindowSpec): Windower<T> {
  validateWindowSpec(spec);
  let origin: number | null = null;
  const open = new Map<number, WindowBounds & { items: T[] }>();
  const closeBefore = (ts: number): Array<WindowBounds & { items: T[] }> => {
    const done = [...open.values()].filter((w) => w.endTs <= ts).sort((a, b) => a.windowId - b.windowId);
    for (const w of done) open.delete(w.windowId);
    return done;
  };
  return {
    push(ts, item) {
      origin ??= ts;
      const closed = closeBefore(ts);
      for (const b of windowsContaining(ts, origin, spec)) {
        let w = open.get(b.windowId);
        if (!w) {
          w = { ...b, items: [] };
          open.set(b.windowId, w);
        }
        w.items.push(item);
      }
      return closed;
    },
    flush() {
      return closeBefore(Infinity);
    },
  };
}
