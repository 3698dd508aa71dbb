import type { Frame } from '@aima/ingest';
import { createEventAssembler, type AnalysisEvent, type AssemblerOptions } from '../analyze/assembler.ts';
import type { ScheduledSource } from './types.ts';

export interface ScheduledAnalysisOptions extends AssemblerOptions {
  /**
   * Read the next frame only when the source's queue has room, so no frame is dropped (files;
   * ingest's 'block' policy then pauses decoding). Default false: frames are read as fast as ingest
   * delivers them and the scheduler drops the oldest when analysis falls behind (live sources).
   */
  readonly wait?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * analyzeFrames through a shared scheduler: frames go to `source` as ingest delivers them (never
 * blocked by the model unless `wait`), and its results become the same events, in media order:
 * each frame's tracked detections, track starts/ends and window summaries. Detaches the source
 * when the frames end, the signal aborts or the consumer stops; a failing frame source or model
 * call is rethrown after the results before it.
 */
export async function* analyzeScheduled(
  source: ScheduledSource,
  frames: AsyncIterable<Frame>,
  opts: ScheduledAnalysisOptions = {},
): AsyncGenerator<AnalysisEvent> {
  const events = createEventAssembler(opts);
  const it = frames[Symbol.asyncIterator]();
  let stop = false;
  let reading: Promise<IteratorResult<Frame>> | null = null;
  let sourceDone = false; // the frame iterator ended or threw: nothing to release
  const feedFailure: { failed: boolean; error?: unknown } = { failed: false };

  // Ends the frame source early; a read still in flight is released by the caller closing the
  // stream (as analyzeFrames does), so return() is awaited only when none is.
  const release = async (): Promise<void> => {
    if (sourceDone) return;
    sourceDone = true;
    const r = it.return?.();
    if (reading === null) await r;
    else void Promise.resolve(r).catch(() => undefined);
  };
  const halt = (): void => {
    stop = true;
    source.detach();
  };
  if (opts.signal?.aborted) halt();
  else opts.signal?.addEventListener('abort', halt, { once: true });

  // The feed runs beside the result loop, so ingest is read at its own pace, not the model's.
  void (async () => {
    try {
      while (!stop) {
        if (opts.wait) await source.ready();
        if (stop || source.detached) break;
        reading = it.next();
        const step = await reading;
        reading = null;
        if (step.done) sourceDone = true;
        if (step.done || stop || source.detached) break;
        source.submit(step.value);
      }
    } catch (error) {
      sourceDone = true;
      feedFailure.failed = true;
      feedFailure.error = error;
    } finally {
      source.detach();
      await release().catch(() => undefined);
    }
  })();

  try {
    for await (const r of source.results) yield* events.frame(r.frame, r.detections, r.timings);
  } finally {
    opts.signal?.removeEventListener('abort', halt);
    halt();
    await release().catch(() => undefined);
  }
  // Results end only once the source is detached, which the feed does after recording its error.
  if (feedFailure.failed) throw feedFailure.error;
  yield* events.finish();
}
