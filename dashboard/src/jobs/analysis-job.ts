import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { decodeAudio, probe, type AudioChunk, type Frame, type SourceRef } from '@aima/ingest';
import {
  AGE_VERDICTS,
  type AgeVerdictRow,
  type AnalysisEvent,
  type AnalyzerFailure,
  type AnalyzerHost,
  type ResultBatch,
} from '@aima/inference';
import type { SourceRecord } from '@aima/storage';
import { openFrameSource, peekFirst } from './frame-source.ts';
import type { AnalysisJobOptions, AnalysisSummary } from './job-types.ts';
export type { AnalysisJobOptions, AnalysisSummary, JobHooks, JobProgress, LiveFrame } from './job-types.ts';
import { createResultStore } from './result-store.ts';
import { openJobHost } from './open-host.ts';
import type { LiveFace } from '../protocol.ts';
import type { JobRuntime } from '../runtime.ts';
import { ANALYSIS_EVENTS } from '../analyzers/detect.ts';
import { FRAME_FACES } from '../analyzers/faces.ts';
import type { SinkTotals } from './sink.ts';

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
 * Analyses one source into the store with the runtime's analyzers. The source row goes running →
 * done (or stopped when aborted); on a failure of the media or of detection it is marked failed with
 * the error's code, the results produced so far are still flushed, and the error is rethrown. Any
 * other analyzer that fails (a missing ASR model, a corrupt audio stream) stops alone: its coded
 * error is reported in the summary and the rest of the job goes on.
 */
