// The age estimates, NSFW scores, quarantines and the audit log (issue 11, the minor-protection
// gate): part of migration v10.
import type { AgeRow, AuditRow, NsfwRow, QuarantineRow } from '@aima/inference';
import type { Driver } from './driver.ts';
import type { Run } from './run.ts';
import { eq, where } from './sql.ts';
import { fromMs, toDateTime64 } from './time.ts';
import type { Store } from './types.ts';

/** DDL of this part of the schema (migration v10; see migrations.ts). */
export const GATE_DDL: readonly string[] = [
  // Append-only: who did what to which source or event, and when. Never pixels, never secrets.
  `CREATE TABLE IF NOT EXISTS audit_events (
    ts DateTime64(3, 'UTC'),
    actor LowCardinality(String),
    action LowCardinality(String),
    subject_kind LowCardinality(String),
    subject_id String,
    detail String
  ) ENGINE = MergeTree ORDER BY (subject_kind, subject_id, ts)`,
  // One face's age estimate on one analysed frame (the gate's input; never an identity).
  `CREATE TABLE IF NOT EXISTS age_estimates (
    source_id String,
    ts DateTime64(3, 'UTC'),
    seq UInt32,
    face_track_id Int64,
    x1 Float32, y1 Float32, x2 Float32, y2 Float32,
    age Nullable(Float32),
    low Nullable(Float32),
    high Nullable(Float32),
    verdict LowCardinality(String),
    model_id LowCardinality(String)
  ) ENGINE = MergeTree ORDER BY (source_id, ts)`,
  `CREATE TABLE IF NOT EXISTS nsfw_scores (
    source_id String,
    ts DateTime64(3, 'UTC'),
    seq UInt32,
    drawing Float32, hentai Float32, neutral Float32, porn Float32, sexy Float32,
    model_id LowCardinality(String)
  ) ENGINE = MergeTree ORDER BY (source_id, ts)`,
  // Append-only: a source with a row is quarantined for good (its first row's reason is shown).
  `CREATE TABLE IF NOT EXISTS quarantines (
    source_id String,
    ts DateTime64(3, 'UTC'),
    code LowCardinality(String),
    reason String,
    analyzer LowCardinality(String),
    age Nullable(Float32),
    threshold Float32
  ) ENGINE = MergeTree ORDER BY (source_id, ts)`,
];

export type AgeRecord = AgeRow;
export type NsfwRecord = NsfwRow;
export type QuarantineRecord = QuarantineRow;

export interface GateRowQuery {
  readonly sourceId: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

export type AuditRecord = AuditRow;

export interface AuditQuery {
  readonly subjectKind?: AuditRecord['subjectKind'];
  readonly subjectId?: string;
  /** Newest first; at most this many (default 500). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

export interface GateStoreMethods {
  insertAuditEvents(rows: readonly AuditRecord[]): Promise<void>;
  /** Newest first. */
  listAuditEvents(q?: AuditQuery): Promise<AuditRecord[]>;
  insertAgeEstimates(rows: readonly AgeRecord[]): Promise<void>;
  listAgeEstimates(q: GateRowQuery): Promise<AgeRecord[]>;
  insertNsfwScores(rows: readonly NsfwRecord[]): Promise<void>;
  listNsfwScores(q: GateRowQuery): Promise<NsfwRecord[]>;
  /**
   * Quarantines a source for good. Watchers hear of it before the row is written (fail closed: a
   * pixel guard closes even if the write is slow or fails).
   */
  insertQuarantines(rows: readonly QuarantineRecord[]): Promise<void>;
  /** The first quarantine of each source (or of one), oldest first. */
  listQuarantines(q?: {
    readonly sourceId?: string;
    readonly signal?: AbortSignal;
  }): Promise<QuarantineRecord[]>;
  getQuarantine(sourceId: string, signal?: AbortSignal): Promise<QuarantineRecord | null>;
  /** Called with every quarantine inserted through this store, from any path; returns unwatch. */
  watchQuarantines(listener: (q: QuarantineRecord) => void): () => void;
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${what} must be a finite number`);
  return v;
};
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string`);
  return v;
};
const optNum = (v: unknown, what: string): number | null =>
  v === null || v === undefined ? null : num(v, what);

interface AuditSelectRow {
  ts: number | string;
  actor: string;
  action: string;
  subject_kind: string;
  subject_id: string;
  detail: string;
}

