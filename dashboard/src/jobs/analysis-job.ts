import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Frame, LiveStateChange, SourceRef } from '@aima/ingest';
import { openFrameSource, peekFirst } from './frame-source.ts';
import {
  analyzeFrames,
  analyzeScheduled,
  type AnalysisEvent,
  type Detector,
  type Scheduler,
  type TrackerOptions,
} from '@aima/inference';
import type { SourceRecord, Store, TrackRecord } from '@aima/storage';
import { createAnalysisSink } from './sink.ts';
import { createFaceStage, type FaceDeps, type FaceStage } from './face-stage.ts';
import { createShotStage, type ShotStage } from './shot-stage.ts';
import type { LiveFace } from '../protocol.ts';

/** Progress of one job, for progress bars and the sources page. */
export interface JobProgress {
  readonly frames: number;
  /** Media time analysed so far, ms. */
  readonly mediaMs: number;
  /** Total media time, ms; null for live sources. */
  readonly totalMs: number | null;
  readonly dropped: number;
  /** Decoded frames waiting for analysis right now. */
  readonly buffered: number;
}

/** An analysed frame with the pixels it was analysed on, for live previews. */
export interface LiveFrame {
  readonly event: Extract<AnalysisEvent, { type: 'frame' }>;
  readonly frame: Frame;
  /** Size of the source picture: detection boxes are in its pixels, the frame may be smaller. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Faces on this frame, with their person when known (empty when faces are off). */
  readonly faces: readonly LiveFace[];
}

export interface JobHooks {
  readonly onProgress?: (p: JobProgress) => void;
  /** Every analysis event, in order (frames come with their pixels through onFrame as well). */
  readonly onEvent?: (e: AnalysisEvent) => void;
  readonly onFrame?: (f: LiveFrame) => void;
  /** Milliseconds each batched insert took (metrics). */
  readonly onStoreWrite?: (ms: number) => void;
  /** Live sources: connection state changes (connecting, live, stalled, reconnecting, failed). */
  readonly onLiveState?: (c: LiveStateChange) => void;
}

export interface AnalysisJobOptions extends JobHooks {
  readonly source: SourceRef;
  readonly sourceId: string;
  /** Analysis frame rate. */
  readonly fps: number;
  readonly durationMs?: number;
  /** Read files at their native rate, as if live. */
  readonly realtime?: boolean;
  readonly window?: { readonly lengthMs?: number; readonly strideMs?: number };
  readonly tracker?: TrackerOptions;
  readonly signal?: AbortSignal;
  /** Share of the model under overload, relative to other sources (default 1). */
  readonly priority?: number;
  /** Live sources: consecutive failed connection attempts before the job fails (default: never give up). */
  readonly maxAttempts?: number;
  /** Live sources are recorded as fMP4 segments under this directory (omit: no recording). */
  readonly recordDir?: string;
  readonly segmentSeconds?: number;
  /** Extra fields stored in the source row's meta. */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** Detect faces and assign them to persons (default: on when the runtime has face models). */
  readonly faces?: boolean;
  /** Detect shot cuts (default on, except for image folders). */
  readonly shots?: boolean;
}

export interface AnalysisSummary {
  readonly sourceId: string;
  readonly source: string;
  readonly kind: SourceRef['kind'];
  readonly live: boolean;
  readonly status: 'done' | 'stopped';
  readonly epochMs: number;
  readonly model: { readonly id: string; readonly executionProviders: readonly string[] };
  readonly fps: number;
  readonly frames: number;
  readonly droppedFrames: number;
  readonly windows: number;
  readonly mediaMs: number;
  readonly wallMs: number;
  readonly realtimeFactor: number;
  readonly analysisFps: number;
  readonly detectionsByClass: Readonly<Record<string, number>>;
  readonly tracksByClass: Readonly<Record<string, number>>;
  readonly tracks: readonly TrackRecord[];
  readonly timingsMs: { readonly pre: number; readonly infer: number; readonly post: number };
  /** Faces seen, face tracks stored as appearances, and the persons they went to (null: faces off). */
  readonly faces: {
    readonly faces: number;
    readonly goodFaces: number;
    readonly appearances: number;
    readonly persons: readonly string[];
  } | null;
  readonly shots: number;
}

/** A readable, unique source id: the file or host name plus 6 hex digits. */
export function makeSourceId(src: SourceRef): string {
  const base =
    src.kind === 'file' || src.kind === 'images'
      ? path.basename(src.input).replace(/\.[^.]*$/, '')
      : new URL(src.input).hostname;
  const slug =
    base
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 32) || 'source';
  return `${slug}-${randomBytes(3).toString('hex')}`;
}

