export type {
  BatchWriter,
  BatchWriterOptions,
  DetectionRecord,
  Segment,
  SegmentQuery,
  SourceRecord,
  GapRecord,
  SourceStatus,
  Store,
  StoreOptions,
  TimelineQuery,
  TimelineSeries,
  TrackRecord,
  WindowRecord,
} from './src/types.ts';
export { createStore } from './src/create-store.ts';
export { createBatchWriter } from './src/batch-writer.ts';
export { coalesceInserts, COALESCED_INSERTS } from './src/coalesce.ts';
export type { CoalesceOptions } from './src/coalesce.ts';
export { DEFAULT_MERGE_GAP_MS, mergeSegments } from './src/segments.ts';
export type { SegmentInput } from './src/segments.ts';
export { STORE_ERROR_CODES, StoreError, isStoreError } from './src/errors.ts';
export type { StoreErrorCode } from './src/errors.ts';
export { MIGRATIONS, currentSchemaVersion } from './src/migrations.ts';
export type { Migration } from './src/migrations.ts';
export type { RecordingQuery, RecordingRecord, RecordingUsage } from './src/types.ts';
export type {
  AppearanceAssignment,
  AppearanceKey,
  AppearanceQuery,
  AppearanceRecord,
  FaceRecord,
  FaceWithPerson,
  PersonEventKind,
  PersonEventRecord,
  PersonRecord,
  PersonStats,
  ShotExposure,
  ShotRecord,
  SimilarAppearance,
  SimilarityQuery,
  StoredAppearance,
} from './src/people-types.ts';
export { nextVersion } from './src/time.ts';
export { applyRetention, planRetention } from './src/recordings-retention.ts';
export type {
  ApplyRetentionOptions,
  RetentionLimits,
  RetentionPlan,
  RetentionResult,
} from './src/recordings-retention.ts';
export type {
  AudioEventQuery,
  AudioEventRecord,
  AudioRangeQuery,
  LoudnessRecord,
  PersonSpeech,
  SpeakerLinkStatus,
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
  TranscriptWord,
} from './src/audio-types.ts';
export { ANALYZER_TABLES, isAnalyzerTable } from './src/audio-store.ts';
export type { AnalyzerTable } from './src/audio-store.ts';
export { TRANSCRIPT_FORMATS, formatTranscript, speakerNames } from './src/transcript-export.ts';
export type { TranscriptExportOptions, TranscriptFormat } from './src/transcript-export.ts';
export type { JobItemRecord, JobItemState, JobRecord, JobState, JobStoreMethods } from './src/jobs-store.ts';
export type {
  JoinTokenRecord,
  ResultBatchRecord,
  WorkerRecord,
  WorkerStoreMethods,
} from './src/workers-store.ts';
export type {
  GpuInstanceRecord,
  GpuInstanceState,
  GpuLedgerQuery,
  GpuLedgerRecord,
  GpuStoreMethods,
} from './src/gpu-store.ts';
export type { QueueEntryRecord, QueueEntryState, QueueStoreMethods } from './src/queue-store.ts';
export type { AuditQuery, AuditRecord, GateStoreMethods } from './src/gate-store.ts';
export type { AgeRecord, GateRowQuery, NsfwRecord, QuarantineRecord } from './src/gate-store.ts';
export type { PoseFeatureRecord, PoseRangeQuery, PoseRecord, PoseStoreMethods } from './src/pose-store.ts';
export type { PersonTagQuery, TagRangeQuery, TagRecord, TagsStoreMethods } from './src/tags-store.ts';
export type {
  RiskRecord,
  RiskSeries,
  SafetyEventQuery,
  SafetyEventRecord,
  SafetyStoreMethods,
} from './src/safety-store.ts';
