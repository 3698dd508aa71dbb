import { z } from 'zod';
import type { Frame } from '@aima/ingest';
import {
  analyzeScheduled,
  profileOf,
  type AnalysisEvent,
  type AnalyzerDefinition,
  type Detector,
  type Scheduler,
  type TrackerOptions,
} from '@aima/inference';
import type { Store } from '@aima/storage';
import { createAnalysisSink } from '../jobs/sink.ts';
import { createChannel } from './channel.ts';

/** Per-job settings of detection + tracking (the CLI and API fill them). */
export const DetectConfig = z
  .object({
    windowMs: z.number().int().positive().optional(),
    strideMs: z.number().int().positive().optional(),
    tracker: z.custom<TrackerOptions>().optional(),
    /** Share of the model under overload, relative to other sources. */
    priority: z.number().min(0.01).max(100).default(1),
    /** Image folders: boxes stay in each image's own pixels. */
    still: z.boolean().default(false),
  })
  .strict();
export type DetectConfig = z.infer<typeof DetectConfig>;

/**
 * Transient table carrying the analysis events (frames with their tracked detections, windows,
 * track starts and ends) to consumers of detect: faces and shots use the frames, the job host the
 * rest (live previews, progress).
 */
export const ANALYSIS_EVENTS = 'analysis-events';

/**
 * Objects and tracks: frames go through the runtime's shared scheduler (fair share between
 * sources, cross-source batching), results are tracked in rolling windows and stored through
 * batched writers. Files wait for the model (nothing dropped); live sources drop their oldest
 * frames in the scheduler when behind (counted).
 */
export const detectAnalyzer: AnalyzerDefinition<DetectConfig> = {
  id: 'detect',
  version: '1',
  title: 'Objects and tracks',
  description: 'YOLO-family object detection with ByteTrack tracking in rolling windows',
  // The detector model is the runtime's (--model / AIMA_MODEL), shared by every source.
  models: [],
  consumes: [{ kind: 'video' }],
  config: DetectConfig,
  defaultOn: true,
  produces: [
    { table: 'detections', live: 'frame', lane: 'detections' },
    { table: 'tracks', live: 'track', lane: 'detections' },
    { table: 'windows', live: 'window', lane: 'detections' },
  ],
  async create(ctx, cfg) {
    const scheduler = ctx.service<Scheduler>('scheduler');
    const detector = ctx.service<Detector>('detector');
    const store = ctx.service<Store>('store');
    const onWrite = ctx.service<{ onStoreWrite?: (ms: number) => void }>('hooks').onStoreWrite;
    const profile = profileOf(ctx);
    const sink = createAnalysisSink(store, ctx.sourceId, detector.spec.id, onWrite);
    const frames = createChannel<Frame>();
    let loop: Promise<void> | null = null;
    let failure: unknown = null;

    const start = (first: { sourceWidth: number; sourceHeight: number }): Promise<void> => {
      const size = cfg.still ? {} : { sourceWidth: first.sourceWidth, sourceHeight: first.sourceHeight };
      const events = analyzeScheduled(
        scheduler.attach(ctx.sourceId, { ...size, priority: cfg.priority }),
        frames,
        {
          window: { lengthMs: cfg.windowMs, strideMs: cfg.strideMs },
          tracker: cfg.tracker,
          wait: !ctx.live,
          signal: ctx.signal,
          profile,
        },
      );
      return (async () => {
        try {
          for await (const e of events) {
            if (e.type === 'frame') {
              const t = e.frame.timings;
              profile.add('pre', t.preCpuMs ?? t.preMs);
              profile.add('model', t.inferCpuMs ?? t.inferMs);
              profile.add('post', t.postCpuMs ?? t.postMs);
              profile.frames(1);
            }
            await sink.handle(e);
            await ctx.emit({ table: ANALYSIS_EVENTS, rows: [e satisfies AnalysisEvent], transient: true });
          }
        } catch (err) {
          failure = err;
          frames.end();
        }
      })();
    };

    return {
      async video(frame) {
        if (failure) throw failure;
        loop ??= start(frame);
        await frames.push(frame as unknown as Frame);
      },
      async finish() {
        frames.end();
        await loop;
        // Every detection, window and track row produced is stored before the job reports.
        await sink.close();
        if (failure) throw failure;
      },
      summary: () => ({ ...sink.totals, modelId: detector.spec.id }),
      async close() {
        frames.end();
        await loop;
        await sink.close();
      },
    };
  },
};
