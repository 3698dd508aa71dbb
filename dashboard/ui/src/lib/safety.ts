// The Safety page's data: REST calls (events, review, risk, rules) validated with the wire schemas,
// and pure helpers (event merging, gauge levels, risk columns) for the components and their tests.
import { z } from 'zod';
import {
  AuditView,
  QuarantineView,
  RiskSeriesView,
  SafetyAssessmentView,
  SafetyEventView,
  SafetyRulesView,
} from '../../../src/safety-protocol.ts';
import { query, request } from './api.ts';

export type {
  AuditView,
  QuarantineView,
  SafetyAssessmentView,
  SafetyEventView,
} from '../../../src/safety-protocol.ts';
export type EventStatus = SafetyEventView['status'];

const enc = encodeURIComponent;

async function json<T>(
  path: string,
  schema: z.ZodType<T>,
  signal?: AbortSignal,
  init: { method?: string; json?: unknown } = {},
): Promise<T> {
  const res = await request(path, { ...init, signal });
  return schema.parse(await res.json());
}

export const safety = {
  events: (q: { source?: string; status?: EventStatus; limit?: number }, signal?: AbortSignal) =>
    json(
      `/safety/events${query({ source: q.source, status: q.status, limit: q.limit })}`,
      z.array(SafetyEventView),
      signal,
    ),
  review: (
    ev: Pick<SafetyEventView, 'sourceId' | 'eventId'>,
    action: 'acknowledge' | 'dismiss',
    note: string,
  ) =>
    json(`/safety/events/${enc(ev.sourceId)}/${enc(ev.eventId)}/${action}`, SafetyEventView, undefined, {
      method: 'POST',
      json: { note },
    }),
  risk: (sourceId: string, r: { from?: number; to?: number }, signal?: AbortSignal) =>
    json(`/sources/${enc(sourceId)}/risk${query({ from: r.from, to: r.to })}`, RiskSeriesView, signal),
  rules: (signal?: AbortSignal) => json('/safety/rules', SafetyRulesView, signal),
  /** Quarantined sources and the audit log: metadata only (the admin's review). */
  quarantines: (signal?: AbortSignal) => json('/quarantines', z.array(QuarantineView), signal),
  audit: (q: { limit?: number }, signal?: AbortSignal) =>
    json(`/audit${query({ limit: q.limit })}`, z.array(AuditView), signal),
};

/** A live 'safety' message's data, or null when it is not one. */
export function parseAssessment(data: unknown): SafetyAssessmentView | null {
  const r = SafetyAssessmentView.safeParse(data);
  return r.success ? r.data : null;
}

export function parseEvent(data: unknown): SafetyEventView | null {
  const r = SafetyEventView.safeParse(data);
  return r.success ? r.data : null;
}

/**
 * Puts a newer row of an event into the list (newest first, at most `max`). A live row from the
 * analyzer keeps the user's status and note (they live in a separate review row on the server).
 */
export function mergeEvent(
  list: readonly SafetyEventView[],
  ev: SafetyEventView,
  max = 500,
): SafetyEventView[] {
  const i = list.findIndex((e) => e.sourceId === ev.sourceId && e.eventId === ev.eventId);
  const prev = i >= 0 ? list[i]! : null;
  const merged =
    prev && prev.status !== 'new' && ev.status === 'new'
      ? { ...ev, status: prev.status, note: prev.note }
      : ev;
  const out = i >= 0 ? list.map((e, j) => (j === i ? merged : e)) : [merged, ...list];
  return out.sort((a, b) => b.startTs - a.startTs || b.eventId.localeCompare(a.eventId)).slice(0, max);
}

export type RiskLevel = 'low' | 'elevated' | 'high';

/** Gauge bands: below 0.3 low, below 0.6 elevated, else high. */
export function riskLevel(risk: number): RiskLevel {
  return risk >= 0.6 ? 'high' : risk >= 0.3 ? 'elevated' : 'low';
}

/** Columns for uPlot: x in seconds (optionally minus an offset), y the risk. */
export function riskColumns(
  s: { ts: readonly number[]; score: readonly number[] },
  offsetSec = 0,
): [Float64Array, Float64Array] {
  return [Float64Array.from(s.ts, (t) => t / 1000 - offsetSec), Float64Array.from(s.score)];
}

/** Appends a live point to columns kept in time order, dropping the oldest beyond `max`. */
export function appendRisk(
  s: { ts: number[]; score: number[] },
  ts: number,
  score: number,
  max = 20_000,
): void {
  if (s.ts.length > 0 && ts <= s.ts[s.ts.length - 1]!) return;
  s.ts.push(ts);
  s.score.push(score);
  if (s.ts.length > max) {
    s.ts.splice(0, s.ts.length - max);
    s.score.splice(0, s.score.length - max);
  }
}

/** Rule ids as people read them. */
export function ruleTitle(rule: string): string {
  const known: Record<string, string> = {
    restrained: 'Restrained',
    alone: 'Alone',
    'unsupervised-restraint': 'Restrained and alone',
    'distress-audio': 'Distress in audio',
    immobility: 'Not moving (restrained)',
  };
  return known[rule] ?? rule;
}
