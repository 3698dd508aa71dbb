// Safety event rows: opened when a rule turns on, updated (in memory) while it holds, closed when
// it turns off. Evidence lists are bounded: a long event keeps its first moments and its latest.
import type { SafetyEventRow, SafetyEvidence } from './records.ts';
import type { SafetyRule } from './rules-schema.ts';
import type { Condition } from './evaluate.ts';

export const EVIDENCE_LIMITS = Object.freeze({ keyframes: 8, tracks: 16, audio: 16, transcript: 16 });

export interface OpenEvent {
  row: SafetyEventRow;
  readonly keyframes: number[];
  readonly tracks: number[];
  readonly audio: { label: string; startTs: number; endTs: number }[];
  readonly transcript: { segmentId: string; text: string; startTs: number; endTs: number }[];
}

/** Adds unless present; when full, the last slot takes the newest (first moments stay). */
function addBounded<T>(list: T[], item: T, max: number, same: (a: T, b: T) => boolean): void {
  if (list.some((x) => same(x, item))) return;
  if (list.length < max) list.push(item);
  else list[max - 1] = item;
}

const eq = (a: unknown, b: unknown): boolean => a === b;

function collect(ev: OpenEvent, c: Condition): void {
  for (const k of c.keyframes) addBounded(ev.keyframes, k, EVIDENCE_LIMITS.keyframes, eq);
  for (const t of c.tracks) addBounded(ev.tracks, t, EVIDENCE_LIMITS.tracks, eq);
  for (const a of c.audio) {
    const span = { label: a.label, startTs: a.startTs, endTs: a.endTs };
    addBounded(
      ev.audio,
      span,
      EVIDENCE_LIMITS.audio,
      (x, y) => x.label === y.label && x.startTs === y.startTs,
    );
  }
  for (const w of c.words) {
    const line = {
      segmentId: w.segmentId ?? '',
      text: w.text ?? w.label,
      startTs: w.startTs,
      endTs: w.endTs,
    };
    addBounded(ev.transcript, line, EVIDENCE_LIMITS.transcript, (x, y) => x.segmentId === y.segmentId);
  }
}

function evidence(ev: OpenEvent): SafetyEvidence {
  return {
    keyframes: [...ev.keyframes],
    tracks: [...ev.tracks],
    audio: ev.audio.map((a) => ({ ...a })),
    transcript: ev.transcript.map((t) => ({ ...t })),
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function openEvent(
  sourceId: string,
  eventId: string,
  rule: SafetyRule,
  startTs: number,
  endTs: number,
  c: Condition,
  version: number,
  onset?: Condition,
): OpenEvent {
  const ev: OpenEvent = {
    row: null as unknown as SafetyEventRow,
    keyframes: [],
    tracks: [],
    audio: [],
    transcript: [],
  };
  if (onset) collect(ev, onset);
  collect(ev, c);
  ev.row = {
    sourceId,
    eventId,
    rule: rule.id,
    severity: rule.severity,
    startTs,
    endTs,
    open: true,
    score: round3(c.score),
    evidence: evidence(ev),
    status: 'new',
    note: '',
    version,
  };
  return ev;
}

/** While the rule holds: the end moves, the peak score and the evidence grow (not written yet). */
export function updateEvidence(ev: OpenEvent, c: Condition, end: number): void {
  if (c.score <= 0) return;
  collect(ev, c);
  ev.row = { ...ev.row, endTs: end, score: Math.max(ev.row.score, round3(c.score)) };
}

export function closeEvent(ev: OpenEvent, version: number): SafetyEventRow {
  return { ...ev.row, open: false, evidence: evidence(ev), version };
}
