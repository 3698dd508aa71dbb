// The age verdicts the minor-protection gate acts on. Pure: no models, no I/O.
import type { AgeVerdict, AgeVerdictRow } from './records.ts';

/** The age of majority the margin is added to. */
export const ADULT_AGE = 18;

/**
 * Default margin in years over 18 (threshold 22). SSR-Net (MegaAge-Asian) is weak: upstream about
 * half of the faces are within ±3 years, and on the 25 YuNet faces of shared/media/faces (all
 * adults, 30–75 in reality) it said 22.6–78.9 for the 22 frontal ones; a profile face got 11.8.
 * 4 is the largest margin under which every frontal adult face there passes (the lowest, 22.6):
 * any larger and NSFW analysis stops on ordinary adults. It cannot tell 17 from 23 reliably: use
 * the stronger genderage model where it matters, and raise the margin (config `age.margin`) when
 * false stops are cheaper than the risk. Fail closed: a face that cannot be aged stops NSFW.
 */
export const DEFAULT_AGE_MARGIN = 4;

/** Faces smaller than this (short side, source pixels) are not aged: verdict 'unknown'. */
export const MIN_FACE_PX = 24;

/** 18 + margin: the youngest estimate that counts as adult. */
export function adultThreshold(margin: number): number {
  return ADULT_AGE + margin;
}

/**
 * One face's verdict. Anything that is not a finite estimate at or over the threshold is not
 * 'adult': NaN, ±Infinity and null are 'unknown', so a broken model output never passes.
 */
export function faceVerdict(age: number | null, margin: number): AgeVerdict {
  if (age === null || !Number.isFinite(age)) return 'unknown';
  return age >= adultThreshold(margin) ? 'adult' : 'minor';
}

/** SSR-Net's own interval: [age − 2, age + 3], clamped to 0–100. */
export function ageInterval(age: number): { low: number; high: number } {
  return { low: Math.max(0, Math.min(100, age - 2)), high: Math.max(0, Math.min(100, age + 3)) };
}

/** Can a face of this box (source pixels) be aged at all? */
export function ageable(box: readonly [number, number, number, number], minPx = MIN_FACE_PX): boolean {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return Number.isFinite(w) && Number.isFinite(h) && Math.min(w, h) >= minPx;
}

/**
 * The frame's verdict: 'minor' if any face is a likely minor, else 'unknown' if any face could not
 * be aged, else 'clear' (every face adult, or no faces).
 */
export function frameVerdict(
  seq: number,
  ts: number,
  faces: ReadonlyArray<{ readonly age: number | null; readonly verdict: AgeVerdict }>,
  threshold: number,
): AgeVerdictRow {
  let minAge: number | null = null;
  for (const f of faces) if (f.age !== null && (minAge === null || f.age < minAge)) minAge = f.age;
  const verdict = faces.some((f) => f.verdict === 'minor')
    ? 'minor'
    : faces.some((f) => f.verdict !== 'adult')
      ? 'unknown'
      : 'clear';
  return { seq, ts, faces: faces.length, minAge, verdict, threshold };
}