export async function runAnalysisJob(deps: JobRuntime, opts: AnalysisJobOptions): Promise<AnalysisSummary> {
  const { store, detector } = deps;
  const src = opts.source;
  const sourceId = opts.sourceId;
  const epochMs = Date.now();
  const t0 = performance.now();
  const still = src.kind === 'images';
  const plan = planAnalyzers(deps, opts, still);
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
    jobId: opts.jobId ?? '',
    meta: JSON.stringify({
      ...opts.meta,
      model: detector.spec.id,
      fps: opts.fps,
      analyzers: plan.map((d) => d.id),
    }),
  };
  await store.upsertSource(base);
  const { models, unavailable } = await deps.resolveAnalyzerModels(plan);
  const results = createResultStore(store, opts.onStoreWrite);
  const inputFailures: AnalyzerFailure[] = [];
  const reportFailure = (f: AnalyzerFailure): void => {
    try {
      opts.onAnalyzerFailure?.(f);
    } catch {
      // A listener's bug must not stop the job.
    }
  };

  // Frames waiting for their results, so live viewers get the exact pixels that were analysed.
  const inFlight = new Map<number, Frame>();
  let video = { width: 0, height: 0 };
  let mediaMs = 0;
  let audioMs = 0;
  let totalMs: number | null = null;
  let frameSource: Awaited<ReturnType<typeof openFrameSource>> | null = null;
  let host: AnalyzerHost | null = null;
  let failure: unknown = null;
  let framesDone = 0;
  const progress = (): void =>
    opts.onProgress?.({
      frames: framesDone,
      mediaMs: Math.max(mediaMs, audioMs),
      totalMs,
      dropped: frameSource?.dropped ?? 0,
      buffered: frameSource?.buffered ?? 0,
    });
  const preview = (seq: number, faces: readonly LiveFace[], e: FrameEvent): void => {
    const frame = inFlight.get(seq);
    // Results come in seq order; an older frame still here was dropped by the scheduler and will
    // get no result: forget it (and its pixels) now.
    for (const k of inFlight.keys()) {
      if (k > seq) break;
      inFlight.delete(k);
    }
    if (!frame || !opts.onFrame) return;
    const size = still ? { width: frame.width, height: frame.height } : video;
    opts.onFrame({ event: e, frame, sourceWidth: size.width, sourceHeight: size.height, faces });
  };
  // Frame events wait here for their faces when faces run (previews carry both).
  const awaitingFaces = new Map<number, FrameEvent>();
  // Minor-protection gate (issue 11): while a gated analyzer runs, a frame is previewed only once
  // age's verdict for it is 'clear' (a likely minor's frame is never shown live).
  const gatedPreviews = plan.some((d) => d.gate === 'minor-protection');
  const awaitingVerdict = new Map<number, { e: FrameEvent; faces: LiveFace[] }>();
  const onBatch = (analyzer: string, batch: ResultBatch): void => {
    if (analyzer === 'detect' && batch.table === ANALYSIS_EVENTS) {
      for (const e of batch.rows as AnalysisEvent[]) {
        opts.onEvent?.(e);
        if (e.type !== 'frame') continue;
        framesDone++;
        mediaMs = e.frame.ptsMs + 1000 / opts.fps;
        if (host?.has('faces')) {
          awaitingFaces.set(e.frame.seq, e);
          if (awaitingFaces.size > 64) awaitingFaces.delete(awaitingFaces.keys().next().value!);
        } else preview(e.frame.seq, [], e);
        progress();
      }
    } else if (analyzer === 'faces' && batch.table === FRAME_FACES) {
      for (const r of batch.rows as Array<{ seq: number; faces: LiveFace[] }>) {
        const e = awaitingFaces.get(r.seq);
        awaitingFaces.delete(r.seq);
        if (e && gatedPreviews) {
          awaitingVerdict.set(r.seq, { e, faces: r.faces });
          if (awaitingVerdict.size > 64) awaitingVerdict.delete(awaitingVerdict.keys().next().value!);
        } else if (e) preview(r.seq, r.faces, e);
      }
    } else if (analyzer === 'age' && batch.table === AGE_VERDICTS) {
      for (const v of batch.rows as AgeVerdictRow[]) {
        const w = awaitingVerdict.get(v.seq);
        awaitingVerdict.delete(v.seq);
        if (w && v.verdict === 'clear') preview(v.seq, w.faces, w.e);
      }
    }
  };

  try {
    // Files: what the media holds decides which inputs exist (an audio-only file has no frames).
    const info = src.live || still ? null : await probe(src, opts.signal ? { signal: opts.signal } : {});
    const config = (id: string): unknown => {
      const own = opts.analyzerConfig?.[id];
      if (id === 'detect') {
        return {
          windowMs: opts.window?.lengthMs,
          strideMs: opts.window?.strideMs,
          tracker: opts.tracker,
          priority: opts.priority ?? 1,
          still,
          ...(own as object | undefined),
        };
      }
      if (id === 'faces') return { still, ...(own as object | undefined) };
      return own ?? {};
    };
    // http(s) and HLS URLs are live when the probe finds no end: analyzers then treat them as live
    // (drop-oldest when behind, partial transcripts) although their frames come the file way.
    const live = src.live || (src.kind !== 'file' && info !== null && info.durationMs === null);
    host = await openJobHost(deps, {
      sourceId,
      live,
      epochMs,
      analyzers: plan.map((def) => ({ def, config: config(def.id) })),
      models,
      unavailable,
      onStoreWrite: opts.onStoreWrite,
      store: (_analyzer, batch) => results.write(batch),
      onBatch,
      onLive: (analyzer, msg) => opts.onAnalyzerLive?.(analyzer, msg),
      onFailure: reportFailure,
      // The gate's quarantine reaches the store at once (not with the next batch flush), so the
      // control plane's pixel guards close now; the gate's own rows follow (duplicates collapse).
      onQuarantine: (q) => void store.insertAnalyzerRows('quarantines', [q]).catch(() => undefined),
      signal: opts.signal,
    });
    const h = host;
    const hasVideo = h.wantsVideo && (info === null || info.video !== null);
    const hasAudio = h.wantsAudio && !still && (info === null ? false : info.audio !== null);
    if (info) {
      const limit = Math.min(info.durationMs ?? Infinity, opts.durationMs ?? Infinity);
      totalMs = Number.isFinite(limit) ? limit : null;
    }
    // Faces need more pixels than the object detector's input: small faces vanish at 416.
    const input = detector.spec.input!;
    const decodeSize = h.has('faces') ? Math.max(input.width, input.height, FACE_DECODE_SIZE) : 0;

    // Live sources: one connection, one ffmpeg for frames and audio. Files read their audio with
    // a second ffmpeg (reading a file twice is cheap, and backpressure stays independent).
    const liveAudio = src.live && h.wantsAudio;
    const audioFailed = (e: { code: string; message: string }): void => {
      const f = { analyzer: 'audio', code: e.code, message: e.message };
      inputFailures.push(f);
      reportFailure(f);
    };
    if (hasVideo || liveAudio) {
      frameSource = await openFrameSource(src, {
        fps: opts.fps,
        maxWidth: decodeSize || input.width,
        maxHeight: decodeSize || input.height,
        durationMs: opts.durationMs,
        realtime: opts.realtime,
        ...(opts.decode ? { decode: opts.decode } : {}),
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
            void h.gap(g.endTs).catch(() => undefined);
          },
          record: opts.recordDir
            ? {
                dir: opts.recordDir,
                segmentSeconds: opts.segmentSeconds,
                onSegment: (seg) => store.insertRecordings([seg]),
              }
            : undefined,
          ...(liveAudio ? { audioChunkSamples: AUDIO_CHUNK_SAMPLES, onAudioError: audioFailed } : {}),
        },
      });
    }

    const videoLoop = async (): Promise<void> => {
      if (!hasVideo || !frameSource) return;
      const frames = frameSource;
      // A live source's picture size is known once it delivered a frame.
      const { first, rest } = await peekFirst(frames);
      video =
        frames.info?.video ??
        (first ? { width: first.width, height: first.height } : { width: 0, height: 0 });
      if (src.live) totalMs = null;
      else if (!info) {
        const limit = Math.min(frames.info?.durationMs ?? Infinity, opts.durationMs ?? Infinity);
        totalMs = Number.isFinite(limit) ? limit : null;
      }
      for await (const frame of rest) {
        if (opts.onFrame) inFlight.set(frame.seq, frame);
        const size = still ? { width: frame.width, height: frame.height } : video;
        await h.video({ ...frame, sourceWidth: size.width, sourceHeight: size.height });
        // A failed detection ends the job: no point decoding further.
        if (h.failures.some((f) => f.analyzer === 'detect')) break;
      }
    };

    const feedAudio = async (chunks: AsyncIterable<AudioChunk>): Promise<void> => {
      for await (const c of chunks) {
        await h.audio(c);
        audioMs = c.ptsMs + (c.samples.length * 1000) / c.sampleRate;
        if (!hasVideo) progress();
      }
    };
    const audioLoop = async (): Promise<void> => {
      if (liveAudio) {
        const chunks = frameSource?.audio;
        // The live source's own failure (unreachable, given up) is the video loop's to report.
        if (chunks) await feedAudio(chunks).catch(() => undefined);
        return;
      }
      if (!hasAudio) return;
      try {
        const chunks = await decodeAudio(src, {
          epochMs,
          chunkSamples: AUDIO_CHUNK_SAMPLES,
          ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.realtime ? { realtime: true } : {}),
        });
        try {
          await feedAudio(chunks);
        } finally {
          await chunks.close();
        }
      } catch (err) {
        if (opts.signal?.aborted && isAbort(err)) return;
        // Bad audio stops the audio analyzers of this source only; video goes on.
        audioFailed(errorFields(err));
      }
    };

    const settled = await Promise.allSettled([videoLoop(), audioLoop()]);
    const bad = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (bad) failure = bad.reason;
  } catch (err) {
    failure = err;
  }
  // Results already produced are stored whatever happened above.
  if (host) {
    try {
      await host.finish();
    } catch (err) {
      failure ??= err;
    }
    try {
      await host.close();
    } catch (err) {
      failure ??= err;
    }
  }
  try {
    await (frameSource as { close(): Promise<void> } | null)?.close();
  } catch (err) {
    failure ??= err;
  }
  try {
    await results.close();
  } catch (err) {
    failure ??= err;
  }
  inFlight.clear();
  // A failed detection fails the job with its own error (as before analyzers were plugins).
  if (!failure && host?.failures.some((f) => f.analyzer === 'detect')) failure = host.errorOf('detect');
  const aborted = opts.signal?.aborted === true;
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
  const summaries = host?.summaries() ?? {};
  const totals = (summaries['detect'] ?? EMPTY_TOTALS) as unknown as SinkTotals;
  const faceTotals = summaries['faces'] as
    { faces: number; goodFaces: number; appearances: number; persons: string[] } | undefined;
  const tracksByClass: Record<string, number> = {};
  for (const t of totals.tracks) tracksByClass[t.label] = (tracksByClass[t.label] ?? 0) + 1;
  const endMs = Math.max(mediaMs, audioMs);
  const analysedMs = Math.min(endMs, totalMs ?? endMs);
  const failures = [...(host?.failures ?? []).filter((f) => f.analyzer !== 'detect'), ...inputFailures];
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
    droppedFrames: (frameSource as { dropped: number } | null)?.dropped ?? 0,
    windows: totals.windows,
    mediaMs: analysedMs,
    wallMs,
    realtimeFactor: wallMs > 0 ? analysedMs / wallMs : 0,
    analysisFps: wallMs > 0 ? (totals.frames * 1000) / wallMs : 0,
    detectionsByClass: totals.detectionsByClass,
    tracksByClass,
    tracks: totals.tracks,
    timingsMs: { pre: totals.preMs, infer: totals.inferMs, post: totals.postMs },
    faces: faceTotals
      ? {
          faces: faceTotals.faces,
          goodFaces: faceTotals.goodFaces,
          appearances: faceTotals.appearances,
          persons: faceTotals.persons,
        }
      : null,
    shots: Number(summaries['shots']?.['shots'] ?? 0),
    analyzers: host?.ids ?? [],
    analyzerFailures: failures,
    results: Object.fromEntries(
      Object.entries(summaries).filter(([id]) => id !== 'detect' && id !== 'faces' && id !== 'shots'),
    ),
    droppedInputs: Object.fromEntries(Object.entries(host?.dropped() ?? {}).filter(([, n]) => n > 0)),
    audio: (host?.wantsAudio ?? false) && audioMs > 0,
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

