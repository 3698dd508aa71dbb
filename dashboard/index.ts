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
