// A person's dossier histories (pure): window rows of one tag on one track that follow each other
// (gap ≤ `gapMs`) become one entry, with the frame-weighted mean score; entries stay tied to their
// source and job.
import type { TagCategory, TagRow, TagScope } from './records.ts';

export interface TagHistoryEntry {
  readonly sourceId: string;
  readonly jobId: string;
  readonly trackId: number;
  readonly category: TagCategory;
  readonly tag: string;
  /** Scopes the tag was seen in (person, wrists, ankles). */
  readonly scopes: readonly TagScope[];
  readonly startTs: number;
  readonly endTs: number;
  readonly score: number;
  readonly maxScore: number;
  readonly frames: number;
}

/** Merges consecutive windows; entries oldest first. At most `limit` entries (the oldest kept). */
export function tagHistory(rows: readonly TagRow[], gapMs: number, limit = 1000): TagHistoryEntry[] {
  const sorted = [...rows].sort((a, b) => a.startTs - b.startTs || a.endTs - b.endTs);
  const open = new Map<string, { e: TagHistoryEntry; sum: number }>();
  const done: Array<{ e: TagHistoryEntry; sum: number }> = [];
  for (const r of sorted) {
    const key = `${r.sourceId}|${r.trackId}|${r.category}|${r.tag}`;
    const cur = open.get(key);
    if (cur && r.startTs <= cur.e.endTs + gapMs) {
      const frames = cur.e.frames + r.frames;
      const sum = cur.sum + r.score * r.frames;
      cur.e = {
        ...cur.e,
        scopes: cur.e.scopes.includes(r.scope) ? cur.e.scopes : [...cur.e.scopes, r.scope],
        endTs: Math.max(cur.e.endTs, r.endTs),
        frames,
        maxScore: Math.max(cur.e.maxScore, r.maxScore),
        jobId: cur.e.jobId || r.jobId,
      };
      cur.sum = sum;
      continue;
    }
    const next = {
      e: {
        sourceId: r.sourceId,
        jobId: r.jobId,
        trackId: r.trackId,
        category: r.category,
        tag: r.tag,
        scopes: [r.scope],
        startTs: r.startTs,
        endTs: r.endTs,
        score: r.score,
        maxScore: r.maxScore,
        frames: r.frames,
      },
      sum: r.score * r.frames,
    };
    if (cur) done.push(cur);
    open.set(key, next);
  }
  done.push(...open.values());
  return done
    .map(({ e, sum }) => ({ ...e, score: Math.round((sum / Math.max(1, e.frames)) * 10_000) / 10_000 }))
    .sort((a, b) => a.startTs - b.startTs || a.tag.localeCompare(b.tag))
    .slice(0, limit);
}
