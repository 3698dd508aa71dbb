import type { DetectionRecord, SourceRecord, SourceStatus, TrackRecord, WindowRecord } from './types.ts';
import { fromMs, nextVersion, toDateTime64 } from './time.ts';

// Our records ↔ ClickHouse JSONEachRow rows. Column names are snake_case in the tables; every
// DateTime64 goes out as UTC text (see time.ts) and comes back as epoch ms.

export function sourceRow(s: SourceRecord): object {
  return {
    id: s.id,
    kind: s.kind,
    display: s.display,
    live: s.live ? 1 : 0,
    status: s.status,
    error_code: s.errorCode,
    error_message: s.errorMessage,
    epoch: toDateTime64(s.epochMs),
    created_at: toDateTime64(s.createdAt),
    updated_at: toDateTime64(s.updatedAt),
    meta: s.meta,
    job_id: s.jobId ?? '',
  };
}

export function windowRow(w: WindowRecord): object {
  return {
    source_id: w.sourceId,
    window_id: w.windowId,
    start_ts: toDateTime64(w.startTs),
    end_ts: toDateTime64(w.endTs),
    frames: w.frames,
    detections: w.detections,
    model_id: w.modelId,
    pre_ms: w.preMs,
    infer_ms: w.inferMs,
    post_ms: w.postMs,
  };
}

export function detectionRow(d: DetectionRecord): object {
  return {
    source_id: d.sourceId,
    ts: toDateTime64(d.ts),
    frame_seq: d.frameSeq,
    label: d.label,
    score: d.score,
    x1: d.x1,
    y1: d.y1,
    x2: d.x2,
    y2: d.y2,
    track_id: d.trackId,
  };
}

/** Each call stamps a fresh version, so rows later in a batch (and later batches) win. */
export function trackRow(t: TrackRecord): object {
  return {
    source_id: t.sourceId,
    track_id: t.trackId,
    label: t.label,
    start_ts: toDateTime64(t.startTs),
    end_ts: toDateTime64(t.endTs),
    best_ts: toDateTime64(t.bestTs),
    frames: t.frames,
    score: t.score,
    best_box: [...t.bestBox],
    ended: t.ended ? 1 : 0,
    version: nextVersion(),
  };
}

/** A `sources` row as selected by sql.ts (`*_ms` columns are epoch ms). */
export interface SourceSelectRow {
  id: string;
  kind: string;
  display: string;
  live: number;
  status: string;
  error_code: string;
  error_message: string;
  epoch_ms: number | string;
  created_ms: number | string;
  updated_ms: number | string;
  meta: string;
  job_id?: string;
}

export function toSourceRecord(r: SourceSelectRow): SourceRecord {
  return {
    id: r.id,
    // Stored from a SourceRecord, so the strings are members of these unions.
    kind: r.kind as SourceRecord['kind'],
    display: r.display,
    live: Number(r.live) !== 0,
    status: r.status as SourceStatus,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    epochMs: fromMs(r.epoch_ms),
    createdAt: fromMs(r.created_ms),
    updatedAt: fromMs(r.updated_ms),
    meta: r.meta,
    // Absent rather than '' for sources added on their own, so a record reads back as it was written.
    ...(r.job_id ? { jobId: r.job_id } : {}),
  };
}

/** A `tracks` row as selected by sql.ts. */
export interface TrackSelectRow {
  source_id: string;
  track_id: number;
  label: string;
  start_ms: number | string;
  end_ms: number | string;
  best_ms: number | string;
  frames: number;
  score: number;
  best_box: number[];
  ended: number;
}

export function toTrackRecord(r: TrackSelectRow): TrackRecord {
  const b = r.best_box;
  return {
    sourceId: r.source_id,
    trackId: Number(r.track_id),
    label: r.label,
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    frames: Number(r.frames),
    score: Number(r.score),
    bestTs: fromMs(r.best_ms),
    bestBox: [Number(b[0] ?? 0), Number(b[1] ?? 0), Number(b[2] ?? 0), Number(b[3] ?? 0)],
    ended: Number(r.ended) !== 0,
  };
}

/** A `windows` row as selected by sql.ts. */
export interface WindowSelectRow {
  source_id: string;
  window_id: number;
  start_ms: number | string;
  end_ms: number | string;
  frames: number;
  detections: number;
  model_id: string;
  pre_ms: number;
  infer_ms: number;
  post_ms: number;
}

export function toWindowRecord(r: WindowSelectRow): WindowRecord {
  return {
    sourceId: r.source_id,
    windowId: Number(r.window_id),
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    frames: Number(r.frames),
    detections: Number(r.detections),
    modelId: r.model_id,
    preMs: Number(r.pre_ms),
    inferMs: Number(r.infer_ms),
    postMs: Number(r.post_ms),
  };
}

export interface DetectionSelectRow {
  source_id: string;
  ts_ms: number | string;
  frame_seq: number;
  label: string;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  track_id: number;
}

export function toDetectionRecord(r: DetectionSelectRow): DetectionRecord {
  return {
    sourceId: r.source_id,
    ts: Number(r.ts_ms),
    frameSeq: Number(r.frame_seq),
    label: r.label,
    score: Number(r.score),
    x1: Number(r.x1),
    y1: Number(r.y1),
    x2: Number(r.x2),
    y2: Number(r.y2),
    trackId: Number(r.track_id),
  };
}