/** Failure details a source row keeps: the stable code and its one-line message. */
export function errorFields(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  if (
    err instanceof Error &&
    typeof e.code === 'string' &&
    typeof (e as { exitCode?: unknown }).exitCode === 'number'
  ) {
    return { code: e.code, message: err.message };
  }
  return {
    code: 'INTERNAL',
    message: err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err),
  };
}

/**
 * Analyses one source into the store with a shared detector. The source row goes running → done
 * (or stopped when aborted); on any failure it is marked failed with the error's code, the results
 * produced so far are still flushed, and the error is rethrown.
 */
export async function runAnalysisJob(
  deps: {
    readonly store: Store;
    readonly detector: Detector;
    readonly scheduler?: Scheduler;
    readonly faces?: FaceDeps | null;
  },
  opts: AnalysisJobOptions,
): Promise<AnalysisSummary> {
  const { store, detector } = deps;
  const src = opts.source;
  const sourceId = opts.sourceId;
  const epochMs = Date.now();
  const t0 = performance.now();
  const base: SourceRecord = {
    id: sourceId,
    kind: src.kind,
    display: src.display,
    live: src.live,
    status: 'running',
    errorCode: '',
    errorMessage: '',
    epochMs,
    createdAt: epochMs,
    updatedAt: epochMs,
    meta: JSON.stringify({ ...opts.meta, model: detector.spec.id, fps: opts.fps }),
  };
  await store.upsertSource(base);
  const sink = createAnalysisSink(store, sourceId, detector.spec.id, opts.onStoreWrite);
  const input = detector.spec.input!;
  const still = src.kind === 'images';
  const faces: FaceStage | null =
    deps.faces && opts.faces !== false
      ? createFaceStage(store, deps.faces, { sourceId, still, onWrite: opts.onStoreWrite })
      : null;
  const shots: ShotStage | null = !still && opts.shots !== false ? createShotStage(store, sourceId) : null;
  // Faces need more pixels than the object detector's input: small faces vanish at 416.
  const decodeSize = faces ? Math.max(input.width, input.height, FACE_DECODE_SIZE) : 0;
  let mediaMs = 0;
  let dropped = 0;
  let failure: unknown = null;
  let totalMs: number | null = null;
  try {
    const frames = await openFrameSource(src, {
      fps: opts.fps,
      maxWidth: faces ? decodeSize : input.width,
      maxHeight: faces ? decodeSize : input.height,
      durationMs: opts.durationMs,
      realtime: opts.realtime,
      epochMs,
      sourceId,
      signal: opts.signal,
      maxAttempts: opts.maxAttempts,
      live: {
        onState: opts.onLiveState,
        onGap: (g) => {
          void store
            .insertGaps([{ sourceId, startTs: g.startTs, endTs: g.endTs, reason: 'outage' }])
            .catch(() => undefined);
        },
        record: opts.recordDir
          ? {
              dir: opts.recordDir,
              segmentSeconds: opts.segmentSeconds,
              onSegment: (seg) => store.insertRecordings([seg]),
            }
          : undefined,
      },
    });
    try {
      // A live source's picture size is known once it delivered a frame.
      const { first, rest } = await peekFirst(frames);
      const video =
        frames.info?.video ??
        (first ? { width: first.width, height: first.height } : { width: 0, height: 0 });
      const limit = Math.min(frames.info?.durationMs ?? Infinity, opts.durationMs ?? Infinity);
      totalMs = src.live || !Number.isFinite(limit) ? null : limit;
      // Frames waiting for their results, so live viewers get the exact pixels that were analysed.
      const inFlight = new Map<number, Frame>();
      const tap = opts.onFrame || faces || shots ? tapFrames(rest, inFlight) : rest;
      // With a scheduler, sources share the model fairly (and batch together when it allows);
      // files wait for room (nothing dropped), live sources drop their oldest frames when behind.
      // Image folders: every image has its own size; boxes stay in the decoded image's pixels.
      const sourceSize = still ? {} : { sourceWidth: video.width, sourceHeight: video.height };
      const events = deps.scheduler
        ? analyzeScheduled(deps.scheduler.attach(sourceId, { ...sourceSize, priority: opts.priority }), tap, {
            window: opts.window,
            tracker: opts.tracker,
            wait: !src.live,
            signal: opts.signal,
          })
        : analyzeFrames(tap, {
            detector,
            window: opts.window,
            tracker: opts.tracker,
            ...sourceSize,
            signal: opts.signal,
          });
      const faceSteps: Promise<void>[] = [];
      // Settles every face step (so none is left unhandled) and rethrows the first failure.
      const drainFaces = async (): Promise<void> => {
        const results = await Promise.allSettled(faceSteps.splice(0));
        const bad = results.find((r) => r.status === 'rejected');
        if (bad) throw bad.reason;
      };
      try {
        for await (const e of events) {
          await sink.handle(e);
          opts.onEvent?.(e);
          if (e.type === 'frame') {
            const frame = inFlight.get(e.frame.seq);
            // Results come in seq order; an older frame still here was dropped by the scheduler and
            // will get no result: forget it (and its pixels) now.
            for (const seq of inFlight.keys()) {
              if (seq > e.frame.seq) break;
              inFlight.delete(seq);
            }
            const size = still && frame ? { width: frame.width, height: frame.height } : video;
            // A cut ends every face track first: a track must not run on into the next shot.
            if (frame && shots && (await shots.push(frame))) void faces?.cut().catch(() => undefined);
            if (frame && faces) {
              // A few frames in the face models at once; their results still come back in order.
              const event = e;
              faceSteps.push(
                faces.process(frame, e.frame.detections, size).then((seen) => {
                  opts.onFrame?.({
                    event,
                    frame,
                    sourceWidth: size.width,
                    sourceHeight: size.height,
                    faces: seen,
                  });
                }),
              );
              if (faceSteps.length >= FACE_DEPTH) await faceSteps.shift();
            } else if (frame) {
              opts.onFrame?.({
                event: e,
                frame,
                sourceWidth: size.width,
                sourceHeight: size.height,
                faces: [],
              });
            }
            mediaMs = e.frame.ptsMs + 1000 / opts.fps;
            dropped = frames.dropped;
            opts.onProgress?.({
              frames: sink.totals.frames,
              mediaMs,
              totalMs,
              dropped,
              buffered: frames.buffered,
            });
          }
        }
      } catch (err) {
        // The analysis failure is the one to report; face steps still in flight just settle.
        await drainFaces().catch(() => undefined);
        throw err;
      }
      await drainFaces();
    } finally {
      await frames.close();
    }
  } catch (err) {
    failure = err;
  }
  // Results already produced are stored whatever happened above.
  for (const stage of [faces, shots, sink]) {
    try {
      await stage?.close();
    } catch (err) {
      failure ??= err;
    }
  }
  const aborted = opts.signal?.aborted === true;
  const totals = sink.totals;
  const wallMs = performance.now() - t0;
  if (failure && !(aborted && isAbort(failure))) {
    const f = errorFields(failure);
    await store
      .upsertSource({
        ...base,
        status: 'failed',
        errorCode: f.code,
        errorMessage: f.message,
        updatedAt: Date.now(),
      })
      .catch(() => undefined);
    throw failure;
  }
  const tracksByClass: Record<string, number> = {};
  for (const t of totals.tracks) tracksByClass[t.label] = (tracksByClass[t.label] ?? 0) + 1;
  const analysedMs = Math.min(mediaMs, totalMs ?? mediaMs);
  const summary: AnalysisSummary = {
    sourceId,
    source: src.display,
    kind: src.kind,
    live: src.live,
    status: aborted ? 'stopped' : 'done',
    epochMs,
    model: { id: detector.spec.id, executionProviders: detector.executionProviders },
    fps: opts.fps,
    frames: totals.frames,
    droppedFrames: dropped,
    windows: totals.windows,
    mediaMs: analysedMs,
    wallMs,
    realtimeFactor: wallMs > 0 ? analysedMs / wallMs : 0,
    analysisFps: wallMs > 0 ? (totals.frames * 1000) / wallMs : 0,
    detectionsByClass: totals.detectionsByClass,
    tracksByClass,
    tracks: totals.tracks,
    timingsMs: { pre: totals.preMs, infer: totals.inferMs, post: totals.postMs },
    faces: faces
      ? {
          faces: faces.totals.faces,
          goodFaces: faces.totals.goodFaces,
          appearances: faces.totals.appearances,
          persons: faces.totals.persons,
        }
      : null,
    shots: shots?.shots ?? 0,
  };
  const { tracks: _tracks, ...meta } = summary;
  await store.upsertSource({
    ...base,
    status: summary.status,
    meta: JSON.stringify({ ...opts.meta, ...meta }),
    updatedAt: Date.now(),
  });
  return summary;
}

/** Long side frames are decoded at when faces are on (the object detector letterboxes them down). */
const FACE_DECODE_SIZE = 960;
/** Frames in the face models at once per job (their bookkeeping stays in order). */
const FACE_DEPTH = 3;

function isAbort(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'INGEST_ABORTED' || (err instanceof Error && err.name === 'AbortError');
}

/** Passes frames through, remembering each until its result is out (bounded by the analyzer's depth). */
async function* tapFrames(frames: AsyncIterable<Frame>, inFlight: Map<number, Frame>): AsyncGenerator<Frame> {
  for await (const f of frames) {
    inFlight.set(f.seq, f);
    yield f;
  }
}
