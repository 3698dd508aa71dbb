// SQL and row mapping for the `recordings` table (migration v2). As in sql.ts, values travel
// only in `params` as typed `{name:Type}` placeholders; the SQL text is constant fragments.
// A segment covers the half-open [start_ts, end_ts): consecutive segments share a boundary, which
// belongs to the later one.
import type { SqlQuery } from './driver.ts';
import { StoreError } from './errors.ts';
import { fromMs, toDateTime64 } from './time.ts';
import type { RecordingRecord } from './types.ts';

const DT = "DateTime64(3, 'UTC')";

const COLUMNS = `source_id,
  toUnixTimestamp64Milli(start_ts) AS start_ms,
  toUnixTimestamp64Milli(end_ts) AS end_ms,
  file, bytes`;

/**
 * Rows per statement. Rows (and file lists) travel as one bound parameter, which the server
 * client sends in the URL: keep it well under ClickHouse's 1 MiB `http_max_uri_size`.
 */
export const RECORDINGS_BATCH = 256;

// The structure as an SQL string literal (the zone's quotes escaped).
const ROW_STRUCTURE =
  "source_id String, start_ts DateTime64(3, \\'UTC\\'), end_ts DateTime64(3, \\'UTC\\'), file String, bytes UInt64";

/**
 * INSERT … SELECT from the rows as one JSONEachRow parameter. The Driver's insert() accepts only
 * its closed list of table names (driver.ts), which does not include `recordings` yet. The
 * explicit structure keeps the engine from inferring the timestamps' type (and zone).
 */
export function insertRecordings(rows: readonly RecordingRecord[]): SqlQuery {
  return {
    sql: `INSERT INTO recordings (source_id, start_ts, end_ts, file, bytes)
      SELECT source_id, start_ts, end_ts, file, bytes
      FROM format(JSONEachRow, '${ROW_STRUCTURE}', {rows:String})`,
    params: { rows: rows.map((r) => JSON.stringify(recordingRow(r))).join('\n') },
  };
}

export interface RecordingFilter {
  readonly sourceId?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly limit?: number | undefined;
}

export function selectRecordings(f: RecordingFilter): SqlQuery {
  const conds: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.sourceId !== undefined) {
    conds.push('source_id = {sid:String}');
    params.sid = f.sourceId;
  }
  if (f.from !== undefined) {
    conds.push(`end_ts > {from:${DT}}`);
    params.from = toDateTime64(f.from);
  }
  if (f.to !== undefined) {
    conds.push(`start_ts < {to:${DT}}`);
    params.to = toDateTime64(f.to);
  }
  let limit = '';
  if (f.limit !== undefined) {
    limit = 'LIMIT {limit:UInt32}';
    params.limit = Math.max(0, Math.floor(f.limit));
  }
  return {
    sql: `SELECT ${COLUMNS} FROM recordings ${conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : ''}
      ORDER BY start_ms, source_id, file ${limit}`,
    params,
  };
}

export function findRecording(sourceId: string, ts: number): SqlQuery {
  return {
    sql: `SELECT ${COLUMNS} FROM recordings
      WHERE source_id = {sid:String} AND start_ts <= {ts:${DT}} AND end_ts > {ts:${DT}}
      ORDER BY start_ms DESC, file DESC LIMIT 1`,
    params: { sid: sourceId, ts: toDateTime64(ts) },
  };
}

export function recordingUsage(sourceId: string | undefined): SqlQuery {
  return {
    sql: `SELECT count() AS n, sum(bytes) AS bytes,
        toUnixTimestamp64Milli(minOrNull(start_ts)) AS oldest_ms
      FROM recordings ${sourceId === undefined ? '' : 'WHERE source_id = {sid:String}'}`,
    params: sourceId === undefined ? {} : { sid: sourceId },
  };
}

/** Lightweight DELETE of some of one source's segments, by file. */
export function deleteRecordings(sourceId: string, files: readonly string[]): SqlQuery {
  return {
    sql: 'DELETE FROM recordings WHERE source_id = {sid:String} AND has({files:Array(String)}, file)',
    params: { sid: sourceId, files: [...files] },
  };
}

export function recordingRow(r: RecordingRecord): object {
  if (!(Number.isSafeInteger(r.bytes) && r.bytes >= 0)) {
    throw new StoreError('STORE_QUERY_FAILED', `invalid segment size: ${r.bytes}`);
  }
  return {
    source_id: r.sourceId,
    start_ts: toDateTime64(r.startTs),
    end_ts: toDateTime64(r.endTs),
    file: r.file,
    bytes: r.bytes,
  };
}

/** A `recordings` row as selected above (UInt64 may arrive quoted, see time.ts fromMs). */
export interface RecordingSelectRow {
  source_id: string;
  start_ms: number | string;
  end_ms: number | string;
  file: string;
  bytes: number | string;
}

export function toRecordingRecord(r: RecordingSelectRow): RecordingRecord {
  return {
    sourceId: r.source_id,
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    file: r.file,
    bytes: Number(r.bytes),
  };
}

export interface UsageSelectRow {
  n: number | string;
  bytes: number | string;
  oldest_ms: number | string | null;
}
