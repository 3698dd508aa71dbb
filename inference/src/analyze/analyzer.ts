import type { Frame } from '@aima/ingest';
import type { Detector, DetectTimings } from '../detect/detector.ts';
import type { Detection } from '../detect/types.ts';
import { createTracker, type TrackState, type TrackerOptions } from '../tracking/index.ts';
import { createWindower, validateWindowSpec, type WindowSpec } from './windows.ts';

export interface AnalyzerOptions {
  readonly detector: Detector;
  /** Rolling windows (default 1000 ms tumbling). */
  readonly window?: Partial<WindowSpec>;
  readonly tracker?: TrackerOptions;
  /** A track whose median score ends below this is a false positive and is not kept (default 0.5). */
  readonly minTrackScore?: number;
  /** Model calls in flight at once (default: one per model instance plus one being prepared). */
  readonly depth?: number;
  /** Size of the source picture, when frames were scaled down by ingest: boxes are reported in it. */
  readonly sourceWidth?: number;
  readonly sourceHeight?: number;
  readonly signal?: AbortSignal;
}

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

interface Batch {
  readonly frames: readonly Frame[];
  readonly result: Promise<{ detections: Detection[][]; timings: DetectTimings }>;
}

/**
 * Runs detection and tracking over a frame stream and yields, in media order: each frame's tracked
 * detections, track starts/ends, and a summary per closed window. Frames are sent to the model in
 * batches (up to the detector's maxBatch, never across a window boundary), with `depth` calls in
 * flight so decoding and pre/post-processing overlap the model run.
 */
export async function* analyzeFrames(
  frames: AsyncIterable<Frame>,
  opts: AnalyzerOptions,
): AsyncGenerator<AnalysisEvent> {
  const spec = validateWindowSpec({
    lengthMs: opts.window?.lengthMs ?? 1000,
    strideMs: opts.window?.strideMs ?? opts.window?.lengthMs ?? 1000,
  });
  const { detector } = opts;
  const depth = Math.max(1, opts.depth ?? detector.instances + 1);
  const minTrackScore = opts.minTrackScore ?? 0.5;
  const tracker = createTracker(opts.tracker);
  const windower = createWindower<FrameResult>(spec);
  const pending: Batch[] = [];
  let batch: Frame[] = [];
  let batchWindow = -1;
  let origin: number | null = null;
  let active: readonly TrackState[] = [];

  const submit = (): void => {
    if (batch.length === 0) return;
    const fs = batch;
    batch = [];
    const result = detector.detect(
      fs.map((f) => ({
        width: f.width,
        height: f.height,
        data: f.data,
        bgr: f.format === 'bgr24',
        sourceWidth: opts.sourceWidth,
        sourceHeight: opts.sourceHeight,
      })),
    );
    // Keep an early rejection from surfacing as unhandled before we await it in order.
    result.catch(() => undefined);
    pending.push({ frames: fs, result });
  };

  function* settle(
    b: Batch,
    r: { detections: Detection[][]; timings: DetectTimings },
  ): Generator<AnalysisEvent> {
    const n = b.frames.length;
    const share = (v: number): number => v / n;
    for (let i = 0; i < n; i++) {
      const f = b.frames[i]!;
      const dets = r.detections[i] ?? [];
      const update = tracker.update(dets, f.ts);
      active = update.active;
      for (const t of update.started) yield { type: 'track-start', track: t };
      for (const t of update.ended)
        yield { type: 'track-end', track: t, accepted: t.medianScore >= minTrackScore };
      const frame: FrameResult = {
        seq: f.seq,
        ts: f.ts,
        ptsMs: f.ptsMs,
        detections: dets.map((d, k) => ({ ...d, trackId: update.trackIds[k] ?? 0 })),
        timings: {
          preMs: share(r.timings.preMs),
          inferMs: share(r.timings.inferMs),
          postMs: share(r.timings.postMs),
        },
      };
      yield { type: 'frame', frame };
      yield* windowEvents(windower.push(f.ts, frame));
    }
  }

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

  const it = frames[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<Frame>> | null = null;
  let finished = false;
  try {
    for (;;) {
      if (opts.signal?.aborted) break;
      // Backpressure: with `depth` calls in flight, finish the oldest before reading more frames.
      if (pending.length >= depth) {
        const b = pending.shift()!;
        yield* settle(b, await b.result);
        continue;
      }
      next ??= it.next();
      let step: IteratorResult<Frame>;
      const head = pending[0];
      if (head) {
        // A result is emitted as soon as it is ready, not when the next frame happens to arrive:
        // on a paced live source that would add a whole frame interval (or more) of latency.
        const first = await Promise.race([next.then((r) => ({ r })), head.result.then(() => null)]);
        if (first === null) {
          pending.shift();
          yield* settle(head, await head.result);
          continue;
        }
        step = first.r;
      } else {
        step = await next;
      }
      next = null;
      if (step.done) {
        finished = true;
        break;
      }
      const f = step.value;
      const start = (origin ??= f.ts);
      const win = Math.floor((f.ts - start) / spec.strideMs);
      if (batch.length > 0 && win !== batchWindow) submit();
      batchWindow = win;
      batch.push(f);
      // Adaptive batching: a batch grows only while the model is busy; an idle model gets what is there.
      if (batch.length >= detector.maxBatch || pending.length === 0) submit();
    }
  } finally {
    if (!finished) {
      // Ends the frame source early (abort, or our consumer stopped); a read still in flight is
      // released by the caller closing the stream, so only await return() when none is.
      const r = it.return?.();
      if (next === null) await r;
      else void next.catch(() => undefined);
    }
  }
  submit();
  while (pending.length > 0) {
    const b = pending.shift()!;
    yield* settle(b, await b.result);
  }
  yield* windowEvents(windower.flush());
  for (const t of tracker.finish())
    yield { type: 'track-end', track: t, accepted: t.medianScore >= minTrackScore };
}