export function createGateMethods(driver: Driver, run: Run): GateStoreMethods {
  const watchers = new Set<(q: QuarantineRecord) => void>();
  const rowsOf = <T>(table: string, q: GateRowQuery, cols: string): Promise<T[]> => {
    const w = where([
      eq('source_id', 'sid', q.sourceId),
      q.from !== undefined ? ['ts >= fromUnixTimestamp64Milli({from:Int64})', { from: q.from }] : null,
      q.to !== undefined ? ['ts < fromUnixTimestamp64Milli({to:Int64})', { to: q.to }] : null,
    ]);
    return driver.query<T>(
      {
        sql: `SELECT toUnixTimestamp64Milli(ts) AS ms, ${cols} FROM ${table} ${w.sql} ORDER BY ts, seq LIMIT {limit:UInt32}`,
        params: { ...w.params, limit: q.limit ?? 10_000 },
      },
      q.signal,
    );
  };
  const listQ = (sourceId: string | undefined, signal?: AbortSignal): Promise<QuarantineRecord[]> =>
    run(async () => {
      const w = where([eq('source_id', 'sid', sourceId)]);
      // The first row per source: duplicates (a row stored twice by a retry) collapse.
      const rows = await driver.query<QuarantineSelectRow>(
        {
          sql: `SELECT source_id, toUnixTimestamp64Milli(min(ts)) AS ms, argMin(code, ts) AS code,
                  argMin(reason, ts) AS reason, argMin(analyzer, ts) AS analyzer, argMin(age, ts) AS age,
                  argMin(threshold, ts) AS threshold
                FROM quarantines ${w.sql} GROUP BY source_id ORDER BY ms`,
          params: w.params,
        },
        signal,
      );
      return rows.map((r) => ({
        sourceId: r.source_id,
        ts: fromMs(r.ms),
        code: r.code as QuarantineRecord['code'],
        reason: r.reason,
        analyzer: r.analyzer,
        age: r.age === null ? null : Number(r.age),
        threshold: Number(r.threshold),
      }));
    });
  return {
    insertAgeEstimates: (rows) =>
      run(async () => {
        if (rows.length === 0) return;
        await driver.insert(
          'age_estimates',
          rows.map((r) => ({
            source_id: str(r.sourceId, 'sourceId'),
            ts: toDateTime64(num(r.ts, 'ts')),
            seq: num(r.seq, 'seq'),
            face_track_id: num(r.faceTrackId, 'faceTrackId'),
            x1: num(r.box[0], 'box'),
            y1: num(r.box[1], 'box'),
            x2: num(r.box[2], 'box'),
            y2: num(r.box[3], 'box'),
            age: optNum(r.age, 'age'),
            low: optNum(r.low, 'low'),
            high: optNum(r.high, 'high'),
            verdict: str(r.verdict, 'verdict'),
            model_id: str(r.modelId, 'modelId'),
          })),
        );
      }),
    listAgeEstimates: (q) =>
      run(async () => {
        const rows = await rowsOf<AgeSelectRow>(
          'age_estimates',
          q,
          'source_id, seq, face_track_id, x1, y1, x2, y2, age, low, high, verdict, model_id',
        );
        return rows.map((r) => ({
          sourceId: r.source_id,
          ts: fromMs(r.ms),
          seq: Number(r.seq),
          faceTrackId: Number(r.face_track_id),
          box: [Number(r.x1), Number(r.y1), Number(r.x2), Number(r.y2)] as const,
          age: r.age === null ? null : Number(r.age),
          low: r.low === null ? null : Number(r.low),
          high: r.high === null ? null : Number(r.high),
          verdict: r.verdict as AgeRecord['verdict'],
          modelId: r.model_id,
        }));
      }),
    insertNsfwScores: (rows) =>
      run(async () => {
        if (rows.length === 0) return;
        await driver.insert(
          'nsfw_scores',
          rows.map((r) => ({
            source_id: str(r.sourceId, 'sourceId'),
            ts: toDateTime64(num(r.ts, 'ts')),
            seq: num(r.seq, 'seq'),
            drawing: num(r.drawing, 'drawing'),
            hentai: num(r.hentai, 'hentai'),
            neutral: num(r.neutral, 'neutral'),
            porn: num(r.porn, 'porn'),
            sexy: num(r.sexy, 'sexy'),
            model_id: str(r.modelId, 'modelId'),
          })),
        );
      }),
    listNsfwScores: (q) =>
      run(async () => {
        const rows = await rowsOf<NsfwSelectRow>(
          'nsfw_scores',
          q,
          'source_id, seq, drawing, hentai, neutral, porn, sexy, model_id',
        );
        return rows.map((r) => ({
          sourceId: r.source_id,
          ts: fromMs(r.ms),
          seq: Number(r.seq),
          drawing: Number(r.drawing),
          hentai: Number(r.hentai),
          neutral: Number(r.neutral),
          porn: Number(r.porn),
          sexy: Number(r.sexy),
          modelId: r.model_id,
        }));
      }),
    insertQuarantines: (rows) => {
      let valid: QuarantineRecord[];
      try {
        valid = rows.map((r) => ({
          sourceId: str(r.sourceId, 'sourceId'),
          ts: num(r.ts, 'ts'),
          code: str(r.code, 'code') as QuarantineRecord['code'],
          reason: str(r.reason, 'reason').slice(0, 500),
          analyzer: str(r.analyzer, 'analyzer'),
          age: optNum(r.age, 'age'),
          threshold: num(r.threshold, 'threshold'),
        }));
      } catch (err) {
        return Promise.reject(err);
      }
      for (const q of valid) {
        for (const l of watchers) {
          try {
            l(q);
          } catch {
            // A watcher's bug must not keep the row from being written.
          }
        }
      }
      return run(async () => {
        if (valid.length === 0) return;
        await driver.insert(
          'quarantines',
          valid.map((r) => ({
            source_id: r.sourceId,
            ts: toDateTime64(r.ts),
            code: r.code,
            reason: r.reason,
            analyzer: r.analyzer,
            age: r.age,
            threshold: r.threshold,
          })),
        );
      });
    },
    listQuarantines: (q = {}) => listQ(q.sourceId, q.signal),
    getQuarantine: async (sourceId, signal) => (await listQ(sourceId, signal))[0] ?? null,
    watchQuarantines(listener) {
      watchers.add(listener);
      return () => void watchers.delete(listener);
    },
    insertAuditEvents: (rows) =>
      run(async () => {
        if (rows.length === 0) return;
        await driver.insert(
          'audit_events',
          rows.map((r) => ({
            ts: toDateTime64(r.ts),
            actor: r.actor,
            action: r.action,
            subject_kind: r.subjectKind,
            subject_id: r.subjectId,
            detail: r.detail,
          })),
        );
      }),
    listAuditEvents: (q = {}) =>
      run(async () => {
        const w = where([eq('subject_kind', 'kind', q.subjectKind), eq('subject_id', 'id', q.subjectId)]);
        const rows = await driver.query<AuditSelectRow>(
          {
            sql: `SELECT toUnixTimestamp64Milli(ts) AS ts, actor, action, subject_kind, subject_id, detail FROM audit_events ${w.sql}
                  ORDER BY ts DESC LIMIT {limit:UInt32}`,
            params: { ...w.params, limit: q.limit ?? 500 },
          },
          q.signal,
        );
        return rows.map((r) => ({
          ts: fromMs(r.ts),
          actor: r.actor,
          action: r.action,
          subjectKind: r.subject_kind as AuditRecord['subjectKind'],
          subjectId: r.subject_id,
          detail: r.detail,
        }));
      }),
  };
}

