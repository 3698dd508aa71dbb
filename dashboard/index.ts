// @aima/dashboard: the control plane — analysis jobs, the source manager, the HTTP + WebSocket
// server and the Svelte UI it serves.

export { runAnalysisJob, makeSourceId, errorFields } from './src/jobs/analysis-job.ts';
export type {
  AnalysisJobOptions,
  AnalysisSummary,
  JobHooks,
  JobProgress,
  LiveFrame,
} from './src/jobs/analysis-job.ts';
export { createAnalysisSink } from './src/jobs/sink.ts';
export type { AnalysisSink, SinkTotals } from './src/jobs/sink.ts';
export { openRuntime, openStore } from './src/runtime.ts';
export { createFrameAnalyzer } from './src/seed/frame-analyzer.ts';
export type { FrameAnalyzer, SeedRequest, SeedResponse } from './src/seed/types.ts';
export type { Runtime, RuntimeOptions, JobRuntime } from './src/runtime.ts';
export { ANALYZERS, ANALYSIS_EVENTS, FRAME_FACES, CUTS } from './src/analyzers/index.ts';
export { createSourceManager } from './src/sources/manager.ts';
export type { SourceManagerOptions } from './src/sources/manager.ts';
export type {
  SourceManager,
  AddSourceRequest,
  SourceListener,
  SourceChangeListener,
  SourceLiveMessage,
  SourceManagerStats,
} from './src/sources/types.ts';
export { createKeyframes } from './src/keyframes.ts';
export { DashboardError, dashboardErrorInfo, toErrorBody } from './src/errors.ts';
export type { DashboardErrorCode } from './src/errors.ts';
export {
  AddSourceBody,
  ClientMessage,
  ServerMessage,
  SourceView,
  DetectionView,
  TrackView,
  SegmentView,
  TimelineView,
  ErrorBody,
} from './src/protocol.ts';
export type { FrameMessage, SourceStats, SourceStatus, LiveDetection } from './src/protocol.ts';
export { UI_DIST_DIR, recordingsRoot } from './src/ui-dir.ts';
export { createPersonsService, personLabel } from './src/persons/service.ts';
export type {
  PersonsService,
  PersonsOptions,
  PersonThresholds,
  AppearanceKey,
  AppearanceContext,
  ProvisionalMatch,
} from './src/persons/service.ts';
export { listPersonViews, dossier, DEFAULT_VISIBILITY } from './src/persons/queries.ts';
export type { PersonVisibility } from './src/persons/queries.ts';
export { createFaceStage } from './src/jobs/face-stage.ts';
export type { FaceDeps, FaceStage, FaceTotals } from './src/jobs/face-stage.ts';
export {
  PersonView,
  AppearanceView,
  DossierView,
  PersonEventView,
  FaceView,
  ShotView,
  LiveFace,
} from './src/protocol.ts';
export {
  buildServer,
  DEFAULT_UPLOAD_LIMIT_BYTES,
  FRAME_SKIP_BYTES,
  CLOSE_BYTES,
  SESSION_COOKIE,
  sessionValue,
} from './src/server/index.ts';
export type { ServerDeps, Keyframe } from './src/server/index.ts';
// GPU pool and cost guard (issue 10, GPU-POOL)
export { createGpuPool } from './src/gpu/pool.ts';
export { openGpuKeyStore, gpuKeysFile, KEYED_PROVIDERS } from './src/gpu/keys.ts';
export type { GpuKeyStore, KeyedProvider } from './src/gpu/keys.ts';
export { keyedProviders } from './src/gpu/providers.ts';
export type { ProviderFactory } from './src/gpu/providers.ts';
export type {
  GpuInstanceView,
  GpuPool,
  GpuPoolOptions,
  GpuStats,
  InstanceEnded,
  LedgerEntry,
  PoolWorkerHub,
  PoolWorkerView,
  ProviderSource,
} from './src/gpu/types.ts';
// Inference workers (issue 10, WORKER): the hub (control plane) and the `aima worker` agent.
export {
  createWorkerHub,
  createWorkerAgent,
  parseNvidiaSmi,
  readGpu,
  readStats,
} from './src/workers/index.ts';
export type {
  WorkerHub,
  WorkerHubOptions,
  WorkerView,
  WorkerAgent,
  WorkerAgentOptions,
  SourceGuardLike,
} from './src/workers/index.ts';
export { createJobService, isTransientFailure, loadThroughput } from './src/job-service/index.ts';
export { JobView as JobViewSchema, EstimateView as EstimateViewSchema } from './src/job-service/index.ts';
export type {
  CreateJobRequest,
  JobGpuPool,
  JobPayload,
  JobProvider,
  JobService,
  JobServiceOptions,
  StartJobRequest,
} from './src/job-service/index.ts';
export type { JobView, EstimateView } from './src/job-service/schemas.ts';
export {
  openJobQueue,
  createEmbeddedQueue,
  createBullmqQueue,
  redactRedisUrl,
  DEFAULT_LEASE_MS,
  MAX_FINISHED,
  MAX_PENDING,
  MAX_PRIORITY,
  MIN_PRIORITY,
} from './src/queue/index.ts';
export type {
  JobQueue,
  Lease,
  QueueCounts,
  QueueEntry,
  EmbeddedQueueOptions,
  BullmqQueueOptions,
} from './src/queue/index.ts';
export { loadOrCreateInstallationId } from './src/gpu/installation.ts';
export { localExecutor } from './src/sources/executor.ts';
export type { Executor, ExecuteOptions, Placement } from './src/sources/executor.ts';
// WebRTC live view (issue 12): the mediasoup service and its settings from the environment.
export { createRtcService } from './src/rtc/service.ts';
export type { RtcServiceOptions } from './src/rtc/service.ts';
export { rtcConfigFromEnv, resolveWorkerBin, DEFAULT_RTC_CONFIG } from './src/rtc/config.ts';
export type { RtcConfig, RtcService } from './src/rtc/types.ts';
