// One window of the engine: each rule, in file order, computes its condition (composites see the
// states their referenced rules reached in this same window) and steps its hysteresis. The
// assessment (the seed API's answer, the live 'safety' message) is built from the same results.
import type { SafetyAssessment } from './records.ts';
import type { RuleFile, SafetyRule } from './rules-schema.ts';
import type { SafetyInputs } from './inputs.ts';
import { INITIAL, isOn, step, type HysteresisState, type Transition } from './hysteresis.ts';
import * as cond from './evaluate.ts';

export interface RuleRuntime {
  readonly rule: SafetyRule;
  state: HysteresisState;
  /** The score while on (the last score that held, during the off delay); 0 when off. */
  lastScore: number;
}

export interface WindowResult {
  readonly persons: number;
  readonly conditions: ReadonlyMap<string, cond.Condition>;
  readonly transitions: ReadonlyMap<string, Transition>;
  readonly assessment: Omit<SafetyAssessment, 'ts' | 'risk' | 'states'>;
}

/** Rules whose inputs run: alone needs detect, posture rules pose, distress sounds or asr. */
export function ruleInputsRunning(file: RuleFile, running: readonly string[]): Set<string> {
  const has = (id: string): boolean => running.includes(id);
  const active = new Set<string>();
  for (const r of file.rules) {
    const ok =
      r.kind === 'alone'
        ? has('detect')
        : r.kind === 'restrained'
          ? has('pose')
          : r.kind === 'distress'
            ? has('sounds') || has('asr')
            : r.kind === 'immobility'
              ? has('pose') && active.has(r.of)
              : r.of.every((id) => active.has(id));
    if (ok) active.add(r.id);
  }
  return active;
}

export interface WindowArgs {
  readonly file: RuleFile;
  readonly rules: readonly RuleRuntime[];
  readonly active: ReadonlySet<string>;
  readonly inp: SafetyInputs;
  readonly start: number;
  readonly end: number;
  /** Person count carried from the last window with frames. */
  readonly persons: number;
  readonly running: readonly string[];
}

export function evaluateWindow(a: WindowArgs): WindowResult {
  const view = cond.windowView(a.inp, a.start, a.end, a.persons);
  const conditions = new Map<string, cond.Condition>();
  const transitions = new Map<string, Transition>();
  const byId = new Map(a.rules.map((r) => [r.rule.id, r]));
  const restrainedTracks = new Map<string, cond.TrackScore[]>();
  const tagsRunning = a.running.includes('tags');
  let distress = cond.NONE;
  let restraint = cond.NONE;
  let aloneMs = 0;
  let aloneOn = false;
  let maxImmobileMs = 0;

  for (const rt of a.rules) {
    const r = rt.rule;
    if (!a.active.has(r.id)) continue;
    let c: cond.Condition;
    if (r.kind === 'alone') c = cond.alone(r, view);
    else if (r.kind === 'restrained') {
      const tracks = cond.restraintTracks(r, a.file, a.inp, a.end, tagsRunning);
      for (const t of tracks) maxImmobileMs = Math.max(maxImmobileMs, t.pose.immobileMs);
      c = cond.restrained(tracks, isOn(rt.state) ? r.offScore : r.onScore, view);
      restrainedTracks.set(
        r.id,
        tracks.filter((t) => c.tracks.includes(t.trackId)),
      );
    } else if (r.kind === 'distress') c = cond.distress(a.inp, view);
    else if (r.kind === 'immobility') {
      const watched = byId.get(r.of);
      const on = watched !== undefined && isOn(watched.state);
      c = on ? cond.immobility(r, restrainedTracks.get(r.of) ?? [], view) : cond.NONE;
    } else
      c = cond.all(
        r.of.map((id) => (isOn(byId.get(id)?.state ?? INITIAL) ? (byId.get(id)?.lastScore ?? 0) : 0)),
      );
    const { state, transition } = step(rt.state, r, a.start, a.end, c.score, c.onset);
    rt.state = state;
    if (isOn(state)) rt.lastScore = c.score > 0 ? c.score : rt.lastScore;
    else rt.lastScore = 0;
    conditions.set(r.id, c);
    transitions.set(r.id, transition);
    if (r.kind === 'distress' && c.score >= distress.score) distress = c;
    if (r.kind === 'restrained' && c.score >= restraint.score) restraint = c;
    if (r.kind === 'alone' && state.phase !== 'off') {
      aloneMs = Math.max(aloneMs, a.end - state.since);
      aloneOn ||= isOn(state);
    }
  }

  const onOf = (kind: SafetyRule['kind']): boolean =>
    a.rules.some((rt) => rt.rule.kind === kind && a.active.has(rt.rule.id) && isOn(rt.state));
  return {
    persons: view.persons,
    conditions,
    transitions,
    assessment: {
      persons: view.persons,
      restraint: { likely: onOf('restrained'), score: restraint.score, cues: restraint.cues },
      supervision: { alone: aloneOn, aloneMs },
      distress: {
        likely: onOf('distress'),
        sounds: [...new Set(distress.audio.map((c) => c.label))],
        words: [...new Set(distress.words.map((c) => c.label))],
      },
      consent: {
        withdrawn: distress.words.some((c) => c.consent),
        cues: [...new Set(distress.words.filter((c) => c.consent).map((c) => c.label))],
      },
      immobility: { maxImmobileMs },
    },
  };
}