interface AgeSelectRow {
  ms: number | string;
  source_id: string;
  seq: number;
  face_track_id: number | string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  age: number | null;
  low: number | null;
  high: number | null;
  verdict: string;
  model_id: string;
}

interface NsfwSelectRow {
  ms: number | string;
  source_id: string;
  seq: number;
  drawing: number;
  hentai: number;
  neutral: number;
  porn: number;
  sexy: number;
  model_id: string;
}

interface QuarantineSelectRow {
  ms: number | string;
  source_id: string;
  code: string;
  reason: string;
  analyzer: string;
  age: number | null;
  threshold: number;
}

/**
 * Tables of this part an analyzer may emit rows for (insertAnalyzerRows), and the method storing
 * each. quarantines and audit_events come from the gate in the analyzer host (also on remote
 * workers, through the store proxy), so they are stored by the same dispatcher.
 */
export const GATE_INSERTERS = {
  age_estimates: (s: Store, r: readonly unknown[]) => s.insertAgeEstimates(r as readonly AgeRecord[]),
  nsfw_scores: (s: Store, r: readonly unknown[]) => s.insertNsfwScores(r as readonly NsfwRecord[]),
  quarantines: (s: Store, r: readonly unknown[]) => s.insertQuarantines(r as readonly QuarantineRecord[]),
  audit_events: (s: Store, r: readonly unknown[]) => s.insertAuditEvents(r as readonly AuditRecord[]),
} satisfies Record<string, (s: Store, rows: readonly unknown[]) => Promise<void>>;
