import type { Candidate } from './types.ts';

/** Overlap of two x1,y1,x2,y2 boxes (intersection over union); 0 when they do not touch. */
export function iouXyxy(a: XyxyBox, b: XyxyBox): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

interface XyxyBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** Greedy single-class NMS: survivors by descending score. */
export function nmsSingleClass<T extends XyxyBox & { readonly score: number }>(
  cands: readonly T[],
  iouThreshold: number,
  max: number,
): T[] {
  const sorted = [...cands].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const c of sorted) {
    if (kept.length >= max) break;
    if (!kept.some((k) => iouXyxy(k, c) > iouThreshold)) kept.push(c);
  }
  return kept;
}

/**
 * Class-wise greedy non-maximum suppression: a candidate is dropped when a higher-scoring candidate
 * of the same class overlaps it by more than `iouThreshold`. Returns survivors by descending score.
 */
export function nmsClasswise(
  cands: readonly Candidate[],
  iouThreshold: number,
  maxDetections: number,
): Candidate[] {
  const sorted = [...cands].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.length >= maxDetections) break;
    let suppressed = false;
    for (const k of kept) {
      if (k.classId === c.classId && iouXyxy(k, c) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(c);
  }
  return kept;
}
