import type { VideoInput } from '@aima/inference';

/**
 * Frames an analyzer holds until detect's results for them arrive. Results come in seq order, so
 * taking frame n forgets every older frame (those were dropped by the scheduler and get no result).
 * Bounded: past `limit` frames the oldest goes (a live source far behind loses pixels, never rows).
 */
export interface FrameKeeper {
  keep(frame: VideoInput): void;
  take(seq: number): VideoInput | undefined;
  clear(): void;
  readonly size: number;
}

export function createFrameKeeper(limit = 96): FrameKeeper {
  const frames = new Map<number, VideoInput>();
  return {
    keep(frame) {
      frames.set(frame.seq, frame);
      if (frames.size > limit) frames.delete(frames.keys().next().value!);
    },
    take(seq) {
      const f = frames.get(seq);
      for (const k of frames.keys()) {
        if (k > seq) break;
        frames.delete(k);
      }
      return f;
    },
    clear: () => frames.clear(),
    get size() {
      return frames.size;
    },
  };
}
