import type { SqlQuery } from './driver.ts';
import { toDateTime64 } from './time.ts';

// Query builders shared by both adapters. Values only ever travel in `params` and are bound by
// the engine as the declared `{name:Type}`; the SQL text is assembled from constant fragments.
// Time ranges are half-open, [from, to): a point (detection, second) is in range when
// from ≤ ts < to; an interval (track) when it overlaps, end ≥ from and start < to.

const DT = "DateTime64(3, 'UTC')";

/** AND-joined conditions, each with the parameters it binds. */
export function where(conds: ReadonlyArray<readonly [string, Record<string, unknown>] | null>): SqlQuery {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  for (const c of conds) {
    if (c === null) continue;
    parts.push(c[0]);
    Object.assign(params, c[1]);
  }
  return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export function eq(
  col: string,
  name: string,
  value: string | undefined,
): readonly [string, Record<string, unknown>] | null {
  return value === undefined ? null : [`${col} = {${name}:String}`, { [name]: value }];
}

/** A time condition: `?` in `cond` becomes the DateTime64 parameter `name`. */
export function time(
  cond: string,
  name: string,
  ms: number | undefined,
): readonly [string, Record<string, unknown>] | null {
  return ms === undefined ? null : [cond.replace('?', `{${name}:${DT}}`), { [name]: toDateTime64(ms) }];
}

const SOURCE_COLUMNS = `id, kind, display, live, status, error_code, error_message,
  toUnixTimestamp64Milli(epoch) AS epoch_ms,
  toUnixTimestamp64Milli(created_at) AS created_ms,
  toUnixTimestamp64Milli(updated_at) AS updated_ms,
  meta, job_id`;

// FINAL merges replaced rows at read time; fine for a small entity table (clickhouse-notes.md §4).
export function selectSource(id: string): SqlQuery {
  return { sql: `SELECT ${SOURCE_COLUMNS} FROM sources FINAL WHERE id = {id:String}`, params: { id } };
}

export function selectSources(): SqlQuery {
  return { sql: `SELECT ${SOURCE_COLUMNS} FROM sources FINAL ORDER BY created_ms, id`, params: {} };
}

export interface TrackFilter {
  readonly sourceId?: string | undefined;
  readonly label?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/**
 * Latest state of each track. WHERE on non-key columns (label, times) is evaluated after FINAL
 * (`optimize_move_to_prewhere_if_final` stays 0), so a superseded row never matches in place of
 * the current one.
 */
export function selectTracks(f: TrackFilter): SqlQuery {
  const w = where([
    eq('source_id', 'sid', f.sourceId),
    eq('label', 'label', f.label),
    time('end_ts >= ?', 'from', f.from),
    time('start_ts < ?', 'to', f.to),
  ]);
  return {
    sql: `SELECT source_id, track_id, label,
        toUnixTimestamp64Milli(start_ts) AS start_ms,
        toUnixTimestamp64Milli(end_ts) AS end_ms,
        toUnixTimestamp64Milli(best_ts) AS best_ms,
        frames, score, best_box, ended
      FROM tracks FINAL ${w.sql}
      ORDER BY source_id, label, start_ms, track_id`,
    params: w.params,
  };
}

export function selectWindows(f: TrackFilter): SqlQuery {
  const w = where([
    eq('source_id', 'sid', f.sourceId),
    time('start_ts >= ?', 'from', f.from),
    time('start_ts < ?', 'to', f.to),
  ]);
  return {
    sql: `SELECT source_id, window_id,
        toUnixTimestamp64Milli(start_ts) AS start_ms,
        toUnixTimestamp64Milli(end_ts) AS end_ms,
        frames, detections, model_id, pre_ms, infer_ms, post_ms
      FROM windows ${w.sql}
      ORDER BY start_ms, window_id`,
    params: w.params,
  };
}

export function countDetections(f: TrackFilter): SqlQuery {
  const w = where([
    eq('source_id', 'sid', f.sourceId),
    eq('label', 'label', f.label),
    time('ts >= ?', 'from', f.from),
    time('ts < ?', 'to', f.to),
  ]);
  return { sql: `SELECT count() AS n FROM detections ${w.sql}`, params: w.params };
}

export interface TimelineFilter {
  readonly sourceId: string;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly labels?: readonly string[] | undefined;
}

/** Per-second rows from the rollup, ordered by label then second (one series per label). */
export function selectTimeline(f: TimelineFilter): SqlQuery {
  const w = where([
    eq('source_id', 'sid', f.sourceId),
    // A `from` inside a second keeps that whole second: rollup rows are per second.
    time('second >= toStartOfSecond(?)', 'from', f.from),
    time('second < ?', 'to', f.to),
    f.labels === undefined ? null : ['has({labels:Array(String)}, label)', { labels: [...f.labels] }],
  ]);
  return {
    sql: `SELECT label, toUnixTimestamp(second) AS t,
        countMerge(n) AS detections, uniqMerge(tracks) AS tracks, max(max_score) AS max_score
      FROM det_1s ${w.sql}
      GROUP BY label, second
      ORDER BY label, second`,
    params: w.params,
  };
}

// From the rollup rather than detections: one row per second and label instead of per box.
export function selectLabels(sourceId: string | undefined): SqlQuery {
  const w = where([eq('source_id', 'sid', sourceId)]);
  return { sql: `SELECT DISTINCT label FROM det_1s ${w.sql} ORDER BY label`, params: w.params };
}

/** Detections in a time range, oldest first, capped (the API pages with from/to). */
export function selectDetections(f: TrackFilter & { readonly limit: number }): SqlQuery {
  const w = where([
    eq('source_id', 'sid', f.sourceId),
    eq('label', 'label', f.label),
    time('ts >= ?', 'from', f.from),
    time('ts < ?', 'to', f.to),
  ]);
  return {
    sql: `SELECT source_id, toUnixTimestamp64Milli(ts) AS ts_ms, frame_seq, label, score, x1, y1, x2, y2, track_id
      FROM detections ${w.sql}
      ORDER BY ts_ms, label, x1
      LIMIT {limit:UInt32}`,
    params: { ...w.params, limit: f.limit },
  };
}

/** Tables holding a source's rows; the rollup too, so timelines forget it as well. */
export const SOURCE_TABLES = [
  'detections',
  'windows',
  'tracks',
  'det_1s',
  'gaps',
  'recordings',
  'faces',
  'appearances',
  'shots',
  'speech_segments',
  'loudness',
  'audio_events',
  'transcript_segments',
  'transcript_words',
  'speaker_turns',
  'speakers',
  'speech_rate',
  'poses',
  'pose_features',
  'tags',
  'age_estimates',
  'nsfw_scores',
  'safety_events',
  'risk_scores',
  // Not quarantines nor audit_events: a deleted source's quarantine and its audit trail stay on record.
  'sources',
] as const;

/** Lightweight DELETE of one source's rows from one table (table names come from SOURCE_TABLES only). */
export function deleteSourceRows(table: (typeof SOURCE_TABLES)[number], sourceId: string): SqlQuery {
  const col = table === 'sources' ? 'id' : 'source_id';
  return { sql: `DELETE FROM ${table} WHERE ${col} = {sid:String}`, params: { sid: sourceId } };
}

export function selectGaps(f: TrackFilter): SqlQuery {
  const w = where([
    eq('source_id', 'sid', f.sourceId),
    time('end_ts >= ?', 'from', f.from),
    time('start_ts < ?', 'to', f.to),
  ]);
  return {
    sql: `SELECT source_id, toUnixTimestamp64Milli(start_ts) AS start_ms, toUnixTimestamp64Milli(end_ts) AS end_ms, reason
      FROM gaps ${w.sql} ORDER BY source_id, start_ms`,
    params: w.params,
  };
}
