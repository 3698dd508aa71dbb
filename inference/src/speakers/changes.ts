// Speaker changes inside one speech turn: the VAD cuts at pauses, but two people can talk without
// one. Long turns are covered by sliding windows (~1.5 s, half overlapping); where a window and
// the next window that does not overlap it sound like different voices, the turn is cut between
// them. Pure functions: the analyzer embeds the windows and the pieces.

export interface Span {
  readonly startTs: number;
  readonly endTs: number;
}

/** Windows of `windowMs` every `hopMs` covering `turn`; the last one ends at the turn's end. */
export function slidingWindows(turn: Span, windowMs: number, hopMs: number): Span[] {
  const len = turn.endTs - turn.startTs;
  if (!(windowMs > 0 && hopMs > 0) || len < windowMs) return len > 0 ? [turn] : [];
  const out: Span[] = [];
  let s = turn.startTs;
  for (; s + windowMs <= turn.endTs; s += hopMs) out.push({ startTs: s, endTs: s + windowMs });
  const last = out[out.length - 1]!;
  if (last.endTs < turn.endTs) out.push({ startTs: turn.endTs - windowMs, endTs: turn.endTs });
  return out;
}

export interface ChangeOptions {
  /** Cosine similarity below which two neighbouring windows are different voices. */
  readonly changeThreshold: number;
  /** No piece shorter than this (ms): changes closer together or to the turn's edges are dropped. */
  readonly minPieceMs: number;
}

export interface ChangePoint {
  readonly ts: number;
  /** Similarity of the two windows either side. */
  readonly similarity: number;
}

/**
 * Change points between each window and the first later window not overlapping it (embeddings
 * unit length, one per window). Strongest changes first win; the rest must keep `minPieceMs`
 * from them and from the turn's edges. Returned in time order.
 */
export function findChanges(
  turn: Span,
  windows: readonly Span[],
  embeddings: readonly Float32Array[],
  opts: ChangeOptions,
): ChangePoint[] {
  const candidates: ChangePoint[] = [];
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    let j = i + 1;
    while (j < windows.length && windows[j]!.startTs < w.endTs) j++;
    if (j >= windows.length) break;
    const sim = cosine(embeddings[i]!, embeddings[j]!);
    if (sim < opts.changeThreshold) {
      // Between the end of window i and the start of window j (they touch when hop = window / 2).
      candidates.push({ ts: (w.endTs + windows[j]!.startTs) / 2, similarity: sim });
    }
  }
  candidates.sort((a, b) => a.similarity - b.similarity);
  const kept: ChangePoint[] = [];
  for (const c of candidates) {
    if (c.ts - turn.startTs < opts.minPieceMs || turn.endTs - c.ts < opts.minPieceMs) continue;
    if (kept.some((k) => Math.abs(k.ts - c.ts) < opts.minPieceMs)) continue;
    kept.push(c);
  }
  return kept.sort((a, b) => a.ts - b.ts);
}

/** The turn cut at the change points. */
export function splitTurn(turn: Span, changes: readonly ChangePoint[]): Span[] {
  const cuts = [turn.startTs, ...changes.map((c) => c.ts), turn.endTs];
  const out: Span[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) out.push({ startTs: cuts[i]!, endTs: cuts[i + 1]! });
  return out;
}

/** Cosine similarity of two unit-length vectors (their dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}
