// The zero-shot tags per track and frame (issue 11, tags analyzer): part of migration v10.
// Rows may come from remote workers through insertAnalyzerRows as `unknown`: every field is checked.
import type { TagCategory, TagRow, TagScope } from '@aima/inference';
import { count, limitOf, num, str, ts } from './audio-sql.ts';
import type { Driver } from './driver.ts';
import { StoreError } from './errors.ts';
import type { Run } from './run.ts';
import { eq, time, where } from './sql.ts';
import { fromMs } from './time.ts';
import type { Store } from './types.ts';

/** DDL of this part of the schema (migration v10; see migrations.ts). */
export const TAGS_DDL: readonly string[] = [
  // Append-only: one kept tag of one track (or of the frame, track_id -1) over one window.
  `CREATE TABLE IF NOT EXISTS tags (
    source_id LowCardinality(String),
    track_id Int64,
    scope LowCardinality(String),
    category LowCardinality(String),
    tag LowCardinality(String),
    score Float32,
    max_score Float32,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    frames UInt32,
    model_id LowCardinality(String),
    job_id String
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts, track_id)`,
];

export type TagRecord = TagRow;

const SCOPES: readonly TagScope[] = ['person', 'frame', 'wrists', 'ankles'];
const CATEGORIES: readonly TagCategory[] = ['clothing', 'restraint', 'context', 'scene'];

export interface TagRangeQuery {
  readonly sourceId: string;
  /** epoch ms: windows overlapping [fromTs, toTs). */
  readonly fromTs?: number | undefined;
  readonly toTs?: number | undefined;
  readonly trackId?: number | undefined;
  readonly category?: TagCategory | undefined;
  /** Oldest first; at most this many (default 20 000). */
  readonly limit?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface PersonTagQuery {
  readonly personId: string;
  readonly categories?: readonly TagCategory[] | undefined;
  readonly limit?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface TagsStoreMethods {
  insertTags(rows: readonly TagRecord[]): Promise<void>;
  listTags(q: TagRangeQuery): Promise<TagRecord[]>;
  /**
   * Tags of the person tracks a person's faces were linked to (faces.person_track_id of the
   * appearances assigned to the person), oldest first: the dossier's clothing and restraint history.
   */
  listPersonTags(q: PersonTagQuery): Promise<TagRecord[]>;
}

export const DEFAULT_TAG_LIMIT = 20_000;

function oneOf<T extends string>(what: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new StoreError('STORE_QUERY_FAILED', `invalid ${what}: ${String(v)}`);
  return v as T;
}

function trackOf(v: unknown): number {
  const n = num('trackId', v);
  if (!Number.isInteger(n) || n < -1) throw new StoreError('STORE_QUERY_FAILED', `invalid trackId: ${n}`);
  return n;
}

function tagRow(r: TagRecord): object {
  return {
    source_id: str('sourceId', r.sourceId),
    track_id: trackOf(r.trackId),
    scope: oneOf('scope', r.scope, SCOPES),
    category: oneOf('category', r.category, CATEGORIES),
    tag: str('tag', r.tag),
    score: num('score', r.score),
    max_score: num('maxScore', r.maxScore),
    start_ts: ts('startTs', r.startTs),
    end_ts: ts('endTs', r.endTs),
    frames: count('frames', r.frames),
    model_id: str('modelId', r.modelId),
    job_id: str('jobId', r.jobId),
  };
}

interface TagSelectRow {
  source_id: string;
  track_id: number | string;
  scope: string;
  category: string;
  tag: string;
  score: number;
  max_score: number;
  start_ms: number | string;
  end_ms: number | string;
  frames: number | string;
  model_id: string;
  job_id: string;
}

const COLUMNS = `source_id, track_id, scope, category, tag, score, max_score,
  toUnixTimestamp64Milli(start_ts) AS start_ms, toUnixTimestamp64Milli(end_ts) AS end_ms,
  frames, model_id, job_id`;

function fromRow(r: TagSelectRow): TagRecord {
  return {
    sourceId: r.source_id,
    trackId: Number(r.track_id),
    scope: r.scope as TagScope,
    category: r.category as TagCategory,
    tag: r.tag,
    score: Number(r.score),
    maxScore: Number(r.max_score),
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    frames: Number(r.frames),
    modelId: r.model_id,
    jobId: r.job_id,
  };
}

export function createTagsMethods(driver: Driver, run: Run): TagsStoreMethods {
  return {
    insertTags: (rows) =>
      run(async () => {
        if (rows.length > 0) await driver.insert('tags', rows.map(tagRow));
      }),
    listTags: (q) =>
      run(async () => {
        const w = where([
          eq('source_id', 'sid', q.sourceId),
          time('end_ts >= ?', 'from', q.fromTs),
          time('start_ts < ?', 'to', q.toTs),
          q.trackId === undefined ? null : ['track_id = {tid:Int64}', { tid: q.trackId }],
          eq('category', 'cat', q.category),
        ]);
        const rows = await driver.query<TagSelectRow>(
          {
            sql: `SELECT ${COLUMNS} FROM tags ${w.sql} ORDER BY start_ts, track_id, category, tag LIMIT {limit:UInt32}`,
            params: { ...w.params, limit: limitOf(q.limit, DEFAULT_TAG_LIMIT) },
          },
          q.signal,
        );
        return rows.map(fromRow);
      }),
    listPersonTags: (q) =>
      run(async () => {
        const categories = q.categories ?? ['clothing', 'restraint'];
        const rows = await driver.query<TagSelectRow>(
          {
            sql: `SELECT ${COLUMNS} FROM tags
                  WHERE (source_id, track_id) IN (
                    SELECT source_id, toInt64(person_track_id) FROM faces
                    WHERE person_track_id > 0 AND (source_id, face_track_id) IN (
                      SELECT source_id, appearance_id FROM appearances FINAL
                      WHERE person_id = {pid:String} AND deleted = 0))
                    AND scope != 'frame' AND category IN {cats:Array(String)}
                  ORDER BY start_ts, source_id, track_id, category, tag LIMIT {limit:UInt32}`,
            params: { pid: q.personId, cats: [...categories], limit: limitOf(q.limit, DEFAULT_TAG_LIMIT) },
          },
          q.signal,
        );
        return rows.map(fromRow);
      }),
  };
}

/** Tables of this part an analyzer may emit rows for (insertAnalyzerRows), and the method storing each. */
export const TAGS_INSERTERS = {
  tags: (s: Store, rows: readonly unknown[]) => s.insertTags(rows as TagRecord[]),
} satisfies Record<string, (s: Store, rows: readonly unknown[]) => Promise<void>>;
