// What the rules look at, kept in bounded buffers: person counts per analysed frame, the latest
// pose features and restraint tags per track, and distress cues (sounds, words). Nothing here is
// an identity: tracks are detect's per-source numbers, gone when the track ends.
import type { PoseFeatureRow } from '../pose/records.ts';
import type { TagRow } from '../tags/records.ts';

export interface FrameCount {
  readonly ts: number;
  readonly persons: number;
  readonly tracks: readonly number[];
}

/** A sound or a word that may mean distress, active over [startTs, activeUntil]. */
export interface Cue {
  readonly kind: 'sound' | 'word';
  readonly label: string;
  readonly score: number;
  readonly startTs: number;
  readonly endTs: number;
  readonly activeUntil: number;
  /** A safe word or consent word: consent is withdrawn. */
  readonly consent: boolean;
  readonly segmentId?: string;
  readonly text?: string;
}

export interface InputLimits {
  readonly frames: number;
  readonly tracks: number;
  readonly rowsPerTrack: number;
  readonly cues: number;
}

export const DEFAULT_LIMITS: InputLimits = Object.freeze({
  frames: 2048,
  tracks: 256,
  rowsPerTrack: 8,
  cues: 256,
});

export interface SafetyInputs {
  readonly frames: FrameCount[];
  readonly pose: Map<number, PoseFeatureRow[]>;
  readonly tags: Map<number, TagRow[]>;
  readonly cues: Cue[];
  /** Latest time seen on any input. */
  maxTs: number;
}

export function createInputs(): SafetyInputs {
  return { frames: [], pose: new Map(), tags: new Map(), cues: [], maxTs: Number.NEGATIVE_INFINITY };
}

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** Keeps per-track rows sorted by endTs, at most `max`; drops the stalest track beyond `tracks`. */
function addTrackRow<R extends { trackId: number; endTs: number }>(
  map: Map<number, R[]>,
  row: R,
  limits: InputLimits,
): void {
  let rows = map.get(row.trackId);
  if (!rows) {
    if (map.size >= limits.tracks) {
      let stalest: number | null = null;
      let at = Infinity;
      for (const [id, rs] of map) {
        const end = rs[rs.length - 1]?.endTs ?? -Infinity;
        if (end < at) [stalest, at] = [id, end];
      }
      if (stalest !== null) map.delete(stalest);
    }
    rows = [];
    map.set(row.trackId, rows);
  }
  let i = rows.length;
  while (i > 0 && rows[i - 1]!.endTs > row.endTs) i--;
  rows.splice(i, 0, row);
  if (rows.length > limits.rowsPerTrack) rows.splice(0, rows.length - limits.rowsPerTrack);
}

export function addFrame(inp: SafetyInputs, f: FrameCount, limits: InputLimits): void {
  pushBounded(inp.frames, f, limits.frames);
  inp.maxTs = Math.max(inp.maxTs, f.ts);
}

export function addPose(inp: SafetyInputs, row: PoseFeatureRow, limits: InputLimits): void {
  addTrackRow(inp.pose, row, limits);
  inp.maxTs = Math.max(inp.maxTs, row.endTs);
}

export function addTag(inp: SafetyInputs, row: TagRow, limits: InputLimits): void {
  if (row.category !== 'restraint') return;
  addTrackRow(inp.tags, row, { ...limits, rowsPerTrack: limits.rowsPerTrack * 4 });
  inp.maxTs = Math.max(inp.maxTs, row.endTs);
}

export function addCue(inp: SafetyInputs, cue: Cue, limits: InputLimits): void {
  pushBounded(inp.cues, cue, limits.cues);
  inp.maxTs = Math.max(inp.maxTs, cue.endTs);
}

/** The latest row of a track that overlaps the window's end: started before `end`, not stale. */
export function latestRow<R extends { startTs: number; endTs: number }>(
  rows: readonly R[],
  end: number,
  staleMs: number,
): R | null {
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!;
    if (r.startTs < end && r.endTs > end - staleMs) return r;
  }
  return null;
}

/** Forgets what no window at or after `before` can use. */
export function prune(inp: SafetyInputs, before: number, keepMs: number): void {
  let n = 0;
  while (n < inp.frames.length && inp.frames[n]!.ts < before) n++;
  if (n > 0) inp.frames.splice(0, n);
  for (let i = inp.cues.length - 1; i >= 0; i--) if (inp.cues[i]!.activeUntil < before) inp.cues.splice(i, 1);
  for (const map of [inp.pose, inp.tags] as Map<number, { endTs: number }[]>[]) {
    for (const [id, rows] of map)
      if ((rows[rows.length - 1]?.endTs ?? -Infinity) < before - keepMs) map.delete(id);
  }
}
