// Wire shapes of the safety API (issue 11): events, the risk series, the rule file, the live
// assessment, quarantines and the audit log. Shared by the routes (validation + OpenAPI) and the UI (response checks).
import { z } from 'zod';

export const SafetyEvidenceView = z.object({
  keyframes: z.array(z.number()).describe('timestamps (epoch ms) of moments worth seeing'),
  tracks: z.array(z.number().int()),
  audio: z.array(z.object({ label: z.string(), startTs: z.number(), endTs: z.number() })),
  transcript: z.array(
    z.object({ segmentId: z.string(), text: z.string(), startTs: z.number(), endTs: z.number() }),
  ),
});

export const SafetyEventView = z.object({
  sourceId: z.string(),
  eventId: z.string(),
  rule: z.string().describe('the rule id in the rule file'),
  severity: z.enum(['info', 'warning', 'critical']),
  startTs: z.number(),
  endTs: z.number().describe('last time the rule held'),
  open: z.boolean(),
  score: z.number().min(0).max(1),
  evidence: SafetyEvidenceView,
  status: z.enum(['new', 'acknowledged', 'dismissed']),
  note: z.string(),
  version: z.number(),
});
export type SafetyEventView = z.infer<typeof SafetyEventView>;

export const RiskSeriesView = z.object({
  ts: z.array(z.number()).describe('window ends, epoch ms'),
  score: z.array(z.number()).describe('risk 0..1 per window'),
});
export type RiskSeriesView = z.infer<typeof RiskSeriesView>;

export const SafetyRulesView = z.object({
  path: z.string(),
  text: z.string().describe('the file as written (YAML or JSON)'),
  rules: z.record(z.unknown()).describe('the validated rules, defaults applied'),
});

export const SafetyAssessmentView = z.object({
  ts: z.number(),
  risk: z.number(),
  states: z.array(z.string()),
  persons: z.number(),
  restraint: z.object({ likely: z.boolean(), score: z.number(), cues: z.array(z.string()) }),
  supervision: z.object({ alone: z.boolean(), aloneMs: z.number() }),
  distress: z.object({ likely: z.boolean(), sounds: z.array(z.string()), words: z.array(z.string()) }),
  consent: z.object({ withdrawn: z.boolean(), cues: z.array(z.string()) }),
  immobility: z.object({ maxImmobileMs: z.number() }),
  inactive: z.array(z.string()).optional(),
});
export type SafetyAssessmentView = z.infer<typeof SafetyAssessmentView>;

export const SafetyReviewBody = z
  .object({
    note: z.string().max(2000).default('').describe('why (kept with the event and in the audit log)'),
  })
  .strict();

// The minor-protection gate's metadata (routes/gate.ts): never pixels.
export const QuarantineView = z.object({
  sourceId: z.string(),
  ts: z.number().describe('epoch ms of the quarantine'),
  code: z.string().describe('SAFETY_MINOR_DETECTED | SAFETY_AGE_UNKNOWN | SAFETY_AGE_GATE_FAILED'),
  reason: z.string().describe('one line, no pixels, no identity'),
  analyzer: z.string().describe('the gated analyzers it stopped'),
  age: z.number().nullable().describe('the youngest estimate on the frame, years'),
  threshold: z.number().describe('18 + the configured margin'),
});

export const AuditView = z.object({
  ts: z.number(),
  actor: z.string(),
  action: z.string(),
  subjectKind: z.enum(['source', 'safety-event', 'person']),
  subjectId: z.string(),
  detail: z.string().describe('JSON of the details'),
});
