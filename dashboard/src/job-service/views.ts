import type { JobItemRecord, JobRecord } from '@aima/storage';
import type { SourceView } from '../protocol.ts';
import { EstimateView, JobContext, type JobItemView, type JobView } from './schemas.ts';

/** Live numbers of an item that runs in this process. */
export interface LiveItem {
  readonly view: SourceView | null;
  /** Wall ms when this attempt started. */
  readonly startedAt: number;
}

/** Media-time throughput of a job measured in this process: media ms analysed over wall ms running. */
export interface Measured {
  readonly mediaMs: number;
  readonly wallMs: number;
}

const SETTLED = new Set(['done', 'failed', 'cancelled']);

function parseJson<T>(
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
  text: string,
): T | null {
  if (text === '') return null;
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? (r.data as T) : null;
  } catch {
    return null;
  }
}

function itemView(item: JobItemRecord, live: LiveItem | undefined, now: number): JobItemView {
  let progress = item.state === 'done' ? 1 : item.progress;
  let etaSeconds: number | null = item.state === 'done' ? 0 : null;
  if (item.state === 'running' && live?.view) {
    const media = live.view.stats.mediaMs;
    const total = live.view.stats.totalMs ?? item.durationMs;
    if (total !== null && total > 0) {
      progress = Math.min(1, media / total);
      const wall = now - live.startedAt;
      // Per item ETA: what is left at this item's own speed so far.
      if (media > 0 && wall > 0) etaSeconds = Math.max(0, (total - media) / (media / wall) / 1000);
    }
  }
  return {
    index: item.index,
    input: item.inputDisplay,
    kind: item.kind,
    sourceId: item.sourceId === '' ? null : item.sourceId,
    state: item.state,
    progress,
    etaSeconds,
    durationMs: item.durationMs,
    attempts: item.attempts,
    ...(item.errorCode ? { errorCode: item.errorCode, errorMessage: item.errorMessage } : {}),
  };
}

/**
 * The REST view of a job. Progress is media-time weighted (items of unknown length weigh the mean of
 * the known ones); settled items (done, failed, cancelled) count as complete. The ETA divides the
 * media time left by the throughput measured so far in this process (media ms per wall ms), or by
 * the estimate's throughput before anything was measured; null when some length is unknown.
 */
export function toJobView(
  job: JobRecord,
  items: readonly JobItemRecord[],
  live: ReadonlyMap<number, LiveItem>,
  measured: Measured | undefined,
  now = Date.now(),
): JobView {
  const views = items.map((i) => itemView(i, live.get(i.index), now));
  const known = items.filter((i) => i.durationMs !== null).map((i) => i.durationMs!);
  const meanMs = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  let total = 0;
  let done = 0;
  let leftMs = 0;
  let leftKnown = true;
  for (const [k, v] of views.entries()) {
    const w = items[k]!.durationMs ?? meanMs;
    const p = SETTLED.has(v.state) ? 1 : v.progress;
    total += w;
    done += w * p;
    if (!SETTLED.has(v.state)) {
      if (items[k]!.durationMs === null) leftKnown = false;
      else leftMs += items[k]!.durationMs! * (1 - p);
    }
  }
  const estimate = parseJson<EstimateView>(EstimateView, job.estimate);
  const active = job.state === 'queued' || job.state === 'running';
  let etaSeconds: number | null = null;
  if (job.state === 'done') etaSeconds = 0;
  else if (active && leftKnown) {
    const rate =
      measured && measured.mediaMs > 0 && measured.wallMs > 0
        ? measured.mediaMs / measured.wallMs
        : estimate && estimate.throughput > 0
          ? estimate.throughput
          : null;
    if (rate !== null) etaSeconds = Math.round(leftMs / rate / 100) / 10;
  }
  const provider = job.provider === '' ? null : (job.provider as JobView['provider']);
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    priority: job.priority,
    analyzers: [...job.analyzers],
    context: parseJson(JobContext, job.context) ?? {},
    provider,
    gpuType: job.gpuType === '' ? null : job.gpuType,
    budgetUsd: provider === null || provider === 'local' ? null : job.budgetUsd,
    estimate,
    costUsd: job.costUsd,
    progress: total > 0 ? Math.min(1, done / total) : 0,
    etaSeconds,
    ...(job.pausedReason ? { pausedReason: job.pausedReason } : {}),
    ...(job.errorCode ? { errorCode: job.errorCode, errorMessage: job.errorMessage } : {}),
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    items: views,
  };
}
