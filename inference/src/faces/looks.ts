import type { BoxXYXY } from '../detect/types.ts';
import { faceSearchRegion } from './regions.ts';
import type { PersonTrackBox } from './tracker.ts';

export interface LookPlannerOptions {
  /**
   * Looks per second at a person whose face is known (default 4): below the face tracker's 1 s
   * gap, so a known face's track never ends for want of looks. A look that misses the face makes
   * it unknown again: looked at every frame.
   */
  readonly knownRate?: number;
  /**
   * Looks per second at a person whose face was missed `missesBeforeSlow` looks in a row (a back,
   * a crowd too far away; default 8): a face turning up is found within 1/searchRate s.
   */
  readonly searchRate?: number;
  /**
   * Looks per second at a person whose face was found but is not known yet (default: every
   * frame). Lower saves looks at faces that stay turned away or blurred, at the risk of missing
   * the one good frame that would have identified them.
   */
  readonly seenRate?: number;
  /** Misses in a row before a person is searched at `searchRate` only (default 3). */
  readonly missesBeforeSlow?: number;
  /**
   * Frames between a look and the plans it informs (default 3): plan(k) uses the reports of frames
   * ≤ k − lag only, so plans are the same however the model runs interleave (callers wait for
   * frame k − lag's report before planning frame k).
   */
  readonly lag?: number;
}

/**
 * What a look at a person found: its face, known well enough to follow slowly ('known'); a face
 * too small to identify ('small': it grows slowly, searched at `searchRate`); a face ('seen');
 * nothing ('missed').
 */
export type LookOutcome = 'known' | 'small' | 'seen' | 'missed';

export interface LookPlan {
  /** Where faces can be (source-frame pixels); [] for nowhere. */
  readonly regions: BoxXYXY[];
  /** The tracked persons (trackId > 0) looked at; persons not yet tracked are always looked at. */
  readonly looked: ReadonlySet<number>;
}

/**
 * Which persons to look for faces at, frame by frame: a person whose face is being found every
 * frame (as when the whole frame is searched), a person whose face is known `knownRate` times a
 * second, a person whose face keeps being missed `searchRate` times a second. Pure bookkeeping,
 * deterministic in the frame order.
 */
export interface LookPlanner {
  /** Plans frame `frame` (call order, from 0) at `ts` ms among the frame's person boxes. */
  plan(frame: number, ts: number, persons: readonly PersonTrackBox[]): LookPlan;
  /** What frame `frame`'s look found, per looked person track. */
  report(frame: number, outcomes: ReadonlyMap<number, LookOutcome>): void;
  /** A shot cut before frame `frame`: face tracks end, so every person is looked at afresh. */
  cut(frame: number): void;
}

interface TrackState {
  lastTs: number;
  known: boolean;
  small: boolean;
  misses: number;
}

/** Person tracks remembered at most (the oldest looked at are forgotten first). */
const MAX_TRACKS = 512;

export function createLookPlanner(opts: LookPlannerOptions = {}): LookPlanner {
  const knownMs = 1000 / (opts.knownRate ?? 4);
  const searchMs = 1000 / (opts.searchRate ?? 8);
  const seenMs = opts.seenRate ? 1000 / opts.seenRate : 0;
  const slowAfter = opts.missesBeforeSlow ?? 3;
  const lag = opts.lag ?? 3;
  const state = new Map<number, TrackState>();
  const reports: Array<{ frame: number; outcomes: ReadonlyMap<number, LookOutcome> }> = [];
  const cuts: number[] = [];
  let ignoreBefore = 0;

  const apply = (k: number): void => {
    while (cuts.length > 0 && cuts[0]! <= k) {
      ignoreBefore = cuts.shift()!;
      state.clear();
      while (reports.length > 0 && reports[0]!.frame < ignoreBefore) reports.shift();
    }
    while (reports.length > 0 && reports[0]!.frame <= k - lag) {
      for (const [id, outcome] of reports.shift()!.outcomes) {
        const s = state.get(id);
        if (!s) continue;
        s.known = outcome === 'known';
        s.small = outcome === 'small';
        s.misses = outcome === 'missed' ? s.misses + 1 : 0;
      }
    }
  };

  const due = (s: TrackState, ts: number): boolean => {
    if (s.known) return ts - s.lastTs >= knownMs;
    if (s.small || s.misses >= slowAfter) return ts - s.lastTs >= searchMs;
    return ts - s.lastTs >= seenMs;
  };

  return {
    plan(frame, ts, persons) {
      apply(frame);
      const regions: BoxXYXY[] = [];
      const looked = new Set<number>();
      for (const p of persons) {
        if (p.trackId > 0) {
          let s = state.get(p.trackId);
          if (s && !due(s, ts)) continue;
          if (!s) {
            s = { lastTs: ts, known: false, small: false, misses: 0 };
            if (state.size >= MAX_TRACKS) state.delete(state.keys().next().value!);
          }
          s.lastTs = ts;
          // Re-inserted: the map's order is the order of the last looks.
          state.delete(p.trackId);
          state.set(p.trackId, s);
          looked.add(p.trackId);
        }
        regions.push(faceSearchRegion(p.box));
      }
      return { regions, looked };
    },
    report(frame, outcomes) {
      if (frame < ignoreBefore || outcomes.size === 0) return;
      reports.push({ frame, outcomes });
    },
    cut(frame) {
      cuts.push(frame);
    },
  };
}
