// The safety rule events and the per-source risk series (issue 11, the safety analyzer): part of migration v10.
import type { RiskRow, SafetyEventRow, SafetyEventStatus, SafetyEvidence } from '@aima/inference';
import { num, str, ts } from './audio-sql.ts';
import type { Driver } from './driver.ts';
import { StoreError } from './errors.ts';
import type { Run } from './run.ts';
import { eq, time, where } from './sql.ts';
import { fromMs, nextVersion } from './time.ts';
import type { Store } from './types.ts';
import { uint } from './values.ts';

/** DDL of this part of the schema (migration v10; see migrations.ts). */
export const SAFETY_DDL: readonly string[] = [
  // Mutable: the analyzer writes an event when it opens and again when it closes (origin
  // 'analyzer'); a user's acknowledgement is a separate 'review' row, so a close written after the
  // review cannot undo it. Each (event, origin) keeps its newest version; read with FINAL, merged.
  `CREATE TABLE IF NOT EXISTS safety_events (
    source_id String,
    event_id String,
    origin LowCardinality(String),
    rule LowCardinality(String),
    severity LowCardinality(String),
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    open UInt8,
    score Float64,
    evidence String,
    status LowCardinality(String),
    note String,
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (source_id, event_id, origin)`,
  // Append-only: one row per source per rule window.
  `CREATE TABLE IF NOT EXISTS risk_scores (
    source_id String,
    ts DateTime64(3, 'UTC'),
    score Float32,
    states Array(LowCardinality(String))
  ) ENGINE = MergeTree ORDER BY (source_id, ts)`,
];

export type SafetyEventRecord = SafetyEventRow;
export type RiskRecord = RiskRow;

