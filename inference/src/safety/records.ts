// Rows and messages of the safety analyzer, the rule engine (issue 11).

export type SafetySeverity = 'info' | 'warning' | 'critical';
export type SafetyEventStatus = 'new' | 'acknowledged' | 'dismissed';

/** What an event points at, so a user can check it: moments to look at, sounds, words. */
export interface SafetyEvidence {
  /** Timestamps of keyframes worth seeing. */
  readonly keyframes: readonly number[];
  readonly tracks: readonly number[];
  readonly audio: ReadonlyArray<{ readonly label: string; readonly startTs: number; readonly endTs: number }>;
  readonly transcript: ReadonlyArray<{
    readonly segmentId: string;
    readonly text: string;
    readonly startTs: number;
    readonly endTs: number;
  }>;
}

/**
 * A rule that fired (table `safety_events`, ReplacingMergeTree by version): inserted when it
 * opens, again when it closes, and again when a user acknowledges or dismisses it.
 */
export interface SafetyEventRow {
  readonly sourceId: string;
  /** Unique within the source (`se-<n>`). */
  readonly eventId: string;
  /** The rule's id in the rule file. */
  readonly rule: string;
  readonly severity: SafetySeverity;
  readonly startTs: number;
  /** Last time the rule held; equals startTs while just opened. */
  readonly endTs: number;
  readonly open: boolean;
  /** Peak rule score 0..1. */
  readonly score: number;
  readonly evidence: SafetyEvidence;
  readonly status: SafetyEventStatus;
  readonly note: string;
  readonly version: number;
}

/** The risk score of a source over one window (table `risk_scores`). */
export interface RiskRow {
  readonly sourceId: string;
  /** End of the window. */
  readonly ts: number;
  /** 0..1 (weights in the rule file). */
  readonly score: number;
  /** Rules holding at ts. */
  readonly states: readonly string[];
}

/**
 * Transient table 'safety-assessment' (and live kind 'safety'): the state of a source at the end
 * of each window; the seed API answers with the last one.
 */
export const SAFETY_ASSESSMENT = 'safety-assessment';
export interface SafetyAssessment {
  readonly ts: number;
  readonly risk: number;
  readonly states: readonly string[];
  readonly persons: number;
  readonly restraint: { readonly likely: boolean; readonly score: number; readonly cues: readonly string[] };
  readonly supervision: { readonly alone: boolean; readonly aloneMs: number };
  readonly distress: {
    readonly likely: boolean;
    readonly sounds: readonly string[];
    readonly words: readonly string[];
  };
  readonly consent: { readonly withdrawn: boolean; readonly cues: readonly string[] };
  readonly immobility: { readonly maxImmobileMs: number };
  /** Rules whose inputs are not running on this source (never true, never false: not evaluated). */
  readonly inactive?: readonly string[];
}
