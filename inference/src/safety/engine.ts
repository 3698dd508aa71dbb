// The rule engine of one source: inputs go into bounded buffers, windows are evaluated in time
// order once the frames' clock has passed them (plus a lag so pose features of the window are in),
// each rule goes through its hysteresis, and the window yields a risk row, an assessment, and event
// rows when a rule opens or closes. Pure apart from the state it owns: no I/O, no clocks.
import type { AudioEventRow, TranscriptSegmentRow } from '../audio/records.ts';
import type { PoseFeatureRow } from '../pose/records.ts';
import type { RiskRow, SafetyAssessment, SafetyEventRow } from './records.ts';
import type { TagRow } from '../tags/records.ts';
import { createCueMaker } from './cues.ts';
import {
  addCue,
  addFrame,
  addPose,
  addTag,
  createInputs,
  DEFAULT_LIMITS,
  prune,
  type InputLimits,
} from './inputs.ts';
import type { RuleFile } from './rules-schema.ts';
import { ruleInputsRunning, evaluateWindow, type RuleRuntime } from './window.ts';
import { INITIAL, isOn } from './hysteresis.ts';
import { closeEvent, openEvent, updateEvidence, type OpenEvent } from './events.ts';
import type { Condition } from './evaluate.ts';

export interface EngineOptions {
  readonly sourceId: string;
  readonly rules: RuleFile;
  /** Analyzers running on the source: rules whose inputs are missing are inactive. */
  readonly running: readonly string[];
  readonly windowMs?: number;
  /** Windows are evaluated this long after they end (late pose/tag rows). Default: one window. */
  readonly lagMs?: number;
  readonly safeWords?: readonly string[];
  readonly limits?: InputLimits;
  /** Row versions (ReplacingMergeTree); default a counter. */
  readonly version?: () => number;
  /** Person detections: labels that count (default ['person']). */
  readonly personLabels?: readonly string[];
}

export interface EngineOutput {
  readonly events: SafetyEventRow[];
  readonly risks: RiskRow[];
  readonly assessments: SafetyAssessment[];
}

export interface FrameDetections {
  readonly ts: number;
  readonly detections: ReadonlyArray<{ label: string; score: number; trackId: number }>;
}

/** At most this many windows per call: a clock jump skips ahead instead of looping for hours. */
const MAX_CATCHUP = 600;

export interface SafetyEngine {
  frame(f: FrameDetections): void;
  poseFeatures(rows: readonly PoseFeatureRow[]): void;
  tags(rows: readonly TagRow[]): void;
  audioEvents(rows: readonly AudioEventRow[]): void;
  transcript(rows: readonly TranscriptSegmentRow[]): void;
  /** Evaluates every window that ended `lagMs` before the frames' clock. */
  advance(): EngineOutput;
  /** A discontinuity: closes open events, resets states and windows. */
  gap(): EngineOutput;
  /** End of input: evaluates what is left (including the partial last window) and closes events. */
  finish(): EngineOutput;
  /** Rule ids whose inputs are not running. */
  readonly inactive: readonly string[];
  readonly totals: Readonly<Record<string, number>>;
  readonly last: SafetyAssessment | null;
}