export interface SafetyEventQuery {
  readonly sourceId?: string;
  /** Events overlapping [from, to). */
  readonly from?: number;
  readonly to?: number;
  readonly status?: SafetyEventStatus;
  /** Newest first; at most this many (default 500). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** A risk series as columns (uPlot's layout). */
export interface RiskSeries {
  readonly ts: number[];
  readonly score: number[];
}

export interface SafetyStoreMethods {
  insertSafetyEvents(rows: readonly SafetyEventRecord[]): Promise<void>;
  listSafetyEvents(q?: SafetyEventQuery): Promise<SafetyEventRecord[]>;
  getSafetyEvent(sourceId: string, eventId: string, signal?: AbortSignal): Promise<SafetyEventRecord | null>;
  /** Writes a user's status + note for an event; null when there is no such event. */
  reviewSafetyEvent(r: {
    readonly sourceId: string;
    readonly eventId: string;
    readonly status: SafetyEventStatus;
    readonly note: string;
  }): Promise<SafetyEventRecord | null>;
  insertRiskScores(rows: readonly RiskRecord[]): Promise<void>;
  listRisk(q: {
    readonly sourceId: string;
    readonly from?: number;
    readonly to?: number;
    readonly limit?: number;
    readonly signal?: AbortSignal;
  }): Promise<RiskSeries>;
}

const STATUSES: readonly string[] = ['new', 'acknowledged', 'dismissed'];
const SEVERITIES: readonly string[] = ['info', 'warning', 'critical'];

function oneOf(what: string, v: unknown, allowed: readonly string[]): string {
  const s = str(what, v);
  if (!allowed.includes(s)) throw new StoreError('STORE_QUERY_FAILED', `invalid ${what}: ${s}`);
  return s;
}

function eventRow(r: SafetyEventRecord, origin: 'analyzer' | 'review', version = r.version): object {
  if (typeof r.open !== 'boolean')
    throw new StoreError('STORE_QUERY_FAILED', 'invalid open: expected a boolean');
  return {
    source_id: str('sourceId', r.sourceId),
    event_id: str('eventId', r.eventId),
    origin,
    rule: str('rule', r.rule),
    severity: oneOf('severity', r.severity, SEVERITIES),
    start_ts: ts('startTs', r.startTs),
    end_ts: ts('endTs', r.endTs),
    open: r.open ? 1 : 0,
    score: num('score', r.score),
    evidence: JSON.stringify(r.evidence ?? {}),
    status: oneOf('status', r.status, STATUSES),
    note: str('note', r.note),
    version: uint('version', version),
  };
}

interface EventSelectRow {
  source_id: string;
  event_id: string;
  rule: string;
  severity: string;
  start_ms: number | string;
  end_ms: number | string;
  open: number;
  score: number;
  evidence: string;
  ev_status: string;
  ev_note: string;
  ev_version: number | string;
}

function toEvent(r: EventSelectRow): SafetyEventRecord {
  return {
    sourceId: r.source_id,
    eventId: r.event_id,
    rule: r.rule,
    severity: r.severity as SafetyEventRecord['severity'],
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    open: Number(r.open) === 1,
    score: Number(r.score),
    evidence: JSON.parse(r.evidence) as SafetyEvidence,
    status: r.ev_status as SafetyEventStatus,
    note: r.ev_note,
    version: Number(r.ev_version),
  };
}

/** The analyzer's newest row of each event with the newest review (status, note) over it. */
function selectEvents(q: SafetyEventQuery & { eventId?: string }): {
  sql: string;
  params: Record<string, unknown>;
} {
  const inner = where([
    ["origin = 'analyzer'", {}],
    eq('source_id', 'src', q.sourceId),
    eq('event_id', 'eid', q.eventId),
    time('end_ts >= ?', 'from', q.from),
    time('start_ts < ?', 'to', q.to),
  ]);
  const reviews = where([
    ["origin = 'review'", {}],
    eq('source_id', 'src', q.sourceId),
    eq('event_id', 'eid', q.eventId),
  ]);
  const outer = where([eq('ev_status', 'status', q.status)]);
  return {
    sql: `SELECT a.source_id AS source_id, a.event_id AS event_id, a.rule AS rule, a.severity AS severity,
            toUnixTimestamp64Milli(a.start_ts) AS start_ms, toUnixTimestamp64Milli(a.end_ts) AS end_ms,
            a.open AS open, a.score AS score, a.evidence AS evidence,
            if(r.version = 0, a.status, r.status) AS ev_status, if(r.version = 0, a.note, r.note) AS ev_note,
            greatest(a.version, r.version) AS ev_version
          FROM (SELECT * FROM safety_events FINAL ${inner.sql}) AS a
          LEFT JOIN (SELECT source_id, event_id, status, note, version FROM safety_events FINAL ${reviews.sql}) AS r
            ON a.source_id = r.source_id AND a.event_id = r.event_id
          ${outer.sql}
          ORDER BY start_ms DESC, event_id DESC LIMIT {limit:UInt32}`,
    params: {
      ...inner.params,
      ...reviews.params,
      ...outer.params,
      limit: Math.max(0, Math.floor(q.limit ?? 500)),
    },
  };
}

export function createSafetyMethods(driver: Driver, run: Run): SafetyStoreMethods {
  const get = async (
    sourceId: string,
    eventId: string,
    signal?: AbortSignal,
  ): Promise<SafetyEventRecord | null> => {
    const rows = await driver.query<EventSelectRow>(selectEvents({ sourceId, eventId, limit: 1 }), signal);
    return rows[0] ? toEvent(rows[0]) : null;
  };
  return {
    insertSafetyEvents: (rows) =>
      run(async () => {
        const mapped = rows.map((r) => eventRow(r, 'analyzer'));
        if (mapped.length > 0) await driver.insert('safety_events', mapped);
      }),
    listSafetyEvents: (q = {}) =>
      run(async () => (await driver.query<EventSelectRow>(selectEvents(q), q.signal)).map(toEvent)),
    getSafetyEvent: (sourceId, eventId, signal) => run(() => get(sourceId, eventId, signal)),
    reviewSafetyEvent: (r) =>
      run(async () => {
        const ev = await get(r.sourceId, r.eventId);
        if (!ev) return null;
        const version = nextVersion();
        const reviewed = { ...ev, status: r.status, note: r.note, version };
        await driver.insert('safety_events', [eventRow(reviewed, 'review', version)]);
        return reviewed;
      }),
    insertRiskScores: (rows) =>
      run(async () => {
        const mapped = rows.map((r) => ({
          source_id: str('sourceId', r.sourceId),
          ts: ts('ts', r.ts),
          score: num('score', r.score),
          states: Array.isArray(r.states) ? r.states.map((s) => str('states', s)) : [],
        }));
        if (mapped.length > 0) await driver.insert('risk_scores', mapped);
      }),
    listRisk: (q) =>
      run(async () => {
        const w = where([
          eq('source_id', 'src', q.sourceId),
          time('ts >= ?', 'from', q.from),
          time('ts < ?', 'to', q.to),
        ]);
        const rows = await driver.query<{ ms: number | string; score: number }>(
          {
            sql: `SELECT toUnixTimestamp64Milli(ts) AS ms, score FROM risk_scores ${w.sql} ORDER BY ts LIMIT {limit:UInt32}`,
            params: { ...w.params, limit: Math.max(0, Math.floor(q.limit ?? 100_000)) },
          },
          q.signal,
        );
        return {
          ts: rows.map((r) => fromMs(r.ms)),
          score: rows.map((r) => Math.round(Number(r.score) * 1000) / 1000),
        };
      }),
  };
}

/** Tables of this part an analyzer may emit rows for (insertAnalyzerRows), and the method storing each. */
export const SAFETY_INSERTERS = {
  safety_events: (s: Store, rows: readonly unknown[]) =>
    s.insertSafetyEvents(rows as readonly SafetyEventRecord[]),
  risk_scores: (s: Store, rows: readonly unknown[]) => s.insertRiskScores(rows as readonly RiskRecord[]),
} satisfies Record<string, (s: Store, rows: readonly unknown[]) => Promise<void>>;
