// Rows of the NSFW analyzer and of the minor-protection gate (issue 11).

/** Content classes of one analysed frame (table `nsfw_scores`); probabilities sum to 1. */
export interface NsfwRow {
  readonly sourceId: string;
  readonly ts: number;
  readonly seq: number;
  readonly drawing: number;
  readonly hentai: number;
  readonly neutral: number;
  readonly porn: number;
  readonly sexy: number;
  readonly modelId: string;
}

export type QuarantineCode = 'SAFETY_MINOR_DETECTED' | 'SAFETY_AGE_UNKNOWN' | 'SAFETY_AGE_GATE_FAILED';

/**
 * A source quarantined by the gate (table `quarantines`, append-only: a source with a row is
 * quarantined; the first row's reason is shown). No pixels of it are served to anyone.
 */
export interface QuarantineRow {
  readonly sourceId: string;
  readonly ts: number;
  readonly code: QuarantineCode;
  /** One line, no pixels, no identity: "face estimated 12 years (< 18 + 5 margin) while NSFW analysis ran". */
  readonly reason: string;
  readonly analyzer: string;
  readonly age: number | null;
  /** 18 + the configured margin. */
  readonly threshold: number;
}

/** One audited action (table `audit_events`): quarantines, reviews, acknowledgements. */
export interface AuditRow {
  readonly ts: number;
  /** 'system' for the gate; 'user' (the token holder) for API actions. */
  readonly actor: string;
  readonly action: string;
  readonly subjectKind: 'source' | 'safety-event' | 'person';
  readonly subjectId: string;
  /** JSON of the details (never pixels, never secrets). */
  readonly detail: string;
  /**
   * The source the action is about, when there is one: lets a remote worker's gate store its audit
   * row (the worker policy binds every row it writes to its assignment's source). Not stored.
   */
  readonly sourceId?: string;
}
