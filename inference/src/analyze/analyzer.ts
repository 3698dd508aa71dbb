import type { Frame } from '@aima/ingest';
import type { Detector, DetectTimings } from '../detect/detector.ts';
import type { Detection } from '../detect/types.ts';
import type { TrackerOptions } from '../tracking/index.ts';
import { createEventAssembler, type AnalysisEvent } from './assembler.ts';
import type { WindowSpec } from './windows.ts';

export type { AnalysisEvent, FrameResult, TrackedDetection, WindowSummary } from './assembler.ts';

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
  const events = createEventAssembler(opts);
  const spec = events.window;
  const { detector } = opts;
  const depth = Math.max(1, opts.depth ?? detector.instances + 1);
  const pending: Batch[] = [];
  let batch: Frame[] = [];
  let batchWindow = -1;
  let origin: number | null = null;

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
      yield* events.frame(b.frames[i]!, r.detections[i] ?? [], {
        preMs: share(r.timings.preMs),
        inferMs: share(r.timings.inferMs),
        postMs: share(r.timings.postMs),
      });
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
  yield* events.finish();
}
