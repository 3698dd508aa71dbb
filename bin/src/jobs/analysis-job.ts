import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { decodeVideo, parseSource, type SourceRef } from '@aima/ingest';
import {
  analyzeFrames,
  createDetector,
  createModelRegistry,
  type DownloadProgress,
  type TrackerOptions,
} from '@aima/inference';
import { createStore, type SourceRecord, type Store, type TrackRecord } from '@aima/storage';
import type { AppConfig } from '../config.ts';
import { describeError } from '../errors.ts';
import type { ProgressState } from '../progress.ts';
import { createAnalysisSink } from './sink.ts';

export interface AnalysisJobOptions {
  readonly input: string;
  readonly config: AppConfig;
  readonly modelId: string;
  /** Analysis frame rate. */
  readonly fps: number;
  readonly durationMs?: number;
  readonly sourceId?: string;
  readonly classes?: readonly string[];
  readonly scoreThreshold?: number;
  readonly window?: { readonly lengthMs?: number; readonly strideMs?: number };
  readonly tracker?: TrackerOptions;
  readonly onProgress?: (s: ProgressState) => void;
  readonly onDownload?: (p: DownloadProgress) => void;
  readonly signal?: AbortSignal;
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
}

export function makeSourceId(src: SourceRef): string {
  const base =
    src.kind === 'file' ? path.basename(src.input).replace(/\.[^.]*$/, '') : new URL(src.input).hostname;
  const slug =
    base
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 32) || 'source';
  return `${slug}-${randomBytes(3).toString('hex')}`;
}

export function openStore(config: AppConfig): Promise<Store> {
  return createStore({ dataDir: path.join(config.dataDir, 'clickhouse'), url: config.clickhouseUrl });
}

/**
 * Analyses one file or URL into the store. The source row goes running → done (or stopped when
 * aborted); on any failure it is marked failed with the error's code, the results produced so far
 * are still flushed, and the error is rethrown.
 */
export async function runAnalysisJob(opts: AnalysisJobOptions): Promise<AnalysisSummary> {
  const src = parseSource(opts.input);
  const registry = createModelRegistry({ modelsDir: opts.config.modelsDir, cacheDir: opts.config.cacheDir });
  const model = await registry.resolve(opts.modelId, {
    download: !opts.config.offline,
    onProgress: opts.onDownload,
    signal: opts.signal,
  });
  const store = await openStore(opts.config);
  try {
    await store.migrate();
    const detector = await createDetector({
      model,
      executionProvider: opts.config.executionProvider,
      intraOpThreads: opts.config.threads,
      classes: opts.classes,
      scoreThreshold: opts.scoreThreshold,
    });
    try {
      return await runWithStore(opts, src, store, detector);
    } finally {
      await detector.close();
    }
  } finally {
    await store.close();
  }
}

async function runWithStore(
  opts: AnalysisJobOptions,
  src: SourceRef,
  store: Store,
  detector: Awaited<ReturnType<typeof createDetector>>,
): Promise<AnalysisSummary> {
  const sourceId = opts.sourceId ?? makeSourceId(src);
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
    meta: JSON.stringify({ model: detector.spec.id, fps: opts.fps }),
  };
  await store.upsertSource(base);
  const sink = createAnalysisSink(store, sourceId, detector.spec.id);
  const input = detector.spec.input!;
  let mediaMs = 0;
  let dropped = 0;
  let failure: unknown = null;
  let totalMs: number | null = null;
  try {
    const frames = await decodeVideo(src, {
      fps: opts.fps,
      maxWidth: input.width,
      maxHeight: input.height,
      durationMs: opts.durationMs,
      epochMs,
      signal: opts.signal,
    });
    try {
      const video = frames.info.video!;
      totalMs = src.live ? null : Math.min(frames.info.durationMs ?? Infinity, opts.durationMs ?? Infinity);
      if (totalMs === Infinity) totalMs = null;
      const events = analyzeFrames(frames, {
        detector,
        window: opts.window,
        tracker: opts.tracker,
        sourceWidth: video.width,
        sourceHeight: video.height,
        signal: opts.signal,
      });
      for await (const e of events) {
        await sink.handle(e);
        if (e.type === 'frame') {
          mediaMs = e.frame.ptsMs + 1000 / opts.fps;
          dropped = frames.stats.dropped;
          opts.onProgress?.({ frames: sink.totals.frames, mediaMs, totalMs, dropped });
        }
      }
    } finally {
      await frames.close();
    }
  } catch (err) {
    failure = err;
  }
  // Results already produced are stored whatever happened above.
  try {
    await sink.close();
  } catch (err) {
    failure ??= err;
  }
  const aborted = opts.signal?.aborted === true;
  const totals = sink.totals;
  const wallMs = performance.now() - t0;
  if (failure && !aborted) {
    const d = describeError(failure);
    await store
      .upsertSource({
        ...base,
        status: 'failed',
        errorCode: d.code,
        errorMessage: d.line,
        updatedAt: Date.now(),
      })
      .catch(() => undefined);
    throw failure;
  }
  const tracksByClass: Record<string, number> = {};
  for (const t of totals.tracks) tracksByClass[t.label] = (tracksByClass[t.label] ?? 0) + 1;
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
    mediaMs: Math.min(mediaMs, totalMs ?? mediaMs),
    wallMs,
    realtimeFactor: wallMs > 0 ? Math.min(mediaMs, totalMs ?? mediaMs) / wallMs : 0,
    analysisFps: wallMs > 0 ? (totals.frames * 1000) / wallMs : 0,
    detectionsByClass: totals.detectionsByClass,
    tracksByClass,
    tracks: totals.tracks,
    timingsMs: { pre: totals.preMs, infer: totals.inferMs, post: totals.postMs },
  };
  const { tracks: _tracks, ...meta } = summary;
  await store.upsertSource({
    ...base,
    status: summary.status,
    meta: JSON.stringify(meta),
    updatedAt: Date.now(),
  });
  return summary;
}