type FrameEvent = Extract<AnalysisEvent, { type: 'frame' }>;

/** Long side frames are decoded at when faces are on (the object detector letterboxes them down). */
const FACE_DECODE_SIZE = 960;
/** 0.25 s of 16 kHz audio per chunk: small enough for live partial transcripts and VAD edges. */
const AUDIO_CHUNK_SAMPLES = 4000;

const EMPTY_TOTALS: SinkTotals = {
  frames: 0,
  windows: 0,
  detectionsByClass: {},
  tracks: [],
  rejectedTracks: 0,
  preMs: 0,
  inferMs: 0,
  postMs: 0,
};

/**
 * The analyzers this job runs: the chosen set (or the runtime's default), with their dependencies,
 * minus faces when the runtime has none or the job said no, and minus shots for image folders.
 */
function planAnalyzers(deps: JobRuntime, opts: AnalysisJobOptions, still: boolean) {
  const chosen = opts.analyzers ?? deps.defaultAnalyzers;
  const defs = deps.analyzers.select(chosen);
  const explicitFaces = chosen?.includes('faces') === true;
  return defs.filter((d) => {
    if (d.id === 'faces') return opts.faces !== false && (deps.faces !== null || explicitFaces);
    if (d.id === 'shots') return !still && opts.shots !== false;
    return true;
  });
}

function isAbort(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'INGEST_ABORTED' || (err instanceof Error && err.name === 'AbortError');
}
