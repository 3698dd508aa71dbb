import type { TrackState } from '@aima/inference';
import type { SourceRecord } from '@aima/storage';
import { trackRecord } from '../jobs/sink.ts';
import type { SourceStats, SourceView, TrackView } from '../protocol.ts';

const ZERO_STATS: SourceStats = {
  framesAnalysed: 0,
  framesDropped: 0,
  analysisFps: 0,
  latencyMs: null,
  mediaMs: 0,
  totalMs: null,
};

interface StoredMeta {
  fps?: number;
  frames?: number;
  droppedFrames?: number;
  analysisFps?: number;
  mediaMs?: number;
}

function parseMeta(meta: string): StoredMeta {
  try {
    const m = JSON.parse(meta) as unknown;
    return typeof m === 'object' && m !== null ? (m as StoredMeta) : {};
  } catch {
    return {};
  }
}

/** A stored source row as the API shows it; live stats win over the summary stored at the end. */
export interface LiveConnection {
  readonly state: NonNullable<SourceView['connection']>;
  readonly reconnects: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** A stored source row as the API shows it; live stats and connection win over what is stored. */
export function toSourceView(
  r: SourceRecord,
  live?: SourceStats,
  statusOverride?: SourceView['status'],
  connection?: LiveConnection | null,
): SourceView {
  const meta = parseMeta(r.meta);
  const stored: SourceStats = {
    ...ZERO_STATS,
    framesAnalysed: meta.frames ?? 0,
    framesDropped: meta.droppedFrames ?? 0,
    analysisFps: meta.analysisFps ?? 0,
    mediaMs: meta.mediaMs ?? 0,
  };
  return {
    id: r.id,
    kind: r.kind,
    display: r.display,
    live: r.live,
    status: statusOverride ?? r.status,
    errorCode: connection?.error?.code ?? r.errorCode,
    errorMessage: connection?.error?.message ?? r.errorMessage,
    epochMs: r.epochMs,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    fps: meta.fps ?? 0,
    stats: live ?? stored,
    connection: connection?.state ?? null,
    reconnects: connection?.reconnects ?? 0,
    jobId: r.jobId ?? '',
  };
}

export function toTrackView(sourceId: string, t: TrackState, ended: boolean): TrackView {
  const r = trackRecord(sourceId, t, ended);
  return { ...r, bestBox: [...r.bestBox] as [number, number, number, number] };
}

/** Median of a small sample (latency stats). */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
