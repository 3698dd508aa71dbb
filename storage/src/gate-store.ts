// The age estimates, NSFW scores, quarantines and the audit log (issue 11, the minor-protection
// gate): part of migration v10.
import type { AuditRow } from '@aima/inference';
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
];

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
}

interface AuditSelectRow {
  ts: number | string;
  actor: string;
  action: string;
  subject_kind: string;
  subject_id: string;
  detail: string;
}

export function createGateMethods(driver: Driver, run: Run): GateStoreMethods {
  return {
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

/** Tables of this part an analyzer may emit rows for (insertAnalyzerRows), and the method storing each. */
export const GATE_INSERTERS = {} satisfies Record<
  string,
  (s: Store, rows: readonly unknown[]) => Promise<void>
>;
