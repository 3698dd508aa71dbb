// Rows of the age analyzer (issue 11): the input of the minor-protection gate.

/** adult: estimated at or over 18 + margin; minor: under; unknown: no estimate could be made. */
export type AgeVerdict = 'adult' | 'minor' | 'unknown';

/** One face's age estimate on one analysed frame (table `age_estimates`). */
export interface AgeRow {
  readonly sourceId: string;
  readonly ts: number;
  readonly seq: number;
  readonly faceTrackId: number;
  readonly box: readonly [number, number, number, number];
  /** Years; null when the face could not be aged (too small, too blurred, the model failed). */
  readonly age: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly verdict: AgeVerdict;
  readonly modelId: string;
}

/**
 * Transient table 'age-verdicts': one row per analysed frame, faces or not, in frame order. The
 * gate and the gated analyzers act only on frames with a verdict; 'clear' = every face adult.
 * 'skipped': the age analyzer never got the frame's pixels (a live frame it dropped while behind):
 * no face was looked at, so nothing is known and the frame is never classified, but a frame the
 * analysis could not keep up with is not a face that could not be aged (no quarantine).
 */
export const AGE_VERDICTS = 'age-verdicts';
export interface AgeVerdictRow {
  readonly seq: number;
  readonly ts: number;
  readonly faces: number;
  readonly minAge: number | null;
  readonly verdict: 'clear' | 'minor' | 'unknown' | 'skipped';
  /** 18 + the age analyzer's margin (for the quarantine record). */
  readonly threshold?: number;
}
