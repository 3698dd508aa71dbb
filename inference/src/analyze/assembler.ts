import type { Profile } from '../profile/profile.ts';
import type { DetectTimings } from '../detect/detector.ts';
import type { Detection } from '../detect/types.ts';
import { createTracker, type TrackState, type TrackerOptions } from '../tracking/index.ts';
import { createWindower, validateWindowSpec, type WindowSpec } from './windows.ts';

export interface TrackedDetection extends Detection {
  /** Confirmed track id, or 0 while the detection is not (yet) part of one. */
  readonly trackId: number;
}

export interface FrameResult {
  readonly seq: number;
  readonly ts: number;
  readonly ptsMs: number;
  readonly detections: readonly TrackedDetection[];
  readonly timings: DetectTimings;
}

export interface WindowSummary {
  readonly windowId: number;
  readonly startTs: number;
  readonly endTs: number;
  readonly frames: number;
  readonly detections: number;
  readonly preMs: number;
  readonly inferMs: number;
  readonly postMs: number;
  /** Confirmed tracks alive when the window closed (for live upserts of long tracks). */
  readonly activeTracks: readonly TrackState[];
}

export type AnalysisEvent =
  | { readonly type: 'frame'; readonly frame: FrameResult }
  | { readonly type: 'window'; readonly window: WindowSummary }
  | { readonly type: 'track-start'; readonly track: TrackState }
  /** `accepted` = the median score reached minTrackScore (Frigate's false-positive filter). */
  | { readonly type: 'track-end'; readonly track: TrackState; readonly accepted: boolean };

/** The frame fields the events need (a Frame, or the metadata the scheduler keeps of one). */
export interface FrameKey {
  readonly seq: number;
  readonly ts: number;
  readonly ptsMs: number;
}

export interface AssemblerOptions {
  /** Rolling windows (default 1000 ms tumbling). */
  readonly window?: Partial<WindowSpec>;
  readonly tracker?: TrackerOptions;
  /** A track whose median score ends below this is a false positive and is not kept (default 0.5). */
  readonly minTrackScore?: number;
  /** Charged with the tracker's time ('tracking'). */
  readonly profile?: Profile;
}

/**
 * Turns one source's per-frame detections, fed in media order, into analysis events: tracking,
 * track starts/ends and window summaries. Shared by every way of running the detector (the
 * per-source analyzer and the shared scheduler), so they emit the same stream.
 */
export interface EventAssembler {
  readonly window: WindowSpec;
  /** One frame's detections (in media order): track events, the frame, then windows it closed. */
  frame(f: FrameKey, detections: readonly Detection[], timings: DetectTimings): Generator<AnalysisEvent>;
  /** End of media: closes every open window and ends every track. */
  finish(): Generator<AnalysisEvent>;
}

export function createEventAssembler(opts: AssemblerOptions = {}): EventAssembler {
  const spec = validateWindowSpec({
    lengthMs: opts.window?.lengthMs ?? 1000,
    strideMs: opts.window?.strideMs ?? opts.window?.lengthMs ?? 1000,
  });
  const minTrackScore = opts.minTrackScore ?? 0.5;
  const tracker = createTracker(opts.tracker);
  const windower = createWindower<FrameResult>(spec);
  let active: readonly TrackState[] = [];

  function* windowEvents(closed: ReturnType<typeof windower.flush>): Generator<AnalysisEvent> {
    for (const w of closed) {
      let detections = 0, preMs = 0, inferMs = 0, postMs = 0; // prettier-ignore
      for (const fr of w.items) {
        detections += fr.detections.length;
        preMs += fr.timings.preMs;
        inferMs += fr.timings.inferMs;
        postMs += fr.timings.postMs;
      }
      const activeTracks = active.filter((t) => t.medianScore >= minTrackScore);
      yield {
        type: 'window',
        window: {
          windowId: w.windowId,
          startTs: w.startTs,
          endTs: w.endTs,
          frames: w.items.length,
          detections,
          preMs,
          inferMs,
          postMs,
          activeTracks,
        },
      };
    }
  }

  return {
    window: spec,
    *frame(f, dets, timings) {
      const update = opts.profile
        ? opts.profile.measure('tracking', () => tracker.update(dets, f.ts))
        : tracker.update(dets, f.ts);
      active = update.active;
      for (const t of update.started) yield { type: 'track-start', track: t };
      for (const t of update.ended)
        yield { type: 'track-end', track: t, accepted: t.medianScore >= minTrackScore };
      const frame: FrameResult = {
        seq: f.seq,
        ts: f.ts,
        ptsMs: f.ptsMs,
        detections: dets.map((d, k) => ({ ...d, trackId: update.trackIds[k] ?? 0 })),
        timings,
      };
      yield { type: 'frame', frame };
      yield* windowEvents(windower.push(f.ts, frame));
    },
    *finish() {
      yield* windowEvents(windower.flush());
      for (const t of tracker.finish())
        yield { type: 'track-end', track: t, accepted: t.medianScore >= minTrackScore };
    },
  };
}
