import type { Driver } from './driver.ts';
import { StoreError, toStoreError } from './errors.ts';
import { toDateTime64 } from './time.ts';
import { GATE_DDL } from './gate-store.ts';
import { GPU_DDL } from './gpu-store.ts';
import { JOBS_DDL } from './jobs-store.ts';
import { POSE_DDL } from './pose-store.ts';
import { QUEUE_DDL } from './queue-store.ts';
import { SAFETY_DDL } from './safety-store.ts';
import { TAGS_DDL } from './tags-store.ts';
import { WORKERS_DDL } from './workers-store.ts';

/** One schema step. Statements run in order; each is idempotent (IF NOT EXISTS) so a step cut short re-runs cleanly. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

// Portable DDL only: no ON CLUSTER, no Replicated engines (clickhouse-notes.md §7), so the same
// list runs on chDB and on a single ClickHouse server. Every DateTime64 names its zone (§1).
const V1_CORE: readonly string[] = [
  // Mutable entity: every update is a full-row insert; read with FINAL (clickhouse-notes.md §4).
  `CREATE TABLE IF NOT EXISTS sources (
    id String,
    kind LowCardinality(String),
    display String,
    live UInt8,
    status LowCardinality(String),
    error_code LowCardinality(String),
    error_message String,
    epoch DateTime64(3, 'UTC'),
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    meta String
  ) ENGINE = ReplacingMergeTree(updated_at) ORDER BY id`,

  `CREATE TABLE IF NOT EXISTS windows (
    source_id LowCardinality(String),
    window_id UInt32,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    frames UInt32,
    detections UInt32,
    model_id LowCardinality(String),
    pre_ms Float32,
    infer_ms Float32,
    post_ms Float32
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts)`,

  // Retention (TTL) is deliberately absent until the retention issue decides on it.
  `CREATE TABLE IF NOT EXISTS detections (
    source_id LowCardinality(String),
    ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    frame_seq UInt32,
    label LowCardinality(String),
    score Float32,
    x1 Float32,
    y1 Float32,
    x2 Float32,
    y2 Float32,
    track_id UInt32
  ) ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY (source_id, ts, label)`,

  // version is a store-side monotonic counter, not a timestamp: two writes in one ms still order.
  `CREATE TABLE IF NOT EXISTS tracks (
    source_id LowCardinality(String),
    track_id UInt32,
    label LowCardinality(String),
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    best_ts DateTime64(3, 'UTC'),
    frames UInt32,
    score Float32,
    best_box Array(Float32),
    ended UInt8,
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (source_id, track_id)`,

  // Per-second rollup (clickhouse-notes.md §3). Read only with -Merge + GROUP BY: background
  // merges combine states at an unknown time.
  `CREATE TABLE IF NOT EXISTS det_1s (
    source_id LowCardinality(String),
    second DateTime('UTC'),
    label LowCardinality(String),
    n AggregateFunction(count),
    avg_score AggregateFunction(avg, Float32),
    tracks AggregateFunction(uniq, UInt32),
    max_score SimpleAggregateFunction(max, Float32)
  ) ENGINE = AggregatingMergeTree PARTITION BY toDate(second) ORDER BY (source_id, label, second)`,

  // An MV sees only rows inserted after it exists; it is created with the empty table it reads,
  // so there is nothing to backfill. track_id 0 means "no confirmed track" and is not a track.
  `CREATE MATERIALIZED VIEW IF NOT EXISTS det_1s_mv TO det_1s AS
  SELECT source_id, toStartOfSecond(ts) AS second, label,
         countState() AS n, avgState(score) AS avg_score,
         uniqStateIf(track_id, track_id != 0) AS tracks, max(score) AS max_score
  FROM detections
  GROUP BY source_id, second, label`,
];

// One row per finished fMP4 segment file of a recording. Append-only facts; retention removes
// rows with lightweight DELETE together with their files (recordings-retention.ts), so no TTL:
// a TTL would drop rows and leave their files on disk.
const V2_RECORDINGS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS recordings (
    source_id LowCardinality(String),
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    file String,
    bytes UInt64
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts)`,
];

/** Every schema migration, in the order they apply. Append only: never edit a released step. */
// Outages of live sources: the time between the last frame before a cut and the first after it.
const V3_GAPS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS gaps (
    source_id LowCardinality(String),
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    reason LowCardinality(String)
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts)`,
];

// People and shots. faces and shots are append-only facts per source; appearances and persons are
// mutable entities (full-row upserts, the highest caller-given version wins, tombstones via
// `deleted`), read with FINAL like sources and tracks. `deleted` is a plain column rather than
// ReplacingMergeTree's is_deleted argument: listPersons({ includeDeleted }) still sees tombstones.
// Embeddings use CODEC(NONE): float noise does not compress (clickhouse-notes.md §5); search is an
// exact scan, so there is no vector index to maintain while appearances change.
const V4_PEOPLE: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS faces (
    source_id LowCardinality(String),
    ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    frame_seq UInt32,
    face_track_id UInt32,
    person_track_id UInt32,
    box Array(Float32),
    score Float32,
    quality Float32,
    good UInt8
  ) ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY (source_id, ts)`,

  `CREATE TABLE IF NOT EXISTS appearances (
    source_id LowCardinality(String),
    appearance_id UInt32,
    person_id String,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    faces UInt32,
    good_faces UInt32,
    quality Float32,
    best_ts DateTime64(3, 'UTC'),
    best_box Array(Float32),
    media String,
    crop String,
    embedding Array(Float32) CODEC(NONE),
    assignment LowCardinality(String),
    similarity Float32,
    candidate_person_id String,
    rejected Array(String),
    version UInt64,
    deleted UInt8
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (source_id, appearance_id)`,

  `CREATE TABLE IF NOT EXISTS persons (
    id String,
    seq UInt32,
    name String,
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    merged_into String,
    version UInt64,
    deleted UInt8
  ) ENGINE = ReplacingMergeTree(version) ORDER BY id`,

  `CREATE TABLE IF NOT EXISTS person_events (
    id String,
    person_id String,
    ts DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    actor LowCardinality(String),
    detail String
  ) ENGINE = MergeTree ORDER BY (person_id, ts)`,

  `CREATE TABLE IF NOT EXISTS shots (
    source_id LowCardinality(String),
    shot_index UInt32,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    keyframe_ts DateTime64(3, 'UTC'),
    cut_score Float32,
    palette Array(UInt32),
    sharpness Float32,
    exposure_mean Float32,
    exposure_clipped_low Float32,
    exposure_clipped_high Float32
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts)`,
];

