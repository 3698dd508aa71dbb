import type { GateStoreMethods } from './gate-store.ts';
import type { GpuStoreMethods } from './gpu-store.ts';
import type { JobStoreMethods } from './jobs-store.ts';
import type { PoseStoreMethods } from './pose-store.ts';
import type { QueueStoreMethods } from './queue-store.ts';
import type { SafetyStoreMethods } from './safety-store.ts';
import type { TagsStoreMethods } from './tags-store.ts';
import type { WorkerStoreMethods } from './workers-store.ts';
import type { SourceKind } from '@aima/ingest';
import type {
  AppearanceQuery,
  AppearanceRecord,
  FaceRecord,
  FaceWithPerson,
  PersonEventRecord,
  PersonRecord,
  PersonStats,
  ShotRecord,
  SimilarAppearance,
  SimilarityQuery,
  StoredAppearance,
} from './people-types.ts';
import type { AnalyzerTable } from './audio-store.ts';
import type {
  AudioEventQuery,
  AudioEventRecord,
  AudioRangeQuery,
  LoudnessRecord,
  PersonSpeech,
  SpeakerQuery,
  SpeakerRecord,
  SpeakerTurnRecord,
  SpeechRateRecord,
  SpeechSegmentRecord,
  StoredTranscriptWord,
  TranscriptHit,
  TranscriptQuery,
  TranscriptSearchQuery,
  TranscriptSegmentRecord,
} from './audio-types.ts';

export type SourceStatus = 'pending' | 'running' | 'done' | 'failed' | 'stopped';

/** A source row (mutable entity: ReplacingMergeTree, version column). */
export interface SourceRecord {
  readonly id: string;
  /** 'api': frames and audio sent to the seed API (POST /api/v1/analyze/…), no media behind it. */
  readonly kind: SourceKind | 'api';
  /** Redacted display URL/path; the store never receives raw credentials. */
  readonly display: string;
  readonly live: boolean;
  readonly status: SourceStatus;
  /** Stable error code when status = 'failed' (e.g. INGEST_TRUNCATED), else ''. */
  readonly errorCode: string;
  readonly errorMessage: string;
  /** The fixed epoch of this job: ts of media time 0 (ms since 1970). */
  readonly epochMs: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Free-form JSON string: fps, model id, media info, summary. */
  readonly meta: string;
  /** The job this source belongs to ('' or absent: added on its own). */
  readonly jobId?: string;
}

/** One analysis window (append-only). */
export interface WindowRecord {
  readonly sourceId: string;
  readonly windowId: number;
  readonly startTs: number;
  readonly endTs: number;
  readonly frames: number;
  readonly detections: number;
  readonly modelId: string;
  /** Milliseconds spent: preprocessing, ORT run, postprocessing (sums over the window). */
  readonly preMs: number;
  readonly inferMs: number;
  readonly postMs: number;
}

/** One detection on one frame (append-only). Box in source-frame pixels, x1,y1,x2,y2. */
export interface DetectionRecord {
  readonly sourceId: string;
  readonly ts: number;
  readonly frameSeq: number;
  readonly label: string;
  readonly score: number;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  /** 0 when the detection is not part of a confirmed track. */
  readonly trackId: number;
}

/** A finished (or, while live, latest state of a) track. ReplacingMergeTree by (source, track). */
export interface TrackRecord {
  readonly sourceId: string;
  readonly trackId: number;
  readonly label: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly frames: number;
  /** Median of the track's score history. */
  readonly score: number;
  /** Box at the best-scoring frame, for keyframes. */
  readonly bestTs: number;
  readonly bestBox: readonly [number, number, number, number];
  /** false while the track may still grow; true once it ended. */
  readonly ended: boolean;
}

/** An outage of a live source: no frames between the two times. */
export interface GapRecord {
  readonly sourceId: string;
  readonly startTs: number;
  readonly endTs: number;
  /** The error code that cut the connection (e.g. INGEST_UNREACHABLE), or 'stalled'. */
  readonly reason: string;
}

/** A time range where `label` was present in a source, merged from overlapping tracks. */
export interface Segment {
  readonly sourceId: string;
  readonly label: string;
  readonly startTs: number;
  readonly endTs: number;
  /** Number of tracks merged into this segment, and the highest track score among them. */
  readonly tracks: number;
  readonly maxScore: number;
}

