// Short motion trails per track: the last `maxPoints` box centres, in source pixels.
// Bounded twice over: at most `maxTracks` tracks (least recently seen evicted), and tracks not seen
// for `staleFrames` frames are dropped, in case their 'end' message was missed.

export interface Trail {
  readonly label: string;
  /** x, y pairs, oldest first. */
  readonly points: Float32Array;
  readonly count: number;
}

export interface TrailStore {
  add(trackId: number, label: string, x: number, y: number, seq: number): void;
  end(trackId: number): void;
  /** Visits every trail, oldest point first. */
  forEach(fn: (trail: Trail, trackId: number) => void): void;
  clear(): void;
  readonly size: number;
}

interface Entry {
  label: string;
  ring: Float32Array;
  head: number;
  count: number;
  lastSeq: number;
  view: Float32Array;
}

export function createTrailStore(
  opts: { maxTracks?: number; maxPoints?: number; staleFrames?: number } = {},
): TrailStore {
  const maxTracks = opts.maxTracks ?? 200;
  const maxPoints = opts.maxPoints ?? 20;
  const staleFrames = opts.staleFrames ?? 50;
  const tracks = new Map<number, Entry>();
  let lastSeq = 0;

  function prune(): void {
    for (const [id, e] of tracks) if (lastSeq - e.lastSeq > staleFrames) tracks.delete(id);
    // Map iteration is insertion order and add() re-inserts, so the first keys are the least recent.
    for (const id of tracks.keys()) {
      if (tracks.size <= maxTracks) break;
      tracks.delete(id);
    }
  }

  return {
    add(trackId, label, x, y, seq) {
      let e = tracks.get(trackId);
      if (e) tracks.delete(trackId);
      else
        e = {
          label,
          ring: new Float32Array(maxPoints * 2),
          head: 0,
          count: 0,
          lastSeq: seq,
          view: new Float32Array(maxPoints * 2),
        };
      tracks.set(trackId, e);
      e.label = label;
      e.ring[e.head * 2] = x;
      e.ring[e.head * 2 + 1] = y;
      e.head = (e.head + 1) % maxPoints;
      e.count = Math.min(e.count + 1, maxPoints);
      e.lastSeq = seq;
      if (seq > lastSeq) lastSeq = seq;
      prune();
    },
    end(trackId) {
      tracks.delete(trackId);
    },
    forEach(fn) {
      for (const [id, e] of tracks) {
        // Unroll the ring into the reusable view, oldest first.
        const start = (e.head - e.count + maxPoints) % maxPoints;
        for (let i = 0; i < e.count; i++) {
          const k = (start + i) % maxPoints;
          e.view[i * 2] = e.ring[k * 2]!;
          e.view[i * 2 + 1] = e.ring[k * 2 + 1]!;
        }
        fn({ label: e.label, points: e.view, count: e.count }, id);
      }
    },
    clear() {
      tracks.clear();
    },
    get size() {
      return tracks.size;
    },
  };
}
