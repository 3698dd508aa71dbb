// The rule conditions over one window [start, end): pure functions of the buffered inputs, each
// giving a score 0..1, the cues that made it and the evidence to show a user.
import type { PoseFeatureRow } from '../pose/records.ts';
import { latestRow, type Cue, type SafetyInputs } from './inputs.ts';
import type { RuleFile, SafetyRule } from './rules-schema.ts';

type Of<K extends SafetyRule['kind']> = Extract<SafetyRule, { kind: K }>;

export interface Condition {
  readonly score: number;
  readonly cues: readonly string[];
  /** An earlier start the input itself vouches for (immobileMs). */
  readonly onset?: number;
  readonly tracks: readonly number[];
  readonly keyframes: readonly number[];
  readonly audio: readonly Cue[];
  readonly words: readonly Cue[];
}

export interface WindowView {
  readonly start: number;
  readonly end: number;
  readonly persons: number;
  /** Person tracks and the first analysed frame of the window (for evidence). */
  readonly tracks: readonly number[];
  readonly keyframe: number | null;
}

export const NONE: Condition = Object.freeze({
  score: 0,
  cues: [],
  tracks: [],
  keyframes: [],
  audio: [],
  words: [],
});

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The window's person count: its most common per-frame count (ties: the larger); null without frames. */
export function windowView(inp: SafetyInputs, start: number, end: number, carried: number): WindowView {
  const counts = new Map<number, number>();
  const tracks = new Set<number>();
  let keyframe: number | null = null;
  for (const f of inp.frames) {
    if (f.ts < start || f.ts >= end) continue;
    keyframe ??= f.ts;
    counts.set(f.persons, (counts.get(f.persons) ?? 0) + 1);
    for (const t of f.tracks) if (t > 0) tracks.add(t);
  }
  let persons = carried;
  let best = 0;
  for (const [p, n] of counts) if (n > best || (n === best && p > persons)) [persons, best] = [p, n];
  return { start, end, persons, tracks: [...tracks], keyframe };
}

export function alone(_rule: Of<'alone'>, w: WindowView): Condition {
  if (w.persons !== 1) return NONE;
  return {
    ...NONE,
    score: 1,
    cues: ['one-person'],
    tracks: w.tracks,
    keyframes: w.keyframe === null ? [] : [w.keyframe],
  };
}

export interface TrackScore {
  readonly trackId: number;
  readonly score: number;
  readonly cues: readonly string[];
  readonly pose: PoseFeatureRow;
}

/** Score of each track with fresh pose features (see rules.default.yaml for the formula). */
export function restraintTracks(
  rule: Of<'restrained'>,
  file: Pick<RuleFile, 'poseStaleMs' | 'tagStaleMs'>,
  inp: SafetyInputs,
  end: number,
  tagsRunning: boolean,
): TrackScore[] {
  const out: TrackScore[] = [];
  const frameTags = inp.tags.get(-1) ?? [];
  for (const [trackId, rows] of inp.pose) {
    const pose = latestRow(rows, end, file.poseStaleMs);
    if (!pose) continue;
    const p = rule.posture;
    const shares = [
      ['wrists-together', pose.wristsTogether * p.wristsTogether],
      ['wrists-behind-back', pose.wristsBehindBack * p.wristsBehindBack],
      ['arms-above-head', pose.armsAboveHead * p.armsAboveHead],
    ] as const;
    // Cues combine as a noisy-or: hands together alone (a phone held in both hands) stays under
    // onScore, together with arms above the head (hands bound overhead) it does not.
    const posture = 1 - shares.reduce((q, s) => q * (1 - Math.min(1, s[1])), 1);
    const strongest = Math.max(...shares.map((s) => s[1]));
    const cues: string[] = shares.filter((s) => s[1] > 0 && s[1] >= strongest * 0.5).map((s) => s[0]);
    let score = posture;
    if (tagsRunning) {
      let tag = 0;
      for (const t of [...(inp.tags.get(trackId) ?? []), ...frameTags]) {
        if (t.startTs >= end || t.endTs <= end - file.tagStaleMs || t.score < rule.tags.minScore) continue;
        const v = t.score * rule.tags.scopes[t.scope];
        if (v <= 0) continue;
        tag = Math.max(tag, v);
        const cue = `tag:${t.tag}@${t.scope}`;
        if (!cues.includes(cue)) cues.push(cue);
      }
      score = (1 - rule.tags.weight) * posture + rule.tags.weight * tag;
    }
    out.push({ trackId, score: round3(Math.min(1, score)), cues, pose });
  }
  return out;
}

export function restrained(tracks: readonly TrackScore[], threshold: number, w: WindowView): Condition {
  const hit = tracks.filter((t) => t.score >= threshold && t.score > 0);
  if (hit.length === 0) return { ...NONE, score: Math.max(0, ...tracks.map((t) => t.score)) };
  return {
    ...NONE,
    score: Math.max(...hit.map((t) => t.score)),
    cues: [...new Set(hit.flatMap((t) => t.cues))],
    tracks: hit.map((t) => t.trackId),
    keyframes: w.keyframe === null ? [] : [w.keyframe],
  };
}

/** Restrained tracks (of the watched rule, while it is on) whose keypoints do not move. */
export function immobility(
  rule: Of<'immobility'>,
  restrainedTracks: readonly TrackScore[],
  w: WindowView,
): Condition {
  const still = restrainedTracks.filter((t) => t.pose.motionEnergy <= rule.maxMotionEnergy);
  if (still.length === 0) return NONE;
  const immobile = Math.max(...still.map((t) => t.pose.immobileMs));
  return {
    ...NONE,
    score: 1,
    cues: ['no-keypoint-motion'],
    onset: immobile > 0 ? Math.min(...still.map((t) => t.pose.endTs - t.pose.immobileMs)) : undefined,
    tracks: still.map((t) => t.trackId),
    keyframes: w.keyframe === null ? [] : [w.keyframe],
  };
}

/** Sounds and words active in the window (a cue overlaps it: started before its end, active after its start). */
export function distress(inp: SafetyInputs, w: WindowView): Condition {
  const active = inp.cues.filter((c) => c.startTs < w.end && c.activeUntil >= w.start);
  if (active.length === 0) return NONE;
  const audio = active.filter((c) => c.kind === 'sound');
  const words = active.filter((c) => c.kind === 'word');
  return {
    ...NONE,
    score: Math.max(...active.map((c) => c.score)),
    cues: [...new Set(active.map((c) => `${c.kind}:${c.label}`))],
    onset: Math.min(...active.map((c) => c.startTs)),
    audio,
    words,
  };
}

/** Composite: every referenced rule on; the score is their minimum. */
export function all(scores: readonly number[]): Condition {
  if (scores.length === 0 || scores.some((s) => s <= 0)) return NONE;
  return { ...NONE, score: Math.min(...scores), cues: ['all'] };
}