export function createSafetyEngine(o: EngineOptions): SafetyEngine {
  const W = o.windowMs ?? 1000;
  const lag = o.lagMs ?? W;
  const limits = o.limits ?? DEFAULT_LIMITS;
  let counter = 0;
  const version = o.version ?? (() => ++counter);
  const personLabels = new Set(o.personLabels ?? ['person']);
  const distressRule = o.rules.rules.find((r) => r.kind === 'distress');
  const minPersonScore = o.rules.rules.find((r) => r.kind === 'alone')?.personMinScore ?? 0.5;
  const cues = distressRule ? createCueMaker(distressRule, o.safeWords ?? []) : null;
  const inp = createInputs();
  const rules: RuleRuntime[] = o.rules.rules.map((rule) => ({ rule, state: INITIAL, lastScore: 0 }));
  const active = ruleInputsRunning(o.rules, o.running);
  const inactive = rules.filter((r) => !active.has(r.rule.id)).map((r) => r.rule.id);
  const open = new Map<string, OpenEvent>();
  const onsets = new Map<string, Condition>();
  let eventSeq = 0;
  let clock = Number.NEGATIVE_INFINITY;
  let next: number | null = null;
  let persons = 0;
  let last: SafetyAssessment | null = null;
  const totals: Record<string, number> = {
    windows: 0,
    events: 0,
    frames: 0,
    poseRows: 0,
    tagRows: 0,
    soundCues: 0,
    wordCues: 0,
  };

  const evalUpTo = (until: number, out: EngineOutput): void => {
    if (next === null) return;
    let start: number = next;
    if ((until - start) / W > MAX_CATCHUP) start = Math.floor(until / W) * W - MAX_CATCHUP * W;
    for (; start + W <= until; start += W) {
      const end = start + W;
      next = end;
      const r = evaluateWindow({
        file: o.rules,
        rules,
        active,
        inp,
        start,
        end,
        persons,
        running: o.running,
      });
      persons = r.persons;
      totals.windows!++;
      for (const rt of rules) {
        const c = r.conditions.get(rt.rule.id);
        if (!c) continue;
        const transition = r.transitions.get(rt.rule.id);
        const ev = open.get(rt.rule.id);
        if (transition === 'opened') {
          const first = onsets.get(rt.rule.id);
          const e = openEvent(
            o.sourceId,
            `se-${++eventSeq}`,
            rt.rule,
            rt.state.since,
            end,
            c,
            version(),
            first,
          );
          open.set(rt.rule.id, e);
          out.events.push(e.row);
          totals.events!++;
          totals[rt.rule.id] = (totals[rt.rule.id] ?? 0) + 1;
        } else if (ev && transition === 'closed') {
          out.events.push(closeEvent(ev, version()));
          open.delete(rt.rule.id);
        } else if (ev) {
          updateEvidence(ev, c, end);
        }
        // The evidence of the window the condition began in (the onset's keyframe), while pending.
        if (rt.state.phase !== 'pending') onsets.delete(rt.rule.id);
        else if (!onsets.has(rt.rule.id)) onsets.set(rt.rule.id, c);
      }
      const risk = Math.min(
        1,
        Math.max(
          0,
          rules.reduce((s, rt) => s + rt.rule.weight * rt.lastScore, 0),
        ),
      );
      const states = rules.filter((rt) => isOn(rt.state)).map((rt) => rt.rule.id);
      out.risks.push({ sourceId: o.sourceId, ts: end, score: Math.round(risk * 1000) / 1000, states });
      last = { ...r.assessment, ts: end, risk: Math.round(risk * 1000) / 1000, states, inactive };
      out.assessments.push(last);
      prune(inp, start - Math.max(o.rules.poseStaleMs, o.rules.tagStaleMs), 60_000);
    }
  };

  const closeAll = (out: EngineOutput): void => {
    for (const ev of open.values()) out.events.push(closeEvent(ev, version()));
    open.clear();
    for (const rt of rules) [rt.state, rt.lastScore] = [INITIAL, 0];
  };

  // Where evaluation stands: late cues are active from here (cues.ts).
  const evaluated = (): number => next ?? Number.NEGATIVE_INFINITY;

  const empty = (): EngineOutput => ({ events: [], risks: [], assessments: [] });

  return {
    frame(f) {
      const persons = f.detections.filter((d) => personLabels.has(d.label) && d.score >= minPersonScore);
      addFrame(inp, { ts: f.ts, persons: persons.length, tracks: persons.map((d) => d.trackId) }, limits);
      totals.frames!++;
      clock = Math.max(clock, f.ts);
      next ??= Math.floor(f.ts / W) * W;
    },
    poseFeatures(rows) {
      for (const r of rows) addPose(inp, r, limits);
      totals.poseRows! += rows.length;
    },
    tags(rows) {
      for (const r of rows) addTag(inp, r, limits);
      totals.tagRows! += rows.length;
    },
    audioEvents(rows) {
      const found = cues?.sounds(rows, evaluated()) ?? [];
      for (const c of found) addCue(inp, c, limits);
      totals.soundCues! += found.length;
    },
    transcript(rows) {
      const found = cues?.words(rows, evaluated()) ?? [];
      for (const c of found) addCue(inp, c, limits);
      totals.wordCues! += found.length;
    },
    advance() {
      const out = empty();
      evalUpTo(clock - lag, out);
      return out;
    },
    gap() {
      const out = empty();
      // Up to and including the window of the last frame before the gap.
      if (Number.isFinite(clock)) evalUpTo(Math.floor(clock / W) * W + W, out);
      closeAll(out);
      next = null;
      inp.frames.length = 0;
      return out;
    },
    finish() {
      const out = empty();
      // The window holding the last frame, and those up to the last (end-exclusive) row end.
      const until = Math.max(Math.floor(clock / W) * W + W, Math.ceil(inp.maxTs / W) * W);
      if (next === null && Number.isFinite(until)) next = until - W;
      if (next !== null) evalUpTo(Math.max(next + W, until), out);
      closeAll(out);
      return out;
    },
    inactive,
    totals,
    get last() {
      return last;
    },
  };
}
