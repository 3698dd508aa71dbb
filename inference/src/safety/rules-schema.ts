// The rule file (JSON or YAML): rules are data, so users tune thresholds, weights and words without
// code. Every rule has a hysteresis (time and score) and a weight in the per-source risk score.
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { InferenceError } from '../errors.ts';

const ms = z.number().int().min(0).max(3_600_000);
const unit = z.number().min(0).max(1);
const severity = z.enum(['info', 'warning', 'critical']);

/** What every rule has: identity, severity, risk weight and its hysteresis. */
const base = {
  id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'lowercase id: letters, digits, dashes'),
  title: z.string().max(200).optional(),
  severity,
  /** Share of the rule's score in the source's risk (the sum is clamped to 1). */
  weight: unit,
  /** The condition must hold this long before the rule turns on. */
  onMs: ms,
  /** ... and be false this long before it turns off. */
  offMs: ms,
  /** A score at or above onScore starts the condition; once on, it holds while ≥ offScore. */
  onScore: unit.default(0.5),
  offScore: unit.default(0.5),
};

const RestrainedRule = z
  .object({
    ...base,
    kind: z.literal('restrained'),
    /** Weights of the pose_features shares (0..1); the posture cue is the max of share × weight. */
    posture: z.object({ wristsTogether: unit, wristsBehindBack: unit, armsAboveHead: unit }).strict(),
    /** Restraint tags (category 'restraint'): weight in the track score when tags runs. */
    tags: z
      .object({
        weight: unit,
        minScore: unit,
        scopes: z.object({ wrists: unit, ankles: unit, person: unit, frame: unit.default(0) }).strict(),
      })
      .strict(),
  })
  .strict();

const AloneRule = z
  .object({
    ...base,
    kind: z.literal('alone'),
    /** A person detection counts at or above this score. */
    personMinScore: unit.default(0.5),
  })
  .strict();

const AllRule = z
  .object({
    ...base,
    kind: z.literal('all'),
    /** Rules (defined earlier in the file) that must all be on; the score is their minimum. */
    of: z.array(z.string()).min(1).max(8),
  })
  .strict();

const DistressRule = z
  .object({
    ...base,
    kind: z.literal('distress'),
    /** audio_events labels (sounds vocabulary) and their cue scores. */
    sounds: z.record(z.string().min(1), unit),
    /** Transcript words/phrases (matched case-insensitively on word boundaries) and cue scores. */
    words: z.record(z.string().min(1), unit),
    /** Cue score of the user's safe words (config safeWords). */
    safeWordScore: unit,
    /** Words that mean consent is withdrawn (the safe words always do). */
    consentWords: z.array(z.string().min(1)).max(32).default([]),
    /** A cue stays active this long after it ended (or arrived, when late). */
    holdMs: ms.default(2000),
  })
  .strict();

const ImmobilityRule = z
  .object({
    ...base,
    kind: z.literal('immobility'),
    /** The restrained rule whose tracks are watched (defined earlier). */
    of: z.string(),
    /** Below this mean keypoint motion (box heights/s) a track counts as still. */
    maxMotionEnergy: z.number().min(0).max(100),
  })
  .strict();

const Rule = z.discriminatedUnion('kind', [RestrainedRule, AloneRule, AllRule, DistressRule, ImmobilityRule]);

export const RuleFile = z
  .object({
    version: z.literal(1),
    /** pose_features rows older than this (by endTs) are not used. */
    poseStaleMs: ms.default(3000),
    tagStaleMs: ms.default(5000),
    rules: z.array(Rule).min(1).max(64),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Map<string, string>();
    f.rules.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate id "${r.id}"` });
      if (r.offScore > r.onScore)
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'offScore'], message: 'must be ≤ onScore' });
      const refs = r.kind === 'all' ? r.of : r.kind === 'immobility' ? [r.of] : [];
      refs.forEach((ref, j) => {
        const path = r.kind === 'all' ? ['rules', i, 'of', j] : ['rules', i, 'of'];
        if (!seen.has(ref))
          ctx.addIssue({ code: 'custom', path, message: `"${ref}" is not a rule defined earlier` });
        else if (r.kind === 'immobility' && seen.get(ref) !== 'restrained')
          ctx.addIssue({ code: 'custom', path, message: `"${ref}" is not a restrained rule` });
      });
      seen.set(r.id, r.kind);
    });
  });

export type RuleFile = z.infer<typeof RuleFile>;
export type SafetyRule = RuleFile['rules'][number];
export type RuleKind = SafetyRule['kind'];

/** `rules[2].onScore`: the path of an issue the way a user finds it in the file. */
function keyPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(root)';
}

/** Validates a parsed rule file; errors name the exact key (SAFETY_BAD_RULES). */
export function validateRules(data: unknown, origin = 'rules'): RuleFile {
  const r = RuleFile.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let where = keyPath(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    where = keyPath([...issue.path, issue.keys[0] ?? '']);
    message = 'unknown key';
  }
  throw new InferenceError('SAFETY_BAD_RULES', `${origin}: ${where}: ${message}`);
}

/** Parses rule file text: JSON when `format` says so or the text starts with '{', else YAML. */
export function parseRules(
  text: string,
  format: 'json' | 'yaml' | 'auto' = 'auto',
  origin = 'rules',
): RuleFile {
  const json = format === 'json' || (format === 'auto' && text.trimStart().startsWith('{'));
  let data: unknown;
  try {
    data = json ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 16 });
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new InferenceError('SAFETY_BAD_RULES', `${origin}: not valid ${json ? 'JSON' : 'YAML'}: ${msg}`);
  }
  return validateRules(data, origin);
}
