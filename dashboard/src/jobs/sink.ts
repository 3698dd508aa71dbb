import type { AnalysisEvent, TrackState } from '@aima/inference';
import {
  createBatchWriter,
  type BatchWriter,
  type DetectionRecord,
  type Store,
  type TrackRecord,
  type WindowRecord,
} from '@aima/storage';

/** Counts of what was stored, per class. */
export interface SinkTotals {
  readonly frames: number;
  readonly windows: number;
  readonly detectionsByClass: Readonly<Record<string, number>>;
  readonly tracks: readonly TrackRecord[];
  readonly rejectedTracks: number;
  readonly preMs: number;
  readonly inferMs: number;
  readonly postMs: number;
}

/** Turns analysis events into batched, ordered inserts. Nothing pushed is dropped: close() flushes or throws. */
export interface AnalysisSink {
  handle(e: AnalysisEvent): Promise<void>;
  readonly totals: SinkTotals;
  close(): Promise<void>;
}

/** A tracker's track as a stored row (also what the live channel sends as a TrackView). */
export function trackRecord(sourceId: string, t: TrackState, ended: boolean): TrackRecord {
  return {
    sourceId,
    trackId: t.id,
    label: t.label,
    startTs: t.startTs,
    endTs: t.lastTs,
    frames: t.hits,
    score: t.medianScore,
    bestTs: t.bestTs,
    bestBox: [...t.bestBox] as [number, number, number, number],
    ended,
  };
}

export function createAnalysisSink(
  store: Store,
  sourceId: string,
  modelId: string,
  onWrite?: (ms: number) => void,
): AnalysisSink {
  const timed =
    <T>(insert: (rows: T[]) => Promise<void>) =>
    async (rows: T[]): Promise<void> => {
      const t0 = performance.now();
      await insert(rows);
      onWrite?.(performance.now() - t0);
    };
  const detections: BatchWriter<DetectionRecord> = createBatchWriter(
    timed((rows: DetectionRecord[]) => store.insertDetections(rows)),
  );
  const windows: BatchWriter<WindowRecord> = createBatchWriter(
    timed((rows: WindowRecord[]) => store.insertWindows(rows)),
    {
      maxRows: 500,
    },
  );
  const tracks: BatchWriter<TrackRecord> = createBatchWriter(
    timed((rows: TrackRecord[]) => store.insertTracks(rows)),
    {
      maxRows: 500,
    },
  );
  const byClass: Record<string, number> = {};
  const ended: TrackRecord[] = [];
  // Tracks already shown as live rows; they must get their end row even if their median later sank.
  const shown = new Set<number>();
  let frames = 0, windowCount = 0, rejected = 0, preMs = 0, inferMs = 0, postMs = 0; // prettier-ignore

  return {
    async handle(e) {
      switch (e.type) {
        case 'frame': {
          frames++;
          preMs += e.frame.timings.preMs;
          inferMs += e.frame.timings.inferMs;
          postMs += e.frame.timings.postMs;
          if (e.frame.detections.length === 0) return;
          const rows = e.frame.detections.map((d): DetectionRecord => {
            byClass[d.label] = (byClass[d.label] ?? 0) + 1;
            return {
              sourceId,
              ts: e.frame.ts,
              frameSeq: e.frame.seq,
              label: d.label,
              score: d.score,
              x1: d.box[0],
              y1: d.box[1],
              x2: d.box[2],
              y2: d.box[3],
              trackId: d.trackId,
            };
          });
          await detections.push(rows);
          return;
        }
        case 'window': {
          windowCount++;
          const w = e.window;
          await windows.push([
            {
              sourceId,
              windowId: w.windowId,
              startTs: w.startTs,
              endTs: w.endTs,
              frames: w.frames,
              detections: w.detections,
              modelId,
              preMs: w.preMs,
              inferMs: w.inferMs,
              postMs: w.postMs,
            },
          ]);
          // Long tracks become visible (ended = false) while they last; their end row replaces these.
          for (const t of w.activeTracks) shown.add(t.id);
          if (w.activeTracks.length > 0)
            await tracks.push(w.activeTracks.map((t) => trackRecord(sourceId, t, false)));
          return;
        }
        case 'track-start':
          return;
        case 'track-end': {
          if (!e.accepted && !shown.has(e.track.id)) {
            rejected++;
            return;
          }
          const rec = trackRecord(sourceId, e.track, true);
          ended.push(rec);
          await tracks.push([rec]);
          return;
        }
      }
    },
    get totals() {
      return {
        frames,
        windows: windowCount,
        detectionsByClass: { ...byClass },
        tracks: ended,
        rejectedTracks: rejected,
        preMs,
        inferMs,
        postMs,
      };
    },
    async close() {
      // Every writer is closed even if one fails; the first failure is reported.
      const results = await Promise.allSettled([detections.close(), windows.close(), tracks.close()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