export interface SegmentQuery {
  readonly sourceId?: string;
  readonly label?: string;
  readonly from?: number;
  readonly to?: number;
  /** Tracks separated by a gap ≤ this (ms) merge into one segment (default 1000). */
  readonly mergeGapMs?: number;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** Per-second counts for timelines (from the rollup), column-oriented. */
export interface TimelineSeries {
  readonly label: string;
  /** Unix seconds. */
  readonly t: Float64Array;
  /** Detections in that second. */
  readonly detections: Float64Array;
  /** Distinct tracks in that second. */
  readonly tracks: Float64Array;
  readonly maxScore: Float64Array;
}

export interface TimelineQuery {
  readonly sourceId: string;
  readonly from?: number;
  readonly to?: number;
  readonly labels?: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * One finished recording segment: a fragmented-MP4 file covering [startTs, endTs) of a source
 * (append-only). ingest's `RecordedSegment` has this shape and can be stored as is.
 */
export interface RecordingRecord {
  readonly sourceId: string;
  readonly startTs: number;
  readonly endTs: number;
  /** The segment file: absolute as the recorder reports it, or relative to the recordings root. */
  readonly file: string;
  readonly bytes: number;
}

export interface RecordingQuery {
  /** One source; omitted = every source (retention, disk usage). */
  readonly sourceId?: string;
  /** Segments overlapping [from, to): end > from and start < to. */
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** How much recording is stored. */
export interface RecordingUsage {
  readonly segments: number;
  readonly bytes: number;
  /** Start of the oldest segment; null when there is none. */
  readonly oldestTs: number | null;
}

/**
 * The one storage interface. Two adapters implement it: embedded chDB (default, a persistent data
 * directory) and a ClickHouse server through @clickhouse/client (when CLICKHOUSE_URL is set). Both
 * run the same contract tests. All values are bound as query parameters, never spliced into SQL.
 */
export interface Store
  extends
    JobStoreMethods,
    QueueStoreMethods,
    WorkerStoreMethods,
    GpuStoreMethods,
    PoseStoreMethods,
    TagsStoreMethods,
    GateStoreMethods,
    SafetyStoreMethods {
  readonly kind: 'embedded' | 'server';
  readonly closed: boolean;
  /** Applies pending versioned migrations; idempotent. */
  migrate(signal?: AbortSignal): Promise<{ applied: number[]; version: number }>;
  upsertSource(source: SourceRecord): Promise<void>;
  getSource(id: string, signal?: AbortSignal): Promise<SourceRecord | null>;
  listSources(signal?: AbortSignal): Promise<SourceRecord[]>;
  insertWindows(rows: readonly WindowRecord[]): Promise<void>;
  /** Analysis windows of one source whose start lies in [from, to), ordered by start. */
  listWindows(q: {
    sourceId: string;
    from?: number;
    to?: number;
    signal?: AbortSignal;
  }): Promise<WindowRecord[]>;
  insertDetections(rows: readonly DetectionRecord[]): Promise<void>;
  /** Upserts: a later row for the same (sourceId, trackId) replaces an earlier one. */
  insertTracks(rows: readonly TrackRecord[]): Promise<void>;
  listTracks(q: {
    sourceId: string;
    label?: string;
    from?: number;
    to?: number;
    signal?: AbortSignal;
  }): Promise<TrackRecord[]>;
  /** Detections of one source in [from, to), oldest first, at most `limit` (default 10000). */
  listDetections(q: {
    sourceId: string;
    label?: string;
    from?: number;
    to?: number;
    limit?: number;
    signal?: AbortSignal;
  }): Promise<DetectionRecord[]>;
  insertGaps(rows: readonly GapRecord[]): Promise<void>;
  listGaps(q: { sourceId?: string; from?: number; to?: number; signal?: AbortSignal }): Promise<GapRecord[]>;
  /**
   * Deletes a source and every row it produced (detections, windows, tracks, rollup, gaps,
   * recordings rows, faces, appearances, shots, audio results and speakers). Persons and their
   * history stay.
   */
  deleteSource(id: string, signal?: AbortSignal): Promise<void>;
  countDetections(q: {
    sourceId?: string;
    label?: string;
    from?: number;
    to?: number;
    signal?: AbortSignal;
  }): Promise<number>;
  segments(q: SegmentQuery): Promise<Segment[]>;
  timeline(q: TimelineQuery): Promise<TimelineSeries[]>;
  /** Distinct labels ever stored (optionally for one source). */
  labels(sourceId?: string, signal?: AbortSignal): Promise<string[]>;
  /** Stores finished recording segments. */
  insertRecordings(rows: readonly RecordingRecord[]): Promise<void>;
  /** Segments overlapping [from, to), oldest first (by start, then source, then file). */
  listRecordings(q: RecordingQuery): Promise<RecordingRecord[]>;
  /** The segment of a source that contains `ts` (start ≤ ts < end; the latest-starting one if
   * several do), or null. */
  findRecording(sourceId: string, ts: number, signal?: AbortSignal): Promise<RecordingRecord | null>;
  /** Count and total bytes of stored segments, of one source or of all. */
  recordingUsage(q?: { sourceId?: string; signal?: AbortSignal }): Promise<RecordingUsage>;
  /** Deletes segment rows by (sourceId, file); files are left alone (see applyRetention). */
  deleteRecordings(
    rows: readonly { readonly sourceId: string; readonly file: string }[],
    signal?: AbortSignal,
  ): Promise<void>;
  /** Stores detected faces (append-only). */
  insertFaces(rows: readonly FaceRecord[]): Promise<void>;
  /**
   * Faces of one source in [from, to), oldest first, at most `limit` (default 10000), each with
   * the person its appearance (face track) is currently assigned to ('' if none).
   */
  listFaces(q: {
    sourceId: string;
    from?: number;
    to?: number;
    limit?: number;
    signal?: AbortSignal;
  }): Promise<FaceWithPerson[]>;
  /** Upserts appearances: per (sourceId, appearanceId) the highest version wins; `deleted` hides one. */
  upsertAppearances(rows: readonly AppearanceRecord[]): Promise<void>;
  /** Live appearances matching every given filter, ordered by start, source, id. */
  listAppearances(q?: AppearanceQuery): Promise<StoredAppearance[]>;
  /** Upserts persons: per id the highest version wins. */
  upsertPersons(rows: readonly PersonRecord[]): Promise<void>;
  /** Current persons ordered by seq; deleted (and merged-away) ones only with includeDeleted. */
  listPersons(q?: { includeDeleted?: boolean; signal?: AbortSignal }): Promise<PersonRecord[]>;
  /** The current state of a person, deleted or not (check `deleted`/`mergedInto`), or null. */
  getPerson(id: string, signal?: AbortSignal): Promise<PersonRecord | null>;
  /** Per-person aggregates over live appearances with a person, ordered by person id. */
  personStats(signal?: AbortSignal): Promise<PersonStats[]>;
  insertPersonEvents(rows: readonly PersonEventRecord[]): Promise<void>;
  /** A person's history, oldest first. */
  listPersonEvents(personId: string, signal?: AbortSignal): Promise<PersonEventRecord[]>;
  /**
   * The k live appearances most similar (cosine) to `embedding`, best first, among those with an
   * embedding of the same dimension. Computed in ClickHouse by an exact scan.
   */
  similarAppearances(q: SimilarityQuery): Promise<SimilarAppearance[]>;
  /** The highest person seq ever stored (deleted persons included), 0 when there is none. */
  maxPersonSeq(signal?: AbortSignal): Promise<number>;
  /** Stores shots (append-only). */
  insertShots(rows: readonly ShotRecord[]): Promise<void>;
  /** Shots of one source overlapping [from, to), in order. */
  listShots(q: { sourceId: string; from?: number; to?: number; signal?: AbortSignal }): Promise<ShotRecord[]>;
  // Audio results (migration v5). Range reads: intervals overlapping [fromTs, toTs) (end ≥ fromTs,
  // start < toTs), points (loudness seconds) with fromTs ≤ ts < toTs; oldest first, at most
  // `limit` (default 100000).
  insertSpeechSegments(rows: readonly SpeechSegmentRecord[]): Promise<void>;
  insertLoudness(rows: readonly LoudnessRecord[]): Promise<void>;
  insertAudioEvents(rows: readonly AudioEventRecord[]): Promise<void>;
  /**
   * Stores segments with their words. A later row with the same (sourceId, segmentId) replaces
   * the earlier one, words included (store-side version).
   */
  insertTranscriptSegments(rows: readonly TranscriptSegmentRecord[]): Promise<void>;
  insertSpeakerTurns(rows: readonly SpeakerTurnRecord[]): Promise<void>;
  /** Upserts speakers: per (sourceId, speakerId) the highest version wins. */
  upsertSpeakers(rows: readonly SpeakerRecord[]): Promise<void>;
  insertSpeechRate(rows: readonly SpeechRateRecord[]): Promise<void>;
  listSpeechSegments(q: AudioRangeQuery): Promise<SpeechSegmentRecord[]>;
  listLoudness(q: AudioRangeQuery): Promise<LoudnessRecord[]>;
  listAudioEvents(q: AudioEventQuery): Promise<AudioEventRecord[]>;
  /**
   * The latest version of each matching segment, in time order (default limit 10000). `personId`
   * is the person the segment's speaker is linked to now (a rejected link counts as none);
   * segments of an unknown speaker keep the person they were stored with.
   */
  listTranscript(q?: TranscriptQuery): Promise<TranscriptSegmentRecord[]>;
  /** Words of one source by start time, only those of each segment's latest version. */
  listTranscriptWords(q: AudioRangeQuery): Promise<StoredTranscriptWord[]>;
  listSpeakerTurns(q: AudioRangeQuery): Promise<SpeakerTurnRecord[]>;
  /** Current speakers by source then speaker id; `personId` filters on the stored link. */
  listSpeakers(q?: SpeakerQuery): Promise<SpeakerRecord[]>;
  listSpeechRate(q: AudioRangeQuery): Promise<SpeechRateRecord[]>;
  /**
   * Segments containing every word of `q` as whole words, case-insensitive, in time order
   * (default limit 100); `matches` are the segment's words that matched. An empty query finds nothing.
   */
  searchTranscripts(q: TranscriptSearchQuery): Promise<TranscriptHit[]>;
  /** Speaking time (sum of the turns of the person's speakers, all sources) and their segments. */
  personSpeech(personId: string, signal?: AbortSignal): Promise<PersonSpeech>;
  /**
   * Stores rows an analyzer emitted for `table` (one of ANALYZER_TABLES) through that table's
   * insert method; any other name rejects with STORE_UNKNOWN_TABLE.
   */
  insertAnalyzerRows(table: AnalyzerTable, rows: readonly unknown[]): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StoreOptions {
  /** Embedded: data directory (created if missing). Ignored when `url` is given. */
  readonly dataDir?: string;
  /** ClickHouse server URL (http://user:pass@host:8123/db); selects the server adapter. */
  readonly url?: string;
}

export interface BatchWriterOptions {
  /** Flush when this many rows are buffered (default 5000) ... */
  readonly maxRows?: number;
  /**
   * ... or at most this long after the first buffered row (default 500 ms): at the next multiple
   * of it on the wall clock, so every writer of a process with the same delay flushes at the same
   * moment and a coalescing store (coalesceInserts) makes their inserts one.
   */
  readonly maxDelayMs?: number;
  /** Hard cap on buffered rows; `push` awaits (backpressure) beyond it, nothing is dropped (default 50000). */
  readonly highWaterMark?: number;
  /** Retries of a failed flush, with exponential backoff, before `flush()`/`close()` reject (default 5). */
  readonly retries?: number;
}

/**
 * Buffers rows for one table and inserts them in batches. `push()` resolves once the rows are
 * buffered (waits when the buffer is at its high-water mark); `flush()` resolves once everything
 * pushed before it is stored; `close()` flushes and rejects if rows could not be stored.
 */
export interface BatchWriter<T> {
  push(rows: readonly T[]): Promise<void>;
  flush(): Promise<void>;
  readonly pending: number;
  /** Rows stored so far and insert latency, for metrics. */
  readonly stats: {
    readonly written: number;
    readonly batches: number;
    readonly failures: number;
    readonly lastInsertMs: number;
  };
  /** True once close() was called; push() then rejects with STORE_CLOSED. */
  readonly closed: boolean;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
