import type { Segment, TrackRecord } from './types.ts';

/** The part of a track that segment merging looks at. */
export type SegmentInput = Pick<TrackRecord, 'sourceId' | 'label' | 'startTs' | 'endTs' | 'score'>;

/** Default gap (ms) below which two tracks of one label count as one presence. */
export const DEFAULT_MERGE_GAP_MS = 1000;

/**
 * Merges tracks into presence segments: per (source, label), tracks whose gap to the running
 * segment is ≤ `gapMs` join it (overlapping, contained and touching tracks always do). Tracks of
 * different sources or labels never merge. Input order does not matter; output is ordered by
 * start time, then source, then label. Pure.
 */
export function mergeSegments(
  tracks: readonly SegmentInput[],
  gapMs: number = DEFAULT_MERGE_GAP_MS,
): Segment[] {
  const gap = Number.isFinite(gapMs) && gapMs > 0 ? gapMs : 0;
  const sorted = [...tracks].sort(
    (a, b) =>
      cmp(a.sourceId, b.sourceId) || cmp(a.label, b.label) || a.startTs - b.startTs || a.endTs - b.endTs,
  );
  const out: Segment[] = [];
  let cur: { -readonly [K in keyof Segment]: Segment[K] } | null = null;
  for (const t of sorted) {
    // A track whose end precedes its start (clock glitch) still marks a point of presence.
    const end = Math.max(t.startTs, t.endTs);
    if (
      cur !== null &&
      cur.sourceId === t.sourceId &&
      cur.label === t.label &&
      t.startTs - cur.endTs <= gap
    ) {
      cur.endTs = Math.max(cur.endTs, end);
      cur.tracks += 1;
      cur.maxScore = Math.max(cur.maxScore, t.score);
      continue;
    }
    if (cur !== null) out.push(cur);
    cur = {
      sourceId: t.sourceId,
      label: t.label,
      startTs: t.startTs,
      endTs: end,
      tracks: 1,
      maxScore: t.score,
    };
  }
  if (cur !== null) out.push(cur);
  return out.sort((a, b) => a.startTs - b.startTs || cmp(a.sourceId, b.sourceId) || cmp(a.label, b.label));
}

// Code-unit order, not locale order: stable across machines and the same as ClickHouse's.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