// Audio results (issue 9). Facts are append-only MergeTree per source and time, partitioned by day
// like detections. transcript_segments is replaceable (store-side version: the speakers analyzer
// re-emits segments with their speaker) and has no partition: ReplacingMergeTree only replaces
// within a partition, and a re-emitted segment's start may move. Its words are parallel arrays in
// the row (replaced with it); transcript_words repeats them per row with the segment version for
// word-level reads (transcript-sql.ts). Search uses the `text` index (GA in 26.x, no experimental
// flag; a server older than that needs upgrading before this step), over lowerUTF8(text) with the
// same tokenizer the queries use, so a hit is a whole word in any case.
const V5_AUDIO: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS speech_segments (
    source_id LowCardinality(String),
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    probability Float32
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts)`,

  `CREATE TABLE IF NOT EXISTS loudness (
    source_id LowCardinality(String),
    ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    momentary_lufs Float32,
    short_term_lufs Float32,
    peak_dbfs Float32,
    silent UInt8,
    clipped_samples UInt32
  ) ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY (source_id, ts)`,

  `CREATE TABLE IF NOT EXISTS audio_events (
    source_id LowCardinality(String),
    event_id String,
    label LowCardinality(String),
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    peak_ts DateTime64(3, 'UTC'),
    peak_score Float32,
    classes Array(LowCardinality(String)),
    model_id LowCardinality(String)
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts)`,

  `CREATE TABLE IF NOT EXISTS transcript_segments (
    source_id LowCardinality(String),
    segment_id String,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    text String,
    language LowCardinality(String),
    confidence Float32,
    engine LowCardinality(String),
    speaker_id String,
    person_id String,
    word_text Array(String),
    word_start Array(DateTime64(3, 'UTC')),
    word_end Array(DateTime64(3, 'UTC')),
    word_confidence Array(Float32),
    version UInt64,
    INDEX text_idx lowerUTF8(text) TYPE text(tokenizer = splitByNonAlpha)
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (source_id, segment_id)`,

  `CREATE TABLE IF NOT EXISTS transcript_words (
    source_id LowCardinality(String),
    segment_id String,
    version UInt64,
    word_index UInt32,
    word String,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    confidence Float32
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts)`,

  // A turn keeps its times for life; its speaker may change (the user splits a speaker): the
  // highest store-side version of a (source, start, end) wins. Read with FINAL.
  `CREATE TABLE IF NOT EXISTS speaker_turns (
    source_id LowCardinality(String),
    speaker_id String,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts, end_ts)`,

  // Mutable entity like persons: full-row upserts, the highest caller-given version wins.
  `CREATE TABLE IF NOT EXISTS speakers (
    source_id LowCardinality(String),
    speaker_id String,
    label String,
    person_id String,
    link LowCardinality(String),
    speaking_ms UInt64,
    turns UInt32,
    embedding Array(Float32) CODEC(NONE),
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (source_id, speaker_id)`,

  `CREATE TABLE IF NOT EXISTS speech_rate (
    source_id LowCardinality(String),
    segment_id String,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    words UInt32,
    words_per_minute Float32,
    pauses UInt32,
    mean_pause_ms Float32,
    max_pause_ms Float32
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts)`,
];

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'core tables and per-second rollup', statements: V1_CORE },
  { version: 2, name: 'recording segments', statements: V2_RECORDINGS },
  { version: 3, name: 'live source gaps', statements: V3_GAPS },
  { version: 4, name: 'faces, appearances, persons, person events, shots', statements: V4_PEOPLE },
  {
    version: 5,
    name: 'audio: speech, loudness, sound events, transcripts, speakers, speech rate',
    statements: V5_AUDIO,
  },
  {
    version: 6,
    name: 'jobs: sources carry their job id; jobs and their media items',
    statements: [`ALTER TABLE sources ADD COLUMN IF NOT EXISTS job_id String DEFAULT ''`, ...JOBS_DDL],
  },
  { version: 7, name: 'embedded job queue', statements: QUEUE_DDL },
  { version: 8, name: 'inference workers, join tokens, result batches', statements: WORKERS_DDL },
  { version: 9, name: 'GPU pool: instances and the cost ledger', statements: GPU_DDL },
  {
    version: 10,
    name: 'safety: poses, tags, age estimates, NSFW scores, quarantines, audit, safety events, risk',
    statements: [...POSE_DDL, ...TAGS_DDL, ...GATE_DDL, ...SAFETY_DDL],
  },
]);

/** The schema version this build of the package migrates to. */
export function currentSchemaVersion(): number {
  return MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
}

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version UInt32,
  applied_at DateTime64(3, 'UTC')
) ENGINE = MergeTree ORDER BY version`;

/**
 * Applies the migrations missing from `schema_migrations`, in version order. Idempotent: a second
 * run applies nothing. Two processes migrating at once may both record a version; readers use
 * DISTINCT, and the DDL itself is IF NOT EXISTS.
 */
export async function migrate(
  driver: Driver,
  migrations: readonly Migration[],
  signal?: AbortSignal,
): Promise<{ applied: number[]; version: number }> {
  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      signal?.throwIfAborted();
      await fn();
    } catch (e) {
      const inner = toStoreError(e, { fallback: 'STORE_MIGRATION_FAILED', context: what });
      throw new StoreError('STORE_MIGRATION_FAILED', `migration failed: ${inner.message}`, { cause: inner });
    }
  };

  await step('create schema_migrations', () => driver.exec(LEDGER_DDL, signal));
  const done = new Set<number>();
  await step('read schema_migrations', async () => {
    const rows = await driver.query<{ version: number | string }>(
      { sql: 'SELECT DISTINCT version FROM schema_migrations', params: {} },
      signal,
    );
    for (const r of rows) done.add(Number(r.version));
  });

  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const [i, sql] of m.statements.entries()) {
      await step(`v${m.version} (${m.name}) statement ${i + 1}`, () => driver.exec(sql, signal));
    }
    await step(`record v${m.version}`, () =>
      driver.insert('schema_migrations', [{ version: m.version, applied_at: toDateTime64(Date.now()) }]),
    );
    done.add(m.version);
    applied.push(m.version);
  }
  return { applied, version: Math.max(0, ...done) };
}
